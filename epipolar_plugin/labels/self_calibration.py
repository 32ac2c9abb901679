"""Robust self-calibration of a static rig from real 2D detections (label mode ``'robust'``).

Real detectors swap left and right, move hip and head points with the viewpoint, lose the
person in one view for long stretches, and cameras drift out of sync. The plain pooled estimate
(every view against the reference, one essential matrix each) lets such a view poison the
labels. :func:`calibrate_rig` instead:

1. estimates the relative pose of every view **pair** (5-point MAGSAC++ on the pooled joints,
   robust Sampson refinement) and builds the rig around the *hub*, the view the others agree
   with best, so a bad reference view does not decide every pose (:mod:`.rig_assembly`); then
   re-estimates each view from the joints the others triangulate (:func:`resect_views`, PnP
   RANSAC), which survives a view that is wrong in most frames;
2. keeps, frame by frame, only the views that agree with the best-supported pair of views
   (:func:`gate_views`: median reprojection error within the outlier threshold, left/right
   names ignored; a frame whose views all agree clearly with the joints all of them
   triangulate keeps them without trying the pairs): a wrong or half-visible person in one
   view does not enter the geometry or the labels;
3. finds and undoes left/right swaps per frame, view and joint pair (:func:`undo_swaps` with
   :mod:`.swaps`: the geometry says which views disagree, the majority of views and the
   motion's continuity say which naming is right; an undecidable pair is not used; needs 3
   views);
4. bundle-adjusts all views' poses and the 3D joints of up to ``ba_max_frames`` frames with a
   Cauchy loss, optionally with one focal length per view (:func:`refine_rig`);
5. repeats 2-4 once, then 2 with the refined rig.

Each step is a function of explicit arrays returning new ones. Quality (per view and per frame)
is reported by :func:`.pseudo_labels.make_pseudo_labels`.

Convention:
    Poses relative to the reference view, ``X_v = R_v X_ref + t_v``, ``|t_scale_view| = 1``.
    ``points`` are (F, J, V, 2) normalized coordinates (the triangulation layout);
    ``projections`` (V, 3, 4) ``[R_v | t_v]``; ``weights`` (F, J, V), 0 = not used.
"""
import itertools
from dataclasses import dataclass, field, replace
from typing import Optional

import cv2
import numpy as np

from ..geometry.bundle_adjustment import bundle_adjust
from .label_options import LabelOptions
from .observations import Observations, spread_frames
from .parallel import frame_chunks, thread_map
from .rig_assembly import pairwise_poses, rig_around_hub, to_reference
from ..geometry.statistics import nan_median
from .statuses import ViewStatus
from .swaps import H36M_FLIP_PAIRS, find_swaps, flip_permutation
from ..geometry.triangulation import (CLEAR_AGREEMENT, distances, project_to_views, triangulate_dlt,
                            triangulate_robust, triangulation_angle_deg)

#: Fewest joints the other views triangulate for a view's resection.
MIN_RESECTION_POINTS = 20
#: PnP RANSAC on at most this many of them.
MAX_RESECTION_POINTS = 4000
#: Bundle adjustments of resampled frames for a refined focal's uncertainty, and the blocks of
#: consecutive frames they draw.
FOCAL_RESAMPLES = 8
FOCAL_RESAMPLE_BLOCKS = 20
#: Levenberg-Marquardt steps of each resampled adjustment (it starts at the solution).
RESAMPLED_ITERATIONS = 10


@dataclass
class RigCalibration:
    """A robustly calibrated rig and what was done to the detections (F frames, V views).

    Attributes:
        rotations: (V, 3, 3) and translations: (V, 3), relative to the reference view,
            ``|t_scale_view| = 1``; NaN-free, identity / zeros for a view without a pose.
        view_status: (V,) :class:`.statuses.ViewStatus` of the views' poses.
        scale_view: the view with ``|t| = 1``; -1 when no view has a pose.
        hub: the view the rig was built around.
        observations: the detections after undoing swaps (and focal updates); ``finite`` is
            the input's.
        used: (F, V) bool, the (frame, view) pairs that passed the gate (:func:`gate_views`).
        swapped: (F, V, P) bool, the left/right pairs exchanged back.
        ambiguous: (F, J) bool, joints of a pair whose swap pattern was a tie (not used).
        focal_scale: (V,) focal-length corrections (1 unless refined).
        bundle: dict with the bundle adjustment's frames, observations, costs, success; with
            focal refinement also ``focal_sigma`` (V,) (each refined focal's relative
            uncertainty) and ``focal_determined`` (V,) bool (refined and determined; False:
            kept at its prior) (:func:`refine_rig`).
    """
    rotations: np.ndarray
    translations: np.ndarray
    view_status: list
    scale_view: int
    hub: int
    observations: Observations
    used: np.ndarray
    swapped: np.ndarray
    ambiguous: np.ndarray
    focal_scale: np.ndarray
    bundle: dict = field(default_factory=dict)


