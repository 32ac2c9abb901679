"""Multi-view 2D poses -> pseudo-3D labels in the reference camera, with no extrinsics.

The pipeline (one call, :func:`make_pseudo_labels`):

1. pixels -> undistorted normalized coordinates with each view's intrinsics;
2. joints below ``min_score`` or not finite are dropped;
3. every other view's pose relative to the reference view from the essential matrix
   (5-point RANSAC + cheirality), either **per frame** (paper-faithful, moving cameras) or
   **pooled** over all frames (static rig: one pose per view from every frame's joints, then a
   robust Sampson refinement); pooled mode is **robust** by default
   (:mod:`.self_calibration`: swaps undone, bad views gated out per frame, bundle adjustment),
   optionally after estimating the cameras' frame offsets (:mod:`.synchronization`);
4. the views' translation scales are made consistent through the points triangulated by the
   reference view and the *anchor* view (the view with the most inliers);
5. confidence-weighted multi-view DLT of every joint of every frame at once, dropping a
   joint's worst view while its reprojection error exceeds ``outlier_threshold_px``;
6. quality scores: each view's reprojection error per frame, bad-frame fractions, flags.

Convention:
    3D points are in the reference camera's frame (x right, y down, z forward). The unit is
    the distance between the reference camera and the anchor camera (``scale_view``): the same
    for every frame in pooled mode, chosen per frame in per-frame mode. View poses map
    reference coordinates to the view: ``X_v = R_v X_ref + t_v``.
"""
import warnings
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence

import numpy as np

from .camera import pixel_to_normalized
from .relative_pose import (CHEIRALITY, COLLINEAR, DEGENERATE, NO_SCALE, OK, TOO_FEW_POINTS,
                            ZERO_BASELINE, RelativePose)
from .self_calibration import calibrate_rig, pooled_pair_pose, scale_views_to_anchor
from .swaps import H36M_FLIP_PAIRS
from .synchronization import estimate_frame_offsets, shift_frames
from .triangulation import reprojection_errors, triangulate_robust, triangulation_angle_deg

MODES = ('pooled', 'per_frame')
SYNC_OPTIONS = ('off', 'estimate', 'apply')

#: Why a view has no pose (per frame and view); index = code stored in ``view_status``.
VIEW_STATUS = (OK, TOO_FEW_POINTS, COLLINEAR, DEGENERATE, ZERO_BASELINE, CHEIRALITY, NO_SCALE)
#: Why a frame has no label at all; ``no_pose`` covers no view with a pose (see view_status).
FRAME_STATUS = (OK, TOO_FEW_POINTS, COLLINEAR, DEGENERATE, ZERO_BASELINE, CHEIRALITY, NO_SCALE,
                'no_valid_joint')
#: Why a joint is not valid; index = code stored in ``joint_status``.
JOINT_STATUS = (OK, 'nan_input', 'low_score', 'single_view', 'outlier', 'frame_failed',
                'swap_ambiguous', 'narrow_angle')


