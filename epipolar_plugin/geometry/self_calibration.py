"""Robust self-calibration of a static rig from real 2D detections (pooled mode, ``robust``).

Real detectors swap left and right, move hip and head points with the viewpoint, lose the
person in one view for long stretches, and cameras drift out of sync. The plain pooled estimate
(every view against the reference, one essential matrix each) lets such a view poison the
labels. :func:`calibrate_rig` instead:

1. estimates the relative pose of every view **pair** (5-point MAGSAC++ on the pooled joints,
   robust Sampson refinement) and builds the rig around the *hub*, the view the others agree
   with best, so a bad reference view does not decide every pose; then re-estimates each view
   from the joints the others triangulate (PnP RANSAC), which survives a view that is wrong
   in most frames;
2. keeps, frame by frame, only the views that agree with the best-supported pair of views
   (median reprojection error within the gate, left/right names ignored): a wrong or
   half-visible person in one view does not enter the geometry or the labels;
3. finds and undoes left/right swaps per frame, view and joint pair (:mod:`.swaps`: the
   geometry says which views disagree, the majority of views and the motion's continuity say
   which naming is right; an undecidable pair is not used; needs 3 views);
4. bundle-adjusts all views' poses and the 3D joints of up to ``ba_max_frames`` frames with a
   Cauchy loss (SciPy, sparse Jacobian), optionally with one focal length per view;
5. repeats 2-4 once, then 2 with the refined rig.

Quality (per view and per frame) is reported by :func:`..pseudo_labels.make_pseudo_labels`.
"""
import itertools
import warnings
from dataclasses import dataclass, field
from typing import Optional, Sequence

import cv2
import numpy as np

from .bundle_adjustment import bundle_adjust
from .relative_pose import (NARROW_ANGLE, NO_SCALE, OK, RelativePose, estimate_relative_pose,
                            refine_relative_pose, translation_scale)
from .swaps import H36M_FLIP_PAIRS, find_swaps, flip_permutation
from .triangulation import (reprojection_errors, triangulate_dlt, triangulate_robust,
                            triangulation_angle_deg)


@dataclass
class RigCalibration:
    """A robustly calibrated rig and what was done to the detections (F frames, V views).

    Attributes:
        rotations: (V, 3, 3) and translations: (V, 3), relative to the reference view,
            ``|t_anchor| = 1``; NaN-free, identity / zeros for a view without a pose.
        view_status: (V,) status names of the views' poses (``'ok'`` or why not).
        anchor: the view with ``|t| = 1``; -1 when no view has a pose.
        hub: the view the rig was built around.
        normalized: (V, F, J, 2) the observations after undoing swaps (and focal updates).
        confident: (V, F, J) bool after swaps. scores: (V, F, J) after swaps.
        used: (F, V) bool, the (frame, view) pairs that passed the gate.
        swapped: (F, V, P) bool, the left/right pairs exchanged back.
        ambiguous: (F, J) bool, joints of a pair whose swap pattern was a tie (not used).
        focal_scale: (V,) focal-length corrections (1 unless refined).
        bundle: dict with the bundle adjustment's frames, observations, costs, success.
    """
    rotations: np.ndarray
    translations: np.ndarray
    view_status: list
    anchor: int
    hub: int
    normalized: np.ndarray
    confident: np.ndarray
    scores: np.ndarray
    used: np.ndarray
    swapped: np.ndarray
    ambiguous: np.ndarray
    focal_scale: np.ndarray
    bundle: dict = field(default_factory=dict)