def calibrate_rig(observations: Observations, focal: np.ndarray, ransac_threshold_px: float,
                  outlier_threshold_px: float, options: LabelOptions) -> RigCalibration:
    """Robust pooled poses of all views (see the module's steps).

    Args:
        observations: the detections, (V, F, J) arrays.
        focal: (V,) focal lengths, pixels.
        ransac_threshold_px: the pairs' RANSAC threshold and the bundle adjustment's loss scale.
        outlier_threshold_px: a (frame, view) whose median reprojection error against the
            best-supported view pair is larger is not used; also the outlier threshold of the
            triangulations.
        options: ``reference_view``, ``seed``, ``pose``, ``robust`` (``flip_pairs``: None:
            Human3.6M's pairs when J = 17, else none; empty: no swap handling, which also
            needs 3 views) and the triangulation's ``min_triangulation_angle_deg``.

    The rig (steps 1-5) comes from at most ``options.pose.max_pose_frames`` frames, evenly
    spread; the views of every frame are then gated and their swaps undone with it.

    Returns:
        RigCalibration.
    """
    num_views, num_frames, num_joints = observations.confident.shape
    flip_pairs = options.robust.flip_pairs
    if flip_pairs is None:      # the keypoints files' joint order
        flip_pairs = H36M_FLIP_PAIRS if num_joints == 17 else ()
    flip_pairs = tuple(flip_pairs) if num_views >= 3 else ()
    frames = spread_frames(num_frames, options.pose.max_pose_frames)
    if len(frames) == num_frames:
        return _calibrate(observations, focal, ransac_threshold_px, outlier_threshold_px,
                          flip_pairs, options)
    rig = _calibrate(observations.select(frames), focal, ransac_threshold_px,
                     outlier_threshold_px, flip_pairs, options)
    return _apply_to_all_frames(rig, observations, outlier_threshold_px / focal.mean(),
                                flip_pairs)


def _apply_to_all_frames(rig: RigCalibration, observations: Observations,
                         outlier_threshold: float, flip_pairs: tuple) -> RigCalibration:
    """A rig calibrated on some frames, with every frame's views gated and swaps undone."""
    num_views, num_frames, num_joints = observations.confident.shape
    has_pose = np.array([s == ViewStatus.OK for s in rig.view_status])
    observations = observations.with_focal_scale(rig.focal_scale)
    swapped = np.zeros((num_frames, num_views, len(flip_pairs)), bool)
    ambiguous = np.zeros((num_frames, num_joints), bool)
    used = np.ones((num_frames, num_views), bool) & has_pose[None]
    if rig.scale_view >= 0:
        used = gate_views(observations, rig.rotations, rig.translations, has_pose,
                          outlier_threshold, flip_pairs)
        observations, swapped, ambiguous = undo_swaps(
            observations, rig.rotations, rig.translations, used, flip_pairs, outlier_threshold)
        # only the frames whose detections changed can be gated differently
        changed = np.flatnonzero(swapped.any(axis=(1, 2)) | ambiguous.any(axis=1))
        used[changed] = gate_views(observations.select(changed), rig.rotations,
                                   rig.translations, has_pose, outlier_threshold, flip_pairs)
    return RigCalibration(rig.rotations, rig.translations, rig.view_status, rig.scale_view,
                          rig.hub, observations, used, swapped, ambiguous, rig.focal_scale,
                          rig.bundle)