@dataclass
class PseudoLabels:
    """The output of :func:`make_pseudo_labels` (the ``.npz`` layout of DESIGN.md section 4).

    Attributes (F frames, V views, J joints):
        keypoints_3d: (F, J, 3) reference-camera frame, unit of ``scale_view``; NaN if invalid.
        valid: (F, J) bool.
        rotations: (F, V, 3, 3) view poses relative to the reference; NaN for a view without a
            pose in that frame. translations: (F, V, 3) on the labels' scale.
        reference_view: int. mode: ``'pooled'`` or ``'per_frame'``.
        scale_view: (F,) the anchor view whose distance to the reference camera is 1; -1 if none.
        view_status: (F, V) int codes into :data:`VIEW_STATUS`.
        frame_status: (F,) int codes into :data:`FRAME_STATUS`.
        joint_status: (F, J) int codes into :data:`JOINT_STATUS`.
        view_inlier_ratio: (F, V) fraction of a view's confident joints that are pose inliers
            (robust mode: within the outlier threshold of the labels' reprojection).

    Quality scores (see the README's "Pseudo-label quality"):
        frame_view_error_px: (F, V) median distance in pixels between a view's confident
            joints and the labels' reprojection into that view; NaN where the view has none.
        frame_error_px: (F,) median of ``frame_view_error_px`` over the views used.
        frame_view_used: (F, V) bool, the views that entered the labels (robust mode gates out
            a view whose detection disagrees with the others in a frame).
        view_error_px: (V,) median of ``frame_view_error_px`` over frames.
        view_bad_fraction: (V,) fraction of the frames with a detection in the view where its
            error exceeds the outlier threshold.
        view_flagged: (V,) bool: no pose, or ``view_bad_fraction`` above ``flag_fraction``.
        swapped: (F, V) int8 number of left/right pairs exchanged back (robust mode).
        sync_offset: (V,) estimated delay of each view in frames (0 unless estimated);
            sync_applied: whether the labels use the shifted detections.
        focal: (V,) focal lengths used, pixels (refined when ``refine_focal``).
        robust: whether the robust self-calibration made the rig.
    """
    keypoints_3d: np.ndarray
    valid: np.ndarray
    rotations: np.ndarray
    translations: np.ndarray
    reference_view: int
    mode: str
    scale_view: np.ndarray
    view_status: np.ndarray
    frame_status: np.ndarray
    joint_status: np.ndarray
    view_inlier_ratio: np.ndarray
    frame_view_error_px: np.ndarray
    frame_error_px: np.ndarray
    frame_view_used: np.ndarray
    view_error_px: np.ndarray
    view_bad_fraction: np.ndarray
    view_flagged: np.ndarray
    swapped: np.ndarray
    sync_offset: np.ndarray
    sync_applied: bool
    focal: np.ndarray
    robust: bool

    def as_dict(self) -> dict:
        """Arrays for ``np.savez`` (with the status names, so the file explains itself)."""
        out = dict(self.__dict__)
        out['reference_view'] = np.int64(self.reference_view)
        out['mode'] = np.str_(self.mode)
        out['sync_applied'] = np.bool_(self.sync_applied)
        out['robust'] = np.bool_(self.robust)
        out['view_status_names'] = np.array(VIEW_STATUS)
        out['frame_status_names'] = np.array(FRAME_STATUS)
        out['joint_status_names'] = np.array(JOINT_STATUS)
        return out

    def summary(self) -> dict:
        """Counts of every frame / joint / view status, valid fractions and view quality."""

        def counts(codes, names):
            values, numbers = np.unique(codes, return_counts=True)
            return {names[v]: int(n) for v, n in zip(values, numbers)}

        def number(value):
            return None if not np.isfinite(value) else round(float(value), 3)

        views = [
            dict(view=v, status=VIEW_STATUS[int(np.bincount(self.view_status[:, v]).argmax())]
                 if len(self.view_status) else OK,
                 error_px=number(self.view_error_px[v]),
                 bad_fraction=number(self.view_bad_fraction[v]),
                 used_fraction=number(self.frame_view_used[:, v].mean())
                 if len(self.frame_view_used) else None,
                 inlier_ratio=number(np.nanmedian(self.view_inlier_ratio[:, v]))
                 if len(self.view_inlier_ratio) else None,
                 swapped_frames=int((self.swapped[:, v] > 0).sum()),
                 sync_offset=int(self.sync_offset[v]), focal_px=number(self.focal[v]),
                 flagged=bool(self.view_flagged[v]))
            for v in range(len(self.view_flagged))
        ]
        frame_error = self.frame_error_px[np.isfinite(self.frame_error_px)]
        worst = np.argsort(np.nan_to_num(self.frame_error_px, nan=-1.0))[::-1][:5]
        frames = dict(
            error_px_median=number(np.median(frame_error)) if frame_error.size else None,
            error_px_p95=number(np.percentile(frame_error, 95)) if frame_error.size else None,
            worst=[dict(frame=int(f), error_px=number(self.frame_error_px[f]))
                   for f in worst if np.isfinite(self.frame_error_px[f])])
        return dict(
            mode=self.mode,
            robust=bool(self.robust),
            frames=int(self.valid.shape[0]),
            joints=int(self.valid.shape[1]),
            valid_frame_fraction=float(np.mean(self.frame_status == 0)) if self.valid.size else 0.,
            valid_joint_fraction=float(self.valid.mean()) if self.valid.size else 0.0,
            frame_status=counts(self.frame_status, FRAME_STATUS),
            joint_status=counts(self.joint_status, JOINT_STATUS),
            view_status=counts(self.view_status, VIEW_STATUS),
            sync_applied=bool(self.sync_applied),
            flagged_views=[int(v) for v in np.flatnonzero(self.view_flagged)],
            views=views,
            frame_quality=frames,
        )