def calibrate_rig(normalized: np.ndarray,
                  confident: np.ndarray,
                  scores: np.ndarray,
                  focal: np.ndarray,
                  reference_view: int,
                  min_joints: int = 8,
                  min_parallax_deg: float = 1.0,
                  ransac_threshold_px: float = 3.0,
                  gate_px: float = 15.0,
                  flip_pairs: Optional[Sequence[tuple]] = H36M_FLIP_PAIRS,
                  refine_focal: bool = False,
                  ba_max_frames: int = 300,
                  max_ransac_points: int = 4000,
                  min_triangulation_angle_deg: float = 15.0,
                  seed: int = 0) -> RigCalibration:
    """Robust pooled poses of all views (see the module's steps).

    Args:
        normalized: (V, F, J, 2) undistorted normalized coordinates.
        confident: (V, F, J) bool, usable joints. scores: (V, F, J) in [0, 1].
        focal: (V,) focal lengths, pixels.
        reference_view: the labels' frame.
        min_joints, min_parallax_deg, ransac_threshold_px, max_ransac_points, seed: as in
            :func:`..pseudo_labels.make_pseudo_labels`.
        gate_px: a (frame, view) whose median reprojection error against the best-supported
            view pair is larger is not used; also the outlier threshold of the triangulations.
        flip_pairs: (left, right) joint pairs a detector may exchange; None or empty: no swap
            handling (it also needs 3 views).
        refine_focal: estimate one focal-length correction per view in the bundle adjustment.
        ba_max_frames: at most this many frames (evenly spaced) enter the bundle adjustment.

    Returns:
        RigCalibration.
    """
    num_views, num_frames, num_joints = confident.shape
    normalized, confident, scores = normalized.copy(), confident.copy(), scores.copy()
    pairs = _pairwise_poses(normalized, confident, focal, min_joints, min_parallax_deg,
                            ransac_threshold_px, max_ransac_points, seed)
    hub, poses = _rig_around_hub(pairs, confident, reference_view, min_triangulation_angle_deg)
    rotations, translations, status, anchor = _to_reference(normalized, poses, hub,
                                                            reference_view)
    has_pose = np.array([s == OK for s in status])
    flip_pairs = tuple(flip_pairs or ()) if num_views >= 3 else ()
    swapped = np.zeros((num_frames, num_views, len(flip_pairs)), bool)
    used = np.ones((num_frames, num_views), bool) & has_pose[None]
    calibration = RigCalibration(rotations, translations, status, anchor, hub, normalized,
                                 confident, scores, used, swapped,
                                 np.zeros((num_frames, num_joints), bool), np.ones(num_views))
    if anchor < 0:
        return calibration
    gate = gate_px / focal.mean()
    _resection(calibration, has_pose, reference_view, gate, seed, min_triangulation_angle_deg)
    used[:] = has_pose[None]
    for _ in range(2):
        _gate_views(calibration, gate, has_pose, flip_pairs)
        _undo_swaps(calibration, flip_pairs, gate)
        _bundle_adjust(calibration, focal, reference_view, ransac_threshold_px, gate,
                       refine_focal, ba_max_frames)
    _gate_views(calibration, gate, has_pose, flip_pairs)
    return calibration


def scale_views_to_anchor(normalized, poses, reference_view):
    """Make translation scales consistent: (V,3,3), (V,3), V status names, anchor view.

    Args:
        normalized: (V, N, 2) pooled observations. poses: V RelativePose relative to
            ``reference_view`` (its own unused).

    The anchor (the view with most inliers) gets ``|t| = 1``; every other view's scale is
    fitted to the joints triangulated by the reference and the anchor views.
    """
    num_views = len(poses)
    rotations = np.stack([p.rotation for p in poses])
    translations = np.stack([p.translation for p in poses]).astype(np.float64)
    status = [p.status for p in poses]
    candidates = [v for v in range(num_views) if v != reference_view and poses[v].ok]
    if not candidates:
        return rotations, translations, status, -1
    anchor = max(candidates, key=lambda v: poses[v].inliers.sum())
    both = poses[anchor].inliers
    points = np.stack([normalized[reference_view], normalized[anchor]], axis=1)  # (N, 2, 2)
    projections = np.stack([np.eye(3, 4),
                            np.concatenate([rotations[anchor], translations[anchor, :, None]],
                                           axis=1)])
    points_3d, valid = triangulate_dlt(points, projections, both[:, None] * np.ones((1, 2)))
    for view in candidates:
        if view == anchor:
            continue
        usable = valid & poses[view].inliers
        scale = translation_scale(points_3d[usable], normalized[view][usable], rotations[view],
                                  translations[view])
        if not np.isfinite(scale) or scale <= 0:
            status[view] = NO_SCALE
            continue
        translations[view] *= scale
    return rotations, translations, status, anchor


def pooled_pair_pose(normalized: np.ndarray, confident: np.ndarray, focal: np.ndarray,
                     first: int, second: int, min_joints: int, min_parallax_deg: float,
                     ransac_threshold_px: float, max_ransac_points: int, seed: int,
                     refine: bool = True, loss_scale: float = 3.0) -> RelativePose:
    """Pose of view ``second`` relative to view ``first`` from all their common joints.

    Args:
        normalized: (V, F, J, 2). confident: (V, F, J). focal: (V,) pixels.
        refine: robust Sampson refinement over all common joints, Cauchy scale ``loss_scale``
            times the RANSAC threshold.
    """
    common = (confident[first] & confident[second]).reshape(-1)
    points_first = np.where(common[:, None], normalized[first].reshape(-1, 2), np.nan)
    points_second = np.where(common[:, None], normalized[second].reshape(-1, 2), np.nan)
    threshold = ransac_threshold_px / (0.5 * (focal[first] + focal[second]))
    pose = estimate_relative_pose(points_first, points_second, threshold=threshold,
                                  min_points=min_joints, min_parallax_deg=min_parallax_deg,
                                  max_ransac_points=max_ransac_points, seed=seed)
    if refine:
        pose = refine_relative_pose(pose, points_first, points_second, threshold=threshold,
                                    loss_scale=loss_scale * threshold, seed=seed)
    return pose