def _calibrate(observations, focal, ransac_threshold_px, outlier_threshold_px, flip_pairs,
               options) -> RigCalibration:
    """:func:`calibrate_rig` on the frames given."""
    reference_view, seed = options.reference_view, options.seed
    min_angle_deg = options.triangulation.min_triangulation_angle_deg
    normalized, confident = observations.normalized, observations.confident
    num_views, num_frames, num_joints = confident.shape
    pairs = pairwise_poses(normalized, confident, focal, ransac_threshold_px, options.pose, seed)
    hub, poses = rig_around_hub(pairs, confident, reference_view, min_angle_deg)
    rotations, translations, status, scale_view = to_reference(normalized, poses, hub,
                                                               reference_view)
    has_pose = np.array([s == ViewStatus.OK for s in status])
    swapped = np.zeros((num_frames, num_views, len(flip_pairs)), bool)
    ambiguous = np.zeros((num_frames, num_joints), bool)
    focal_scale = np.ones(num_views)
    refine_focal = np.full(num_views, bool(options.robust.refine_focal))
    focal_sigma = np.full(num_views, np.nan)
    bundle = {}
    if scale_view >= 0:
        outlier_threshold = outlier_threshold_px / focal.mean()
        rotations, translations, has_pose, status = resect_views(
            observations, rotations, translations, has_pose, status, reference_view,
            scale_view, outlier_threshold, min_angle_deg, seed)
        for last in (False, True):
            used = gate_views(observations, rotations, translations, has_pose, outlier_threshold,
                              flip_pairs)
            observations, exchanged, undecided = undo_swaps(
                observations, rotations, translations, used, flip_pairs, outlier_threshold)
            swapped ^= exchanged
            ambiguous |= undecided
            rotations, translations, scale, observations, bundle = refine_rig(
                observations, rotations, translations, used, focal, reference_view, scale_view,
                ransac_threshold_px, outlier_threshold, refine_focal,
                options.robust.ba_max_frames, focal_scale, options.robust.max_focal_uncertainty,
                seed, resample=last)         # the frames resampled once, with the final rig
            focal_scale = focal_scale * scale
            if 'focal_determined' in bundle:
                # a focal sent back to its prior stays there
                sigma = np.where(refine_focal, bundle['focal_sigma'], focal_sigma)
                refine_focal, focal_sigma = bundle['focal_determined'], sigma
        if options.robust.refine_focal:
            bundle = dict(bundle, focal_sigma=focal_sigma, focal_determined=refine_focal)
        used = gate_views(observations, rotations, translations, has_pose, outlier_threshold,
                          flip_pairs)
    else:
        used = np.ones((num_frames, num_views), bool) & has_pose[None]
    return RigCalibration(rotations, translations, status, scale_view, hub, observations, used,
                          swapped, ambiguous, focal_scale, bundle)


def projections_of(rotations: np.ndarray, translations: np.ndarray) -> np.ndarray:
    """(V, 3, 4) ``[R_v | t_v]`` of (V, 3, 3) rotations and (V, 3) translations."""
    return np.concatenate([rotations, translations[..., None]], axis=-1)


def triangulation_weights(observations: Observations, used: np.ndarray) -> np.ndarray:
    """(F, J, V) weights: the scores of confident joints of the (frame, view) pairs ``used``
    (F, V)."""
    weights = np.where(observations.confident, observations.scores, 0.0)   # (V, F, J)
    return np.moveaxis(weights, 0, 2) * used[:, None, :]


def resect_views(observations: Observations, rotations: np.ndarray, translations: np.ndarray,
                 has_pose: np.ndarray, status: list, reference_view: int, scale_view: int,
                 outlier_threshold: float, min_angle_deg: float, seed: int):
    """Re-estimate each view's pose from the joints the other views triangulate (PnP RANSAC).

    An essential matrix of a view that is wrong in most frames is poisoned even in pooled
    mode; OpenCV's ``solvePnPRansac`` on 3D-2D correspondences needs 4 points per sample and
    survives such outlier rates. A new pose replaces the old one when its truncated squared
    reprojection error (MSAC's score) is smaller. Views without a usable pair go first (placed
    by the views the hub placed), then the reference view (if its new pose is not the
    identity, the whole rig is moved into its frame), then the others.

    Args:
        rotations: (V, 3, 3), translations: (V, 3), has_pose: (V,) bool, status: V statuses,
            the rig so far. outlier_threshold: normalized units (pixels / focal).

    Returns:
        rotations, translations (``|t_scale_view| = 1``), has_pose, status: new arrays.
    """
    rotations, translations = rotations.copy(), translations.copy()
    status = list(status)
    weights = triangulation_weights(observations, np.ones(len(has_pose), bool)[None]
                                    & has_pose[None])
    rng = np.random.default_rng(seed)
    order = ([v for v in np.flatnonzero(~has_pose) if v != reference_view] + [reference_view]
             + [v for v in np.flatnonzero(has_pose) if v != reference_view])
    has_pose = has_pose.copy()
    for view in order:
        found = _resect_view(observations, weights, rotations, translations, view,
                             outlier_threshold, rng, min_angle_deg)
        if found is None:
            continue
        rotation, translation = found
        if view != reference_view:
            rotations[view], translations[view] = rotation, translation
            if not has_pose[view]:      # a view without a usable pair: placed by the others
                has_pose[view], status[view] = True, ViewStatus.OK
            continue
        # the reference camera sits at X_ref = R X + t in the current frame: rebase every view
        rotations = rotations @ rotation.T
        translations = translations - np.einsum('vij,j->vi', rotations, translation)
        rotations[reference_view] = np.eye(3)
        translations[reference_view] = 0.0
    translations = translations / np.linalg.norm(translations[scale_view])
    return rotations, translations, has_pose, status