def check_multiview_inputs(keypoints_2d: np.ndarray, intrinsics: np.ndarray,
                           distortion: Optional[np.ndarray] = None, source: str = '') -> tuple:
    """Validate the arrays of a multi-view keypoints file; errors name the key (and source).

    Args:
        keypoints_2d: (V, F, J, 3) float: x, y pixels and score in [0, 1]; NaN = missing.
        intrinsics: (V, 3, 3) float, pixels. distortion: optional (V, 4|5|8) float.
        source: prefix of error messages (e.g. the file name).

    Returns:
        The three arrays as float64 (distortion may be None).
    """
    prefix = f'{source}: ' if source else ''

    def fail(key, message):
        raise ValueError(f"{prefix}key '{key}' {message}")

    def as_float(key, value):
        array = np.asarray(value)
        if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
            fail(key, f'must be a float array, got dtype {array.dtype}')
        return array.astype(np.float64)

    keypoints_2d = as_float('keypoints_2d', keypoints_2d)
    if keypoints_2d.ndim != 4 or keypoints_2d.shape[-1] != 3:
        fail('keypoints_2d', f'must have shape (V, F, J, 3), got {keypoints_2d.shape}')
    num_views = keypoints_2d.shape[0]
    if num_views < 2:
        fail('keypoints_2d', f'needs at least 2 views, got V={num_views}')
    scores = keypoints_2d[..., 2]
    bad_scores = np.isfinite(scores) & ((scores < 0) | (scores > 1))
    if bad_scores.any():
        fail('keypoints_2d', f'scores must lie in [0, 1]; {int(bad_scores.sum())} do not '
             f'(first: {scores[bad_scores][0]})')
    intrinsics = as_float('intrinsics', intrinsics)
    if intrinsics.shape != (num_views, 3, 3):
        fail('intrinsics', f'must have shape (V, 3, 3) = ({num_views}, 3, 3), got '
             f'{intrinsics.shape}')
    if (not np.all(np.isfinite(intrinsics)) or np.any(intrinsics[:, 0, 0] <= 0)
            or np.any(intrinsics[:, 1, 1] <= 0)):
        fail('intrinsics', 'must be finite with positive focal lengths')
    if distortion is not None:
        distortion = as_float('distortion', distortion)
        if distortion.ndim != 2 or distortion.shape[0] != num_views or \
                distortion.shape[1] not in (4, 5, 8):
            fail('distortion', f'must have shape (V, 4|5|8) with V={num_views}, got '
                 f'{distortion.shape}')
        if not np.all(np.isfinite(distortion)):
            fail('distortion', 'must be finite')
    return keypoints_2d, intrinsics, distortion