def _pairwise_poses(normalized, confident, focal, min_joints, min_parallax_deg,
                    ransac_threshold_px, max_ransac_points, seed) -> dict:
    """{(a, b): RelativePose of b relative to a} for every ordered pair of views."""
    num_views = len(normalized)
    pairs = {}
    for a in range(num_views):
        for b in range(a + 1, num_views):
            pose = pooled_pair_pose(normalized, confident, focal, a, b, min_joints,
                                    min_parallax_deg, ransac_threshold_px, max_ransac_points,
                                    seed)
            pairs[a, b] = pose
            if pose.ok:
                pairs[b, a] = RelativePose(rotation=pose.rotation.T,
                                           translation=-pose.rotation.T @ pose.translation,
                                           status=OK, inliers=pose.inliers,
                                           parallax_deg=pose.parallax_deg)
            else:
                pairs[b, a] = pose
    return pairs


def depth_angle_deg(pose: RelativePose) -> float:
    """How well a view pair places points in depth: its median triangulation angle folded to
    [0, 90] degrees (the rays' parallax; near 0 for a pure rotation *and* for two cameras
    facing each other across the subject, whose rays are nearly one line)."""
    return min(pose.parallax_deg, 180.0 - pose.parallax_deg)


def _rig_around_hub(pairs: dict, confident: np.ndarray, reference_view: int,
                    min_angle_deg: float):
    """The hub and the poses of all views relative to it (the hub's own: identity, its
    confident joints).

    A pair's support is its inlier count weighted by the sine of its :func:`depth_angle_deg`;
    pairs below ``min_angle_deg`` count for nothing and give no pose: two cameras facing
    each other across the subject agree with almost any correspondence (their epipoles lie on
    the subject), so their inliers say nothing about the rig. The hub is the view with the
    most support that has a usable pair with the reference view (or is it); views it has no
    usable pair with get their pose by resection (:func:`_resection`).
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
             else RelativePose(status=NARROW_ANGLE if pairs[hub, view].ok
                               else pairs[hub, view].status,
                               inliers=np.zeros(confident[hub].size, bool))
             for view in range(num_views)]
    return hub, poses


def _to_reference(normalized, poses, hub, reference_view):
    """Hub-relative poses with consistent scales -> reference-relative, ``|t_anchor| = 1``.

    Returns (V, 3, 3), (V, 3), V status names, the anchor (the non-reference view with the
    most inliers; -1 if none).
    """
    num_views = len(poses)
    flat = normalized.reshape(num_views, -1, 2)
    rotations, translations, status, _ = scale_views_to_anchor(flat, poses, hub)
    ok = [v for v in range(num_views) if status[v] == OK]
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
    anchor = max(candidates, key=lambda v: poses[v].inliers.sum())
    out_translations /= np.linalg.norm(out_translations[anchor])
    return out_rotations, out_translations, status, anchor


def _resection(calibration: RigCalibration, has_pose: np.ndarray, reference_view: int,
               gate: float, seed: int, min_angle_deg: float, max_points: int = 4000) -> None:
    """Re-estimate each view's pose from the joints the other views triangulate (PnP RANSAC).

    An essential matrix of a view that is wrong in most frames is poisoned even in pooled
    mode; OpenCV's ``solvePnPRansac`` on 3D-2D correspondences needs 4 points per sample and
    survives such outlier rates. A new pose replaces the old one when its truncated squared
    reprojection error (MSAC's score) is smaller. The
    reference view goes first: if its new pose is not the identity, the whole rig is moved
    into its frame.
    """
    rng = np.random.default_rng(seed)
    # views without a usable pair first (placed by the views the hub placed), then the
    # reference view, then the others
    order = ([v for v in np.flatnonzero(~has_pose) if v != reference_view] + [reference_view]
             + [v for v in np.flatnonzero(has_pose) if v != reference_view])
    for view in order:
        found = _resect_view(calibration, view, gate, rng, max_points, min_angle_deg)
        if found is None:
            continue
        rotation, translation = found
        if view != reference_view:
            calibration.rotations[view], calibration.translations[view] = rotation, translation
            if not has_pose[view]:      # a view without a usable pair: placed by the others
                has_pose[view], calibration.view_status[view] = True, OK
            continue
        # the reference camera sits at X_ref = R X + t in the current frame: rebase every view
        rotations = calibration.rotations @ rotation.T
        calibration.translations = calibration.translations - np.einsum(
            'vij,j->vi', rotations, translation)
        calibration.rotations = rotations
        calibration.rotations[reference_view] = np.eye(3)
        calibration.translations[reference_view] = 0.0
    calibration.translations = calibration.translations / np.linalg.norm(
        calibration.translations[calibration.anchor])


def _resect_view(calibration, view, gate, rng, max_points, min_angle_deg):
    """PnP RANSAC pose (R, t) of one view from the others' joints, or None when its truncated
    squared reprojection error (MSAC) is not smaller than the current pose's."""
    projections = _projections(calibration)
    points = points_from(calibration)
    weights = _weights(calibration)
    others = weights.copy()
    others[..., view] = 0.0
    points_3d, valid, kept = triangulate_robust(points, projections, others, max_error=gate)
    # also where the view is not used yet; only points the others place in depth (two facing
    # cameras put a point anywhere along the line between them)
    usable = valid & calibration.confident[view] & (
        triangulation_angle_deg(points_3d, projections, kept) >= min_angle_deg)
    if usable.sum() < 20:
        return None
    object_points, image_points = points_3d[usable], points[..., view, :][usable]
    if len(object_points) > max_points:
        pick = rng.choice(len(object_points), max_points, replace=False)
        object_points, image_points = object_points[pick], image_points[pick]

    def msac_cost(rotation, translation):
        camera = object_points @ rotation.T + translation
        with np.errstate(divide='ignore', invalid='ignore'):
            error = np.linalg.norm(camera[:, :2] / camera[:, 2:] - image_points, axis=1)
        error = np.where((camera[:, 2] > 0) & np.isfinite(error), error, gate)
        return float(np.sum(np.minimum(error, gate) ** 2))

    try:
        found, rotvec, translation, _ = cv2.solvePnPRansac(
            object_points, image_points, np.eye(3), None, iterationsCount=500,
            reprojectionError=gate, confidence=0.999, flags=cv2.SOLVEPNP_EPNP)
    except cv2.error:
        return None
    if not found:
        return None
    rotation, translation = cv2.Rodrigues(rotvec)[0], translation.reshape(3)
    # MSAC's truncated squared error, not the inlier count: with a wide gate (a noisy
    # detector) a wrong pose can gather as many inliers as the right one, with larger errors
    if msac_cost(rotation, translation) >= msac_cost(calibration.rotations[view],
                                                     calibration.translations[view]):
        return None
    return rotation, translation


def _projections(calibration: RigCalibration) -> np.ndarray:
    return np.concatenate([calibration.rotations, calibration.translations[..., None]], axis=-1)


def points_from(calibration: RigCalibration) -> np.ndarray:
    """(F, J, V, 2) observations in the triangulation layout."""
    return np.moveaxis(calibration.normalized, 0, 2)


def _weights(calibration: RigCalibration) -> np.ndarray:
    """(F, J, V) triangulation weights: confident, gated-in joints, weighted by score."""
    weights = np.where(calibration.confident, calibration.scores, 0.0)       # (V, F, J)
    weights = np.moveaxis(weights, 0, 2) * calibration.used[:, None, :]
    return weights


def _undo_swaps(calibration: RigCalibration, flip_pairs: tuple, gate: float) -> None:
    """Exchange back the left/right pairs :func:`.swaps.find_swaps` finds; an undecidable
    pair is not used in its frame."""
    if not flip_pairs:
        return
    exchanged, ambiguous = find_swaps(points_from(calibration), _projections(calibration),
                                      _weights(calibration), flip_pairs, gate)
    for pair, (left, right) in enumerate(flip_pairs):
        frames, views = np.nonzero(exchanged[:, :, pair] & ~ambiguous[:, pair, None])
        for array in (calibration.normalized, calibration.confident, calibration.scores):
            a, b = array[views, frames, left].copy(), array[views, frames, right].copy()
            array[views, frames, left], array[views, frames, right] = b, a
        calibration.swapped[frames, views, pair] ^= True
        undecided = ambiguous[:, pair]
        calibration.ambiguous[undecided, left] = calibration.ambiguous[undecided, right] = True
        calibration.confident[:, undecided, left] = False
        calibration.confident[:, undecided, right] = False


def _gate_views(calibration: RigCalibration, gate: float, has_pose: np.ndarray,
                flip_pairs: tuple = ()) -> None:
    """``used[f, v]``: the views of frame f that agree with the best-supported view pair.

    Per frame, every pair of views triangulates all joints; a view agrees with a pair when its
    median reprojection error is within the gate. The pair with most agreeing views (then the
    smallest error) wins, and ``used`` is its agreeing views, checked once more against the
    joints triangulated from all of them. Two facing cameras triangulate badly and win no
    support, so the choice stays sound; a rig of 2 views is never gated. The errors ignore
    left/right names (a joint of ``flip_pairs`` is as far as the nearer of the two points), so
    a view with swapped limbs is kept for the swap handling to put right.
    """
    projections = _projections(calibration)
    points = points_from(calibration)
    detected = np.moveaxis(calibration.confident, 0, 2)                      # (F, J, V)
    available = has_pose[None] & detected.any(axis=1)                        # (F, V)
    all_weights = np.where(detected, np.moveaxis(calibration.scores, 0, 2), 0.0) * has_pose

    exchange = flip_permutation(points.shape[1], flip_pairs)

    def median_errors(points_3d):
        errors = np.minimum(reprojection_errors(points_3d, points, projections),
                            reprojection_errors(points_3d[:, exchange], points, projections))
        errors = np.where(detected, errors, np.nan)
        with warnings.catch_warnings():   # all-NaN slices (no confident joint) stay NaN
            warnings.simplefilter('ignore', RuntimeWarning)
            return np.nanmedian(errors, axis=1)                              # (F, V)

    num_frames, num_views = available.shape
    best_count, best_cost = np.zeros(num_frames, int), np.full(num_frames, np.inf)
    best = available.copy()
    for pair in itertools.combinations(range(num_views), 2):
        weights = np.zeros_like(all_weights)
        weights[..., pair] = all_weights[..., pair]
        points_3d, _ = triangulate_dlt(points, projections, weights)
        median = median_errors(points_3d)
        agree = available & (median <= gate)
        count, cost = agree.sum(axis=1), np.where(agree, median, 0.0).sum(axis=1)
        better = (count > best_count) | ((count == best_count) & (cost < best_cost))
        best_count[better], best_cost[better], best[better] = count[better], cost[better], \
            agree[better]
    best[best_count < 2] = available[best_count < 2]
    calibration.used = best
    points_3d, _, _ = triangulate_robust(points, projections, _weights(calibration), gate)
    calibration.used = available & (median_errors(points_3d) <= gate)


def _bundle_adjust(calibration, focal, reference_view, loss_scale_px, gate, refine_focal,
                   max_frames) -> None:
    """Refine the rig on a subset of frames; keeps the previous rig if the optimizer fails."""
    weights = _weights(calibration)
    views_used = (weights > 0).sum(axis=-1)                                  # (F, J)
    frames = np.flatnonzero((views_used >= 2).any(axis=1))
    if len(frames) > max_frames:
        frames = frames[np.linspace(0, len(frames) - 1, max_frames).round().astype(int)]
    points = points_from(calibration)[frames]
    projections = _projections(calibration)
    points_3d, valid, kept = triangulate_robust(points, projections, weights[frames],
                                                max_error=gate)
    point_frame, point_joint = np.nonzero(valid)
    obs_point, obs_view = np.nonzero(kept[valid] > 0)
    if len(obs_point) < 10:
        calibration.bundle = dict(success=False, message='too few observations')
        return
    result = bundle_adjust(
        calibration.rotations, calibration.translations, points_3d[valid], obs_point, obs_view,
        points[point_frame[obs_point], point_joint[obs_point], obs_view],
        kept[valid][obs_point, obs_view], focal, reference_view, calibration.anchor,
        loss_scale_px=loss_scale_px, refine_focal=refine_focal)
    calibration.bundle = dict(success=result.success, message=result.message,
                              frames=int(len(frames)), observations=int(len(obs_point)),
                              initial_cost=result.initial_cost, final_cost=result.final_cost,
                              median_residual_px=float(np.median(result.residuals_px)))
    if not result.success:
        return
    calibration.rotations, calibration.translations = result.rotations, result.translations
    if refine_focal:
        calibration.normalized /= result.focal_scale[:, None, None, None]
        calibration.focal_scale = calibration.focal_scale * result.focal_scale