def _resect_view(observations, weights, rotations, translations, view, outlier_threshold, rng,
                 min_angle_deg):
    """PnP RANSAC pose (R, t) of one view from the others' joints, or None when its truncated
    squared reprojection error (MSAC) is not smaller than the current pose's."""
    projections = projections_of(rotations, translations)
    points = observations.points
    others = weights.copy()
    others[..., view] = 0.0
    points_3d, valid, kept = triangulate_robust(points, projections, others,
                                                outlier_threshold=outlier_threshold)
    # also where the view is not used yet; only points the others place in depth (two facing
    # cameras put a point anywhere along the line between them)
    usable = valid & observations.confident[view] & (
        triangulation_angle_deg(points_3d, projections, kept) >= min_angle_deg)
    if usable.sum() < MIN_RESECTION_POINTS:
        return None
    object_points, image_points = points_3d[usable], points[..., view, :][usable]
    if len(object_points) > MAX_RESECTION_POINTS:
        pick = rng.choice(len(object_points), MAX_RESECTION_POINTS, replace=False)
        object_points, image_points = object_points[pick], image_points[pick]

    def msac_cost(rotation, translation):
        camera = object_points @ rotation.T + translation
        with np.errstate(divide='ignore', invalid='ignore'):
            error = np.linalg.norm(camera[:, :2] / camera[:, 2:] - image_points, axis=1)
        error = np.where((camera[:, 2] > 0) & np.isfinite(error), error, outlier_threshold)
        return float(np.sum(np.minimum(error, outlier_threshold) ** 2))

    try:
        found, rotvec, translation, _ = cv2.solvePnPRansac(
            object_points, image_points, np.eye(3), None, iterationsCount=500,
            reprojectionError=outlier_threshold, confidence=0.999, flags=cv2.SOLVEPNP_EPNP)
    except cv2.error:
        return None
    if not found:
        return None
    rotation, translation = cv2.Rodrigues(rotvec)[0], translation.reshape(3)
    # MSAC's truncated squared error, not the inlier count: with a wide threshold (a noisy
    # detector) a wrong pose can gather as many inliers as the right one, with larger errors
    if msac_cost(rotation, translation) >= msac_cost(rotations[view], translations[view]):
        return None
    return rotation, translation


def undo_swaps(observations: Observations, rotations: np.ndarray, translations: np.ndarray,
               used: np.ndarray, flip_pairs: tuple, outlier_threshold: float):
    """Exchange back the left/right pairs :func:`.swaps.find_swaps` finds; an undecidable
    pair is not used in its frame.

    Returns:
        the new observations, exchanged (F, V, P) bool (the pairs exchanged back) and
        ambiguous (F, J) bool (the joints of undecidable pairs, no longer confident).
    """
    num_views, num_frames, num_joints = observations.confident.shape
    exchanged_back = np.zeros((num_frames, num_views, len(flip_pairs)), bool)
    ambiguous_joints = np.zeros((num_frames, num_joints), bool)
    if not flip_pairs:
        return observations, exchanged_back, ambiguous_joints
    exchanged, ambiguous = find_swaps(observations.points, projections_of(rotations,
                                                                           translations),
                                      triangulation_weights(observations, used), flip_pairs,
                                      outlier_threshold)
    normalized, confident, scores = (observations.normalized.copy(),
                                     observations.confident.copy(), observations.scores.copy())
    for pair, (left, right) in enumerate(flip_pairs):
        frames, views = np.nonzero(exchanged[:, :, pair] & ~ambiguous[:, pair, None])
        for array in (normalized, confident, scores):
            a, b = array[views, frames, left].copy(), array[views, frames, right].copy()
            array[views, frames, left], array[views, frames, right] = b, a
        exchanged_back[frames, views, pair] = True
        undecided = ambiguous[:, pair]
        ambiguous_joints[undecided, left] = ambiguous_joints[undecided, right] = True
        confident[:, undecided, left] = False
        confident[:, undecided, right] = False
    return (replace(observations, normalized=normalized, scores=scores, confident=confident),
            exchanged_back, ambiguous_joints)