def make_pseudo_labels(keypoints_2d: np.ndarray,
                       intrinsics: np.ndarray,
                       distortion: Optional[np.ndarray] = None,
                       mode: str = 'pooled',
                       reference_view: int = 0,
                       min_score: float = 0.3,
                       min_joints: int = 8,
                       ransac_threshold_px: float = 3.0,
                       outlier_threshold_px: float = 15.0,
                       min_parallax_deg: float = 1.0,
                       min_triangulation_angle_deg: float = 15.0,
                       refine: bool = True,
                       max_ransac_points: int = 4000,
                       seed: int = 0,
                       progress: Optional[Callable[[Iterable], Iterable]] = None,
                       robust: Optional[bool] = None,
                       flip_pairs: Optional[Sequence[tuple]] = None,
                       refine_focal: bool = False,
                       sync: str = 'off',
                       max_sync_offset: int = 5,
                       flag_fraction: float = 0.2,
                       ba_max_frames: int = 300) -> PseudoLabels:
    """Pseudo-3D labels of the reference view from the 2D poses of all views.

    Args:
        keypoints_2d: (V, F, J, 3) x, y in pixels of the original images and a score in
            [0, 1]; a missing joint or view is NaN (or score 0).
        intrinsics: (V, 3, 3) camera matrices in pixels.
        distortion: optional (V, 4|5|8) OpenCV distortion coefficients.
        mode: ``'pooled'`` (static rig, one pose per view) or ``'per_frame'``.
        reference_view: the view whose camera frame the labels are expressed in.
        min_score: joints with a lower score are not used.
        min_joints: fewest confident joints shared with the reference view for a pose
            (per-frame mode: per frame; pooled: in total).
        ransac_threshold_px: RANSAC inlier threshold, pixels (converted with the mean focal);
            also the robust losses' scale.
        outlier_threshold_px: largest reprojection error of a triangulated joint, pixels; in
            robust mode also the gate of a view's median error in a frame.
        min_parallax_deg: below this median ray parallax a view pair is a pure rotation.
        min_triangulation_angle_deg: a joint is invalid unless two of its views see it under
            rays this far from (anti-)parallel: two facing cameras cannot place a point on the
            line between them, and an outlier along that line passes every residual test.
        refine: robust Sampson refinement of each view's pose over all its correspondences
            (pooled: thousands of joints, the main gain in accuracy; per frame: removes
            RANSAC's minimal-sample error, about 1.5x slower).
        max_ransac_points: pooled mode: RANSAC on at most this many correspondences per view.
        seed: seed of the random subsets (results are deterministic for a seed).
        progress: optional wrapper of an iterable shown as a progress bar (e.g. ``tqdm``).
        robust: pooled mode: the robust self-calibration (:mod:`.self_calibration`: pairwise
            poses around a hub view, left/right swaps undone, bad (frame, view) pairs gated out,
            bundle adjustment). None: on in pooled mode; per-frame mode has no robust variant.
        flip_pairs: (left, right) joint pairs a detector may swap; None: Human3.6M's pairs when
            J = 17 (the keypoints files' order), else none; ``()`` switches swap handling off.
        refine_focal: robust mode: refine one focal length per view in the bundle adjustment
            (for intrinsics guessed from the image size).
        sync: ``'off'``, ``'estimate'`` (report each view's frame delay in ``sync_offset``) or
            ``'apply'`` (also shift the views' detections by it before labelling).
        max_sync_offset: delays in [-max_sync_offset, max_sync_offset] frames are tried.
        flag_fraction: a view is flagged when more of its frames than this are bad.
        ba_max_frames: robust mode: frames in the bundle adjustment (evenly spaced).

    Returns:
        PseudoLabels; failures are flagged in the status arrays, never raised.
    """
    keypoints_2d, intrinsics, distortion = check_multiview_inputs(keypoints_2d, intrinsics,
                                                                  distortion)
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    if sync not in SYNC_OPTIONS:
        raise ValueError(f'sync must be one of {SYNC_OPTIONS}, got {sync!r}')
    if robust and mode != 'pooled':
        raise ValueError("robust=True needs mode='pooled' (a static rig)")
    robust = mode == 'pooled' if robust is None else bool(robust)
    num_views, num_frames, num_joints, _ = keypoints_2d.shape
    if not 0 <= reference_view < num_views:
        raise ValueError(f'reference_view must be in [0, {num_views}), got {reference_view}')
    if flip_pairs is None:
        flip_pairs = H36M_FLIP_PAIRS if num_joints == 17 else ()
    if any(not (0 <= a < num_joints and 0 <= b < num_joints) for a, b in flip_pairs):
        raise ValueError(f'flip_pairs must index {num_joints} joints, got {flip_pairs}')
    progress = progress or (lambda iterable: iterable)
    focal = intrinsics[:, [0, 1], [0, 1]].mean(axis=1)                   # (V,)

    normalized, finite, scores, confident = _observations(keypoints_2d, intrinsics, distortion,
                                                          min_score)
    sync_offset = np.zeros(num_views, dtype=np.int64)
    if sync != 'off':
        sync_offset, _ = estimate_frame_offsets(normalized, confident, reference_view, focal,
                                                max_offset=max_sync_offset,
                                                threshold_px=ransac_threshold_px, seed=seed)
        if sync == 'apply':
            keypoints_2d = shift_frames(keypoints_2d, sync_offset)
            normalized, finite, scores, confident = _observations(keypoints_2d, intrinsics,
                                                                  distortion, min_score)
    options = dict(reference_view=reference_view, min_joints=min_joints,
                   min_parallax_deg=min_parallax_deg, seed=seed, focal=focal,
                   ransac_threshold_px=ransac_threshold_px, refine=refine)
    used = np.ones((num_frames, num_views), bool)
    swapped = np.zeros((num_frames, num_views), np.int8)
    ambiguous = np.zeros((num_frames, num_joints), bool)
    if robust:
        rig = calibrate_rig(normalized, confident, scores, focal, reference_view,
                            min_joints=min_joints, min_parallax_deg=min_parallax_deg,
                            ransac_threshold_px=ransac_threshold_px,
                            gate_px=outlier_threshold_px, flip_pairs=flip_pairs,
                            refine_focal=refine_focal, ba_max_frames=ba_max_frames,
                            max_ransac_points=max_ransac_points, seed=seed)
        normalized, confident, scores = rig.normalized, rig.confident, rig.scores
        focal = focal * rig.focal_scale
        used, swapped = rig.used, rig.swapped.sum(axis=-1).astype(np.int8)
        ambiguous = rig.ambiguous
        status = np.array([VIEW_STATUS.index(name) for name in rig.view_status], np.int8)
        # inlier ratios: the joints consistent with the labels, filled in below
        poses = [(rig.rotations, rig.translations, status, rig.anchor, np.zeros(num_views))]
        poses = poses * num_frames
    elif mode == 'pooled':
        poses = _pooled_poses(normalized, confident, max_ransac_points=max_ransac_points,
                              **options)
        poses = [poses] * num_frames
    else:
        poses = [
            _frame_poses(normalized[:, f:f + 1], confident[:, f:f + 1], **options)
            for f in progress(range(num_frames))
        ]
    rotations = np.stack([p[0] for p in poses])                          # (F, V, 3, 3)
    translations = np.stack([p[1] for p in poses])                       # (F, V, 3)
    view_status = np.stack([p[2] for p in poses])                        # (F, V)
    scale_view = np.array([p[3] for p in poses], dtype=np.int64)
    inlier_ratio = np.stack([p[4] for p in poses])

    # One batched triangulation of every joint of every frame.
    has_pose = view_status == 0                                          # (F, V)
    used &= has_pose
    projections = np.concatenate([rotations, translations[..., None]], axis=-1)
    projections = np.where(has_pose[..., None, None], projections, 0.0)  # (F, V, 3, 4)
    weights = np.where(confident & used.T[:, :, None], scores, 0.0)      # (V, F, J)
    points = np.moveaxis(normalized, 0, 2)                               # (F, J, V, 2)
    keypoints_3d, valid, kept = triangulate_robust(
        points, projections[:, None], np.moveaxis(weights, 0, 2),
        max_error=outlier_threshold_px / focal.mean())
    narrow = valid & (triangulation_angle_deg(keypoints_3d, projections[:, None], kept)
                      < min_triangulation_angle_deg)
    valid &= ~narrow

    joint_status = np.full((num_frames, num_joints), JOINT_STATUS.index('outlier'), np.int8)
    views_used = (np.moveaxis(weights, 0, 2) > 0).sum(axis=-1)          # (F, J)
    joint_status[views_used < 2] = JOINT_STATUS.index('single_view')
    joint_status[~np.any(confident, axis=0)] = JOINT_STATUS.index('low_score')
    joint_status[~np.any(finite, axis=0)] = JOINT_STATUS.index('nan_input')
    joint_status[ambiguous] = JOINT_STATUS.index('swap_ambiguous')
    joint_status[narrow] = JOINT_STATUS.index('narrow_angle')
    joint_status[valid] = JOINT_STATUS.index(OK)
    frame_failed = ~has_pose[:, [v for v in range(num_views) if v != reference_view]].any(axis=1)
    joint_status[frame_failed] = JOINT_STATUS.index('frame_failed')
    valid[frame_failed] = False
    keypoints_3d[~valid] = np.nan

    frame_status = np.zeros(num_frames, dtype=np.int8)
    for f in np.flatnonzero(frame_failed):
        frame_status[f] = _frame_failure(view_status[f], reference_view)
    frame_status[~frame_failed & ~valid.any(axis=1)] = FRAME_STATUS.index('no_valid_joint')
    quality, consistent = _quality(keypoints_3d, points, projections, confident, has_pose, used,
                                   focal, outlier_threshold_px, flag_fraction)
    if robust:      # no single RANSAC per view: the joints consistent with the labels instead
        inlier_ratio = np.broadcast_to(consistent, inlier_ratio.shape).copy()
    rotations = np.where(has_pose[..., None, None], rotations, np.nan)
    translations = np.where(has_pose[..., None], translations, np.nan)
    return PseudoLabels(keypoints_3d=keypoints_3d, valid=valid, rotations=rotations,
                        translations=translations, reference_view=reference_view, mode=mode,
                        scale_view=scale_view, view_status=view_status.astype(np.int8),
                        frame_status=frame_status, joint_status=joint_status,
                        view_inlier_ratio=inlier_ratio, frame_view_used=used, swapped=swapped,
                        sync_offset=sync_offset, sync_applied=sync == 'apply', focal=focal,
                        robust=robust, **quality)


