"""Assembling a rig: view poses from pairwise essential matrices, on one consistent scale.

Used by every label mode (:mod:`.label_modes`): the plain pooled mode estimates every view
against the reference (:func:`poses_against_reference`); the robust mode builds the rig around
a hub view from all pairs (:func:`pairwise_poses`, :func:`rig_around_hub`,
:func:`to_reference`). Translations from essential matrices have unit length; the *scale
view* (the non-reference view with the most inliers) keeps ``|t| = 1`` and every other view's
scale is fitted to the points the reference and the scale view triangulate
(:func:`consistent_scales`).

Convention:
    Poses map the reference (or hub) camera's coordinates to the view's: ``X_v = R_v X + t_v``.
"""
from typing import Optional

import numpy as np

from .label_options import PoseOptions
from .parallel import thread_map
from ..geometry.relative_pose import (RelativePose, estimate_relative_pose, refine_relative_pose,
                            translation_scale)
from .statuses import ViewStatus
from ..geometry.triangulation import triangulate_dlt

#: Cauchy scale of the robust Sampson refinement, in RANSAC thresholds.
REFINE_LOSS_SCALE = 3.0

def consistent_scales(normalized, poses, reference_view):
    """Make translation scales consistent: (V,3,3), (V,3), V statuses, the scale view.

    Args:
        normalized: (V, N, 2) pooled observations. poses: V RelativePose relative to
            ``reference_view`` (its own unused).

    The scale view (the view with most inliers) gets ``|t| = 1``; every other view's scale is
    fitted to the joints triangulated by the reference and the scale view.
    """
    num_views = len(poses)
    rotations = np.stack([p.rotation for p in poses])
    translations = np.stack([p.translation for p in poses]).astype(np.float64)
    status = [p.status for p in poses]
    candidates = [v for v in range(num_views) if v != reference_view and poses[v].ok]
    if not candidates:
        return rotations, translations, status, -1
    scale_view = max(candidates, key=lambda v: poses[v].inliers.sum())
    both = poses[scale_view].inliers
    points = np.stack([normalized[reference_view], normalized[scale_view]], axis=1)  # (N,2,2)
    projections = np.stack([np.eye(3, 4), np.concatenate(
        [rotations[scale_view], translations[scale_view, :, None]], axis=1)])
    points_3d, valid = triangulate_dlt(points, projections, both[:, None] * np.ones((1, 2)))
    for view in candidates:
        if view == scale_view:
            continue
        usable = valid & poses[view].inliers
        scale = translation_scale(points_3d[usable], normalized[view][usable], rotations[view],
                                  translations[view])
        if not np.isfinite(scale) or scale <= 0:
            status[view] = ViewStatus.NO_SCALE
            continue
        translations[view] *= scale
    return rotations, translations, status, scale_view


def pooled_pair_pose(normalized: np.ndarray, confident: np.ndarray, focal: np.ndarray,
                     first: int, second: int, ransac_threshold_px: float, options: PoseOptions,
                     seed: int, max_ransac_points: Optional[int] = None) -> RelativePose:
    """Pose of view ``second`` relative to view ``first`` from all their common joints.

    Args:
        normalized: (V, F, J, 2). confident: (V, F, J). focal: (V,) pixels.
        ransac_threshold_px: RANSAC threshold, pixels of the pair's mean focal length.
        options: RANSAC sizes and whether to refine (robust Sampson refinement over all common
            joints, Cauchy scale ``REFINE_LOSS_SCALE`` RANSAC thresholds).
        max_ransac_points: overrides ``options.max_ransac_points`` (0: all).
    """
    if max_ransac_points is None:
        max_ransac_points = options.max_ransac_points
    common = (confident[first] & confident[second]).reshape(-1)
    points_first = np.where(common[:, None], normalized[first].reshape(-1, 2), np.nan)
    points_second = np.where(common[:, None], normalized[second].reshape(-1, 2), np.nan)
    threshold = ransac_threshold_px / (0.5 * (focal[first] + focal[second]))
    pose = estimate_relative_pose(points_first, points_second, threshold=threshold,
                                  min_points=options.min_joints,
                                  min_parallax_deg=options.min_parallax_deg,
                                  max_ransac_points=max_ransac_points, seed=seed)
    if options.refine:
        pose = refine_relative_pose(pose, points_first, points_second, threshold=threshold,
                                    loss_scale=REFINE_LOSS_SCALE * threshold, seed=seed)
    return pose


def pairwise_poses(normalized: np.ndarray, confident: np.ndarray, focal: np.ndarray,
                   ransac_threshold_px: float, options: PoseOptions, seed: int) -> dict:
    """{(a, b): RelativePose of b relative to a} for every ordered pair of views
    (:func:`pooled_pair_pose` of every unordered pair, inverted for the other order)."""
    num_views = len(normalized)
    pairs = {}
    ordered = [(a, b) for a in range(num_views) for b in range(a + 1, num_views)]
    poses = thread_map(lambda pair: pooled_pair_pose(normalized, confident, focal, *pair,
                                                     ransac_threshold_px, options, seed),
                       ordered)                   # independent pairs, on all cores
    for (a, b), pose in zip(ordered, poses):
        pairs[a, b] = pose
        if pose.ok:
            pairs[b, a] = RelativePose(rotation=pose.rotation.T,
                                       translation=-pose.rotation.T @ pose.translation,
                                       status=ViewStatus.OK, inliers=pose.inliers,
                                       parallax_deg=pose.parallax_deg)
        else:
            pairs[b, a] = pose
    return pairs