def gate_views(observations: Observations, rotations: np.ndarray, translations: np.ndarray,
               has_pose: np.ndarray, outlier_threshold: float,
               flip_pairs: tuple = ()) -> np.ndarray:
    """``used`` (F, V) bool: the views of each frame that agree with the best-supported pair.

    Per frame, every pair of views triangulates all joints; a view agrees with a pair when its
    median reprojection error is within ``outlier_threshold`` (normalized units). The pair with
    most agreeing views (then the smallest error) wins, and ``used`` is its agreeing views,
    checked once more against the joints triangulated from all of them. Two facing cameras
    triangulate badly and win no support, so the choice stays sound; a rig of 2 views is never
    gated. The errors ignore left/right names (a joint of ``flip_pairs`` is as far as the
    nearer of the two points), so a view with swapped limbs is kept for the swap handling to
    put right. A frame whose views all agree clearly (:data:`.triangulation.CLEAR_AGREEMENT`)
    with the joints all of them triangulate keeps them all: no pair is tried. Frames are
    independent: chunks of them run on all cores.
    """
    projections = projections_of(rotations, translations)
    num_frames = observations.confident.shape[1]
    chunks = thread_map(lambda frames: _gate_frames(observations.select(frames), projections,
                                                    has_pose, outlier_threshold, flip_pairs),
                        frame_chunks(num_frames))
    return np.concatenate(chunks)


def _gate_frames(observations, projections, has_pose, outlier_threshold, flip_pairs):
    """:func:`gate_views` of the frames given."""
    detected = np.moveaxis(observations.confident, 0, 2)                     # (F, J, V)
    available = has_pose[None] & detected.any(axis=1)                        # (F, V)
    exchange = flip_permutation(detected.shape[1], flip_pairs)
    # a frame whose views all agree clearly with the joints all of them triangulate has no
    # view to reject: the pairs of views are tried only on the others
    used = _agreeing_views(observations, available, projections, exchange, outlier_threshold,
                           within=CLEAR_AGREEMENT)
    disagree = np.flatnonzero(np.any(used != available, axis=1))
    if len(disagree):
        used[disagree] = _gate_by_pairs(observations.select(disagree), available[disagree],
                                        projections, exchange, outlier_threshold)
    return used


def _gate_by_pairs(observations, available, projections, exchange, outlier_threshold):
    """:func:`gate_views`'s choice of the best-supported pair of views, for the frames given."""
    points = observations.points
    detected = np.moveaxis(observations.confident, 0, 2)                     # (F, J, V)
    all_weights = np.where(detected & available[:, None],
                           np.moveaxis(observations.scores, 0, 2), 0.0)         # (F, J, V)
    num_frames, num_views = available.shape
    best_count, best_cost = np.zeros(num_frames, int), np.full(num_frames, np.inf)
    best = available.copy()
    for pair in itertools.combinations(range(num_views), 2):
        pair = list(pair)
        points_3d, _ = triangulate_dlt(points[..., pair, :], projections[pair],
                                       all_weights[..., pair])
        median = _median_errors(points_3d, points, detected, projections, exchange)
        agree = available & (median <= outlier_threshold)
        count, cost = agree.sum(axis=1), np.where(agree, median, 0.0).sum(axis=1)
        better = (count > best_count) | ((count == best_count) & (cost < best_cost))
        best_count[better], best_cost[better], best[better] = count[better], cost[better], \
            agree[better]
    best[best_count < 2] = available[best_count < 2]
    return _agreeing_views(observations, best, projections, exchange, outlier_threshold,
                           available)