def _observations(keypoints_2d, intrinsics, distortion, min_score):
    """Normalized (V, F, J, 2), finite, scores and confident (V, F, J) of the detections."""
    normalized = np.stack([
        pixel_to_normalized(keypoints_2d[v, ..., :2], intrinsics[v],
                            None if distortion is None else distortion[v])
        for v in range(len(keypoints_2d))
    ])
    finite = np.all(np.isfinite(keypoints_2d), axis=-1)
    scores = np.where(finite, keypoints_2d[..., 2], 0.0)
    confident = finite & (scores >= min_score) & (scores > 0)
    return normalized, finite, scores, confident


def _quality(keypoints_3d, points, projections, confident, has_pose, used, focal,
             threshold_px, flag_fraction) -> dict:
    """Reprojection-based quality scores of the labels (see :class:`PseudoLabels`) and each
    view's fraction of confident joints within ``threshold_px`` of the labels (V,)."""
    errors = reprojection_errors(keypoints_3d, points, projections[:, None]) * focal  # (F, J, V)
    errors = np.where(np.moveaxis(confident, 0, 2) & has_pose[:, None], errors, np.nan)
    with warnings.catch_warnings():   # frames or views without any joint stay NaN
        warnings.simplefilter('ignore', RuntimeWarning)
        frame_view = np.nanmedian(errors, axis=1)                                       # (F, V)
        frame = np.nanmedian(np.where(used, frame_view, np.nan), axis=1)
        view = np.nanmedian(frame_view, axis=0)
    detected = np.isfinite(frame_view)
    bad_fraction = (frame_view > threshold_px).sum(axis=0) / np.maximum(detected.sum(axis=0), 1)
    flagged = ~has_pose.any(axis=0) | (bad_fraction > flag_fraction)
    seen = np.isfinite(errors)
    consistent = (seen & (errors <= threshold_px)).sum(axis=(0, 1)) / np.maximum(
        seen.sum(axis=(0, 1)), 1)
    return dict(frame_view_error_px=frame_view, frame_error_px=frame, view_error_px=view,
                view_bad_fraction=bad_fraction, view_flagged=flagged), consistent