def depth_angle_deg(pose: RelativePose) -> float:
    """How well a view pair places points in depth: its median triangulation angle folded to
    [0, 90] degrees (the rays' parallax; near 0 for a pure rotation *and* for two cameras
    facing each other across the subject, whose rays are nearly one line)."""
    return min(pose.parallax_deg, 180.0 - pose.parallax_deg)


def rig_around_hub(pairs: dict, confident: np.ndarray, reference_view: int,
                   min_angle_deg: float):
    """The hub and the poses of all views relative to it (the hub's own: identity, its
    confident joints).

    A pair's support is its inlier count weighted by the sine of its :func:`depth_angle_deg`;
    pairs below ``min_angle_deg`` count for nothing and give no pose: two cameras facing
    each other across the subject agree with almost any correspondence (their epipoles lie on
    the subject), so their inliers say nothing about the rig. The hub is the view with the
    most support that has a usable pair with the reference view (or is it); views it has no
    usable pair with get their pose by resection (:func:`.self_calibration.resect_views`).
    """
    num_views = len(confident)

    def usable(a, b):
        return pairs[a, b].ok and depth_angle_deg(pairs[a, b]) >= min_angle_deg

    def support(hub):
        return sum(pairs[hub, v].inliers.sum() * np.sin(np.radians(depth_angle_deg(
            pairs[hub, v]))) for v in range(num_views) if v != hub and usable(hub, v))

    candidates = [h for h in range(num_views) if h == reference_view or usable(h, reference_view)]
    hub = max(candidates, key=support)
    poses = [RelativePose(inliers=confident[hub].reshape(-1)) if view == hub
             else pairs[hub, view] if usable(hub, view)
             else RelativePose(status=ViewStatus.NARROW_ANGLE if pairs[hub, view].ok
                               else pairs[hub, view].status,
                               inliers=np.zeros(confident[hub].size, bool))
             for view in range(num_views)]
    return hub, poses


def to_reference(normalized, poses, hub, reference_view):
    """Hub-relative poses with consistent scales -> reference-relative, ``|t_scale_view| = 1``.

    Args:
        normalized: (V, F, J, 2). poses: V RelativePose relative to ``hub``.

    Returns (V, 3, 3), (V, 3), V statuses, the scale view (the non-reference view with the
    most inliers; -1 if none).
    """
    num_views = len(poses)
    flat = normalized.reshape(num_views, -1, 2)
    rotations, translations, status, _ = consistent_scales(flat, poses, hub)
    ok = [v for v in range(num_views) if status[v] == ViewStatus.OK]
    # X_v = R_vh X_h + t_vh and X_ref = R_rh X_h + t_rh  =>  X_v = R_v X_ref + t_v.
    rotation_ref, translation_ref = rotations[reference_view], translations[reference_view]
    out_rotations = np.tile(np.eye(3), (num_views, 1, 1))
    out_translations = np.zeros((num_views, 3))
    for view in ok:
        out_rotations[view] = rotations[view] @ rotation_ref.T
        out_translations[view] = translations[view] - out_rotations[view] @ translation_ref
    candidates = [v for v in ok if v != reference_view]
    if not candidates:
        return out_rotations, out_translations, status, -1
    scale_view = max(candidates, key=lambda v: poses[v].inliers.sum())
    out_translations /= np.linalg.norm(out_translations[scale_view])
    return out_rotations, out_translations, status, scale_view


def poses_against_reference(normalized: np.ndarray, confident: np.ndarray, focal: np.ndarray,
                            reference_view: int, ransac_threshold_px: float,
                            options: PoseOptions, seed: int,
                            max_ransac_points: Optional[int] = None):
    """Pose of every view relative to the reference from all (frames x joints) given.

    Args:
        normalized: (V, F, J, 2); confident: (V, F, J). focal: (V,) pixels.
        max_ransac_points: overrides ``options.max_ransac_points`` (0: all points).

    Returns:
        list of V RelativePose (the reference view's is the identity) and (V,) inlier ratios.
    """
    num_views = normalized.shape[0]

    def view_pose(view):
        if view == reference_view:
            return RelativePose(inliers=confident[view].reshape(-1)), 1.0
        pose = pooled_pair_pose(normalized, confident, focal, reference_view, view,
                                ransac_threshold_px, options, seed, max_ransac_points)
        common = confident[reference_view] & confident[view]
        return pose, pose.inliers.sum() / max(common.sum(), 1)

    # independent views on all cores (one frame alone: not worth a thread)
    results = (thread_map(view_pose, range(num_views)) if normalized.shape[1] > 1
               else [view_pose(view) for view in range(num_views)])
    return [pose for pose, _ in results], np.array([ratio for _, ratio in results], float)