def _agreeing_views(observations, views, projections, exchange, outlier_threshold,
                    available=None, within=1.0):
    """(F, V) bool: the ``available`` views (default ``views``) whose median error is within
    ``within`` times ``outlier_threshold`` of the joints the (F, V) ``views`` triangulate
    (robustly, with ``outlier_threshold``)."""
    available = views if available is None else available
    points = observations.points
    detected = np.moveaxis(observations.confident, 0, 2)                     # (F, J, V)
    points_3d, _, _ = triangulate_robust(points, projections,
                                         triangulation_weights(observations, views),
                                         outlier_threshold)
    median = _median_errors(points_3d, points, detected, projections, exchange)
    return available & (median <= within * outlier_threshold)


def _median_errors(points_3d, points, detected, projections, exchange):
    """(F, V) median over the detected joints of each view's reprojection error of (F, J, 3)
    ``points_3d``, a joint as far as the nearer of itself and its ``exchange`` partner."""
    projected = project_to_views(points_3d, projections)                    # (F, J, V, 2)
    errors = np.minimum(distances(projected, points),
                        distances(projected[:, exchange], points))
    return nan_median(np.where(detected, errors, np.nan), axis=1)


def refine_rig(observations: Observations, rotations: np.ndarray, translations: np.ndarray,
               used: np.ndarray, focal: np.ndarray, reference_view: int, scale_view: int,
               loss_scale_px: float, outlier_threshold: float, refine_focal,
               max_frames: int, prior_scale: Optional[np.ndarray] = None,
               max_focal_uncertainty: float = np.inf, seed: int = 0,
               resample: bool = True):
    """Bundle adjustment of the rig on up to ``max_frames`` evenly spaced frames.

    With focal refinement, a focal length the detections do not determine stays at its prior:
    each refined focal's uncertainty (relative: the standard deviation of its log) is the
    larger of the curvature's at the solution (:func:`.bundle_adjustment.bundle_adjust`'s
    ``focal_sigma``) and the spread over adjustments of resampled blocks of frames
    (:func:`_resampled_focal_sigma`), with every focal not yet known to be undetermined free
    (a marginal uncertainty: a focal that only a wrong prior of another would pin down is not
    determined); the focals whose uncertainty exceeds ``max_focal_uncertainty`` go back to
    their priors (the observations' correction so far undone) and the rest is adjusted
    again. The uncertainty reported is the largest measured while the focal was free. With a
    distortion model (the observations' ``distortion``) the adjustment, whose focal model is a
    scale of the normalized coordinates, is repeated on the detections undistorted again with
    its focal lengths (:meth:`.observations.Observations.with_focal_scale`) until the
    correction is below 1e-4 (at most 3 passes), so intrinsics, distortion and the normalized
    coordinates agree.

    Args:
        refine_focal: bool, or (V,) bool: the views whose focal may be refined.
        prior_scale: (V,) the focal corrections the observations already carry (ones: none);
            a focal going back to its prior is divided by it.
        max_focal_uncertainty: the largest relative uncertainty (standard deviation of the log
            focal) of a focal that is kept refined (inf: no uncertainty is measured).
        seed: seed of the resampled frames.
        resample: also measure the spread over resampled frames (else the curvature alone).

    Returns:
        rotations, translations, focal_scale (V,) (this step's corrections: ones unless
        refined; ``1 / prior_scale`` for a focal sent back to its prior), the observations
        seen with the corrected focal lengths and a report dict (with ``focal_sigma`` and
        ``focal_determined`` (V,) under focal refinement); the input rig where the optimizer
        fails.
    """
    num_views = len(focal)
    unchanged = rotations, translations, np.ones(num_views), observations
    prior_scale = np.ones(num_views) if prior_scale is None else np.asarray(prior_scale, float)
    free = np.broadcast_to(np.asarray(refine_focal, bool), (num_views, )).copy()
    distorted = observations.distortion is not None and np.any(observations.distortion)
    step = np.ones(num_views)                   # this call's corrections
    sigma = np.full(num_views, np.nan)
    current, report, succeeded, measured = observations, {}, False, None
    for _ in range(num_views + 3):
        found = _adjust(current, rotations, translations, used, focal, reference_view,
                        scale_view, loss_scale_px, outlier_threshold, free, max_frames)
        if found is None or not found[0].success:
            if not succeeded:
                return (*unchanged, dict(success=False, message='too few observations')
                        if found is None else found[1])
            break                                  # keep the last successful adjustment
        result, report, frames = found
        undetermined = np.zeros(num_views, bool)
        if free.any() and not np.array_equal(free, measured):    # once per set of free focals
            uncertainty = result.focal_sigma
            if resample and np.isfinite(max_focal_uncertainty):
                uncertainty = np.fmax(uncertainty, _resampled_focal_sigma(
                    current, result.rotations, result.translations, used, focal,
                    reference_view, scale_view, loss_scale_px, outlier_threshold, free, frames,
                    seed))
            sigma[free] = np.fmax(sigma[free], uncertainty[free])
            undetermined = free & ~(uncertainty <= max_focal_uncertainty)
            measured = free.copy()
        if undetermined.any():
            # those focals go back to their priors; the rest is adjusted again
            free &= ~undetermined
            step[undetermined] = 1.0 / prior_scale[undetermined]
            current = observations.with_focal_scale(step)
            continue
        succeeded = True
        step = step * result.focal_scale
        rotations, translations = result.rotations, result.translations
        current = observations if np.all(step == 1) else observations.with_focal_scale(step)
        if not (distorted and free.any()
                and np.abs(np.log(result.focal_scale[free])).max() > 1e-4):
            break
    if np.any(np.asarray(refine_focal)):
        report = dict(report, focal_sigma=sigma, focal_determined=free)
    return rotations, translations, step, current, report