def _frame_failure(view_status: np.ndarray, reference_view: int) -> int:
    """The most advanced failure among the views: the one that tells the user the most."""
    codes = [int(c) for v, c in enumerate(view_status) if v != reference_view]
    return max(codes)  # codes are ordered by pipeline stage (VIEW_STATUS)


def _estimate_views(normalized, confident, reference_view, min_joints, min_parallax_deg, seed,
                    focal, ransac_threshold_px, refine=False, max_ransac_points=0,
                    refine_loss_scale=3.0):
    """Pose of every view relative to the reference from all (frames x joints) given.

    Args:
        normalized: (V, F, J, 2); confident: (V, F, J).

    Returns:
        list of V RelativePose (the reference view's is the identity) and (V,) inlier ratios.
    """
    num_views = normalized.shape[0]
    poses, ratios = [], np.zeros(num_views)
    for view in range(num_views):
        if view == reference_view:
            poses.append(RelativePose(inliers=confident[view].reshape(-1)))
            ratios[view] = 1.0
            continue
        pose = pooled_pair_pose(normalized, confident, focal, reference_view, view, min_joints,
                                min_parallax_deg, ransac_threshold_px, max_ransac_points, seed,
                                refine=refine, loss_scale=refine_loss_scale)
        poses.append(pose)
        common = confident[reference_view] & confident[view]
        ratios[view] = pose.inliers.sum() / max(common.sum(), 1)
    return poses, ratios


def _pooled_poses(normalized, confident, **options):
    """One pose per view from all frames: (V,3,3), (V,3), (V,), anchor, (V,) inlier ratio."""
    num_views = normalized.shape[0]
    flat = normalized.reshape(num_views, -1, 2)
    poses, ratios = _estimate_views(normalized, confident, **options)
    rotations, translations, status, anchor = scale_views_to_anchor(flat, poses,
                                                                    options['reference_view'])
    status = np.array([VIEW_STATUS.index(name) for name in status], dtype=np.int8)
    return rotations, translations, status, anchor, ratios


def _frame_poses(normalized, confident, **options):
    """Per-frame poses (one frame given as (V, 1, J, ...)): same outputs as the pooled mode."""
    return _pooled_poses(normalized, confident, max_ransac_points=0, **options)