def _adjust(observations, rotations, translations, used, focal, reference_view, scale_view,
            loss_scale_px, outlier_threshold, refine_focal, max_frames, frames=None,
            max_iterations=100):
    """One bundle adjustment of :func:`refine_rig` on ``frames`` (None: up to ``max_frames``
    evenly spaced frames that two views see): (BundleResult, report, frames), or None with too
    few observations."""
    weights = triangulation_weights(observations, used)
    if frames is None:
        views_used = (weights > 0).sum(axis=-1)                              # (F, J)
        frames = np.flatnonzero((views_used >= 2).any(axis=1))
        if len(frames) > max_frames:
            frames = frames[np.linspace(0, len(frames) - 1, max_frames).round().astype(int)]
    points = observations.points[frames]
    points_3d, valid, kept = triangulate_robust(points, projections_of(rotations, translations),
                                                weights[frames],
                                                outlier_threshold=outlier_threshold)
    point_frame, point_joint = np.nonzero(valid)
    obs_point, obs_view = np.nonzero(kept[valid] > 0)
    if len(obs_point) < 10:
        return None
    result = bundle_adjust(
        rotations, translations, points_3d[valid], obs_point, obs_view,
        points[point_frame[obs_point], point_joint[obs_point], obs_view],
        kept[valid][obs_point, obs_view], focal, reference_view, scale_view,
        loss_scale_px=loss_scale_px, refine_focal=refine_focal if refine_focal.any() else False,
        max_iterations=max_iterations)
    report = dict(success=result.success, message=result.message, frames=int(len(frames)),
                  observations=int(len(obs_point)), initial_cost=result.initial_cost,
                  final_cost=result.final_cost,
                  median_residual_px=float(np.median(result.residuals_px)))
    return result, report, frames


def _resampled_focal_sigma(observations, rotations, translations, used, focal, reference_view,
                           scale_view, loss_scale_px, outlier_threshold, free, frames, seed):
    """(V,) standard deviation of the log focal corrections over bundle adjustments of
    resampled frames (NaN where not ``free``): :data:`FOCAL_RESAMPLES` draws, with replacement,
    of :data:`FOCAL_RESAMPLE_BLOCKS` blocks of consecutive ``frames``, each adjusted from the
    solution. A detector's errors that repeat over neighbouring frames widen it; the
    curvature, which takes every joint's error as independent, does not see them."""
    rng = np.random.default_rng(seed)
    blocks = np.array_split(np.asarray(frames), min(FOCAL_RESAMPLE_BLOCKS, len(frames)))
    logs = []
    for _ in range(FOCAL_RESAMPLES):
        drawn = np.concatenate([blocks[k] for k in rng.integers(0, len(blocks), len(blocks))])
        found = _adjust(observations, rotations, translations, used, focal, reference_view,
                        scale_view, loss_scale_px, outlier_threshold, free, len(drawn),
                        np.sort(drawn), max_iterations=RESAMPLED_ITERATIONS)
        if found is not None and found[0].success:
            logs.append(np.log(found[0].focal_scale))
    sigma = np.full(len(focal), np.nan)
    if len(logs) >= 2:
        sigma[free] = np.std(np.array(logs)[:, free], axis=0, ddof=1)
    else:
        sigma[free] = np.inf
    return sigma
