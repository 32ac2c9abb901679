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
from .relative_pose import (CHEIRALITY, COLLINEAR, DEGENERATE, NARROW_ANGLE, NO_SCALE, OK,
                            TOO_FEW_POINTS, ZERO_BASELINE, RelativePose)
from .self_calibration import calibrate_rig, pooled_pair_pose, scale_views_to_anchor
from .swaps import H36M_FLIP_PAIRS
from .noise import estimate_noise
from .synchronization import estimate_frame_offsets, shift_frames
from .triangulation import reprojection_errors, triangulate_robust, triangulation_angle_deg

MODES = ('pooled', 'per_frame')
SYNC_OPTIONS = ('off', 'estimate', 'apply')

#: Why a view has no pose (per frame and view); index = code stored in ``view_status``.
VIEW_STATUS = (OK, TOO_FEW_POINTS, COLLINEAR, DEGENERATE, ZERO_BASELINE, CHEIRALITY, NO_SCALE,
               NARROW_ANGLE)
#: Why a frame has no label at all; ``no_pose`` covers no view with a pose (see view_status).
FRAME_STATUS = (OK, TOO_FEW_POINTS, COLLINEAR, DEGENERATE, ZERO_BASELINE, CHEIRALITY, NO_SCALE,
                NARROW_ANGLE, 'no_valid_joint')
#: Why a joint is not valid; index = code stored in ``joint_status``.
JOINT_STATUS = (OK, 'nan_input', 'low_score', 'single_view', 'outlier', 'frame_failed',
                'swap_ambiguous', 'narrow_angle')


#: Default thresholds in units of the detector's noise (the standard deviation of its 2D
#: error, measured from the poses themselves by :func:`.noise.estimate_noise`): the same scene
#: at any resolution gives the same labels, and a noisier detector gets wider thresholds.
#: Chosen by measurement over image sizes and noise levels (README, "Thresholds").
RANSAC_THRESHOLD = 2.5
OUTLIER_THRESHOLD = 4.0
#: The noise is taken at least this fraction of the person's size (:func:`person_size`)
#: (exact 2D, e.g. a dataset's ground truth, would give no tolerance at all) ...
MIN_NOISE = 0.003
#: ... and this fraction where it cannot be measured (per-frame mode, too few joints).
DEFAULT_NOISE = 0.009
#: RANSAC threshold of the noise measurement's essential matrices, fraction of the person.
NOISE_PROBE_THRESHOLD = 0.05

#: Arrays with one entry per frame (first axis F), and per recording session (first axis S).
FRAME_KEYS = ('keypoints_3d', 'valid', 'rotations', 'translations', 'scale_view', 'view_status',
              'frame_status', 'joint_status', 'view_inlier_ratio', 'frame_view_error_px',
              'frame_error_px', 'frame_view_used', 'swapped', 'image_frame')
SESSION_KEYS = ('view_error_px', 'view_bad_fraction', 'view_flagged', 'sync_offset', 'focal',
                'intrinsics', 'distortion', 'person_size_px', 'noise_px', 'ransac_threshold_px',
                'outlier_threshold_px')


@dataclass
class PseudoLabels:
    """The output of :func:`make_pseudo_labels` (the label file of ``docs/file_formats.md``).

    Attributes (F frames, V views, J joints, S recording sessions):
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
        image_frame: (F, V) int, the frame (row of the keypoints file) whose image of view v
            shows label f's instant: f itself unless ``--sync apply`` shifted view v; -1 when
            that instant is outside the view's recording.
        session: (F,) int, each frame's recording session; session_ids: (S,) the sessions in
            the order of the per-session arrays.

    Per session (first axis S; each session has its own rig):
        intrinsics: (S, V, 3, 3) the intrinsics the labels were triangulated with (focal
            lengths refined or guessed where asked): the datasets, ``ProjectTarget3D`` and the
            codec must use these. distortion: (S, V, K) or None.
        sync_offset: (S, V) estimated delay of each view in frames (0 unless estimated);
            sync_applied: whether the labels use the shifted detections.
        focal: (S, V) focal lengths used, pixels.
        person_size_px: (S, V) the person's typical size in each view (:func:`person_size`).
        noise_px: (S,) the detector's noise measured from the poses (:mod:`.noise`), pixels of
            the mean focal length; NaN where it could not be measured (per-frame mode).
        ransac_threshold_px, outlier_threshold_px: (S,) the thresholds used, in pixels.

    Quality scores (see the README's "Pseudo-label quality"):
        frame_view_error_px: (F, V) median distance in pixels between a view's confident
            joints and the labels' reprojection into that view; NaN where the view has none.
        frame_error_px: (F,) median of ``frame_view_error_px`` over the views used.
        frame_view_used: (F, V) bool, the views that entered the labels (robust mode gates out
            a view whose detection disagrees with the others in a frame).
        view_error_px: (S, V) median of ``frame_view_error_px`` over the session's frames.
        view_bad_fraction: (S, V) fraction of the frames with a detection in the view where
            its error exceeds the outlier threshold.
        view_flagged: (S, V) bool: no pose, or ``view_bad_fraction`` above ``flag_fraction``.
        swapped: (F, V) int8 number of left/right pairs exchanged back (robust mode).
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
    image_frame: np.ndarray
    session: np.ndarray
    session_ids: np.ndarray
    sync_offset: np.ndarray
    sync_applied: bool
    focal: np.ndarray
    intrinsics: np.ndarray
    person_size_px: np.ndarray
    noise_px: np.ndarray
    ransac_threshold_px: np.ndarray
    outlier_threshold_px: np.ndarray
    robust: bool
    distortion: Optional[np.ndarray] = None

    def as_dict(self) -> dict:
        """Arrays for ``np.savez`` (with the status names, so the file explains itself)."""
        out = {key: value for key, value in self.__dict__.items() if value is not None}
        out['reference_view'] = np.int64(self.reference_view)
        out['mode'] = np.str_(self.mode)
        out['sync_applied'] = np.bool_(self.sync_applied)
        out['robust'] = np.bool_(self.robust)
        out['view_status_names'] = np.array(VIEW_STATUS)
        out['frame_status_names'] = np.array(FRAME_STATUS)
        out['joint_status_names'] = np.array(JOINT_STATUS)
        return out

    def summary(self) -> dict:
        """Counts of every frame / joint / view status, valid fractions, and per session the
        views' quality, the frames' quality and stretches that look like a moved camera."""

        def counts(codes, names):
            values, numbers = np.unique(codes, return_counts=True)
            return {names[v]: int(n) for v, n in zip(values, numbers)}

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
            flagged_views=[int(v) for v in np.flatnonzero(self.view_flagged.any(axis=0))],
            sessions=[self._session_summary(s) for s in range(len(self.session_ids))],
        )

    def _session_summary(self, index: int) -> dict:
        """Views, frames, thresholds and rig changes of the ``index``-th session."""

        def number(value):
            return None if not np.isfinite(value) else round(float(value), 3)

        frames = np.flatnonzero(self.session == self.session_ids[index])
        view_status = self.view_status[frames]
        views = [
            dict(view=v, status=VIEW_STATUS[int(np.bincount(view_status[:, v]).argmax())]
                 if len(frames) else OK,
                 error_px=number(self.view_error_px[index, v]),
                 bad_fraction=number(self.view_bad_fraction[index, v]),
                 used_fraction=number(self.frame_view_used[frames, v].mean())
                 if len(frames) else None,
                 inlier_ratio=number(np.nanmedian(self.view_inlier_ratio[frames, v]))
                 if len(frames) else None,
                 swapped_frames=int((self.swapped[frames, v] > 0).sum()),
                 sync_offset=int(self.sync_offset[index, v]),
                 focal_px=number(self.focal[index, v]),
                 person_size_px=number(self.person_size_px[index, v]),
                 flagged=bool(self.view_flagged[index, v]))
            for v in range(self.view_flagged.shape[1])
        ]
        errors = self.frame_error_px[frames]
        finite = errors[np.isfinite(errors)]
        worst = np.argsort(np.nan_to_num(errors, nan=-1.0))[::-1][:5]
        quality = dict(
            error_px_median=number(np.median(finite)) if finite.size else None,
            error_px_p95=number(np.percentile(finite, 95)) if finite.size else None,
            worst=[dict(frame=int(frames[f]), error_px=number(errors[f]))
                   for f in worst if np.isfinite(errors[f])])
        with warnings.catch_warnings():   # frames without any detection stay NaN
            warnings.simplefilter('ignore', RuntimeWarning)
            all_views = np.nanmedian(self.frame_view_error_px[frames], axis=1)
        changes = [dict(change, start=int(frames[change['start']]),
                        stop=int(frames[change['stop'] - 1]) + 1)
                   for change in find_rig_changes(all_views)]
        return dict(session=int(self.session_ids[index]), frames=int(len(frames)),
                    valid_joint_fraction=float(self.valid[frames].mean()) if len(frames) else 0.,
                    noise_px=number(self.noise_px[index]),
                    ransac_threshold_px=number(self.ransac_threshold_px[index]),
                    outlier_threshold_px=number(self.outlier_threshold_px[index]),
                    views=views, frame_quality=quality, rig_changes=changes)


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
                       ransac_threshold: float = RANSAC_THRESHOLD,
                       outlier_threshold: float = OUTLIER_THRESHOLD,
                       ransac_threshold_px: Optional[float] = None,
                       outlier_threshold_px: Optional[float] = None,
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
                       ba_max_frames: int = 300,
                       session: Optional[np.ndarray] = None) -> PseudoLabels:
    """Pseudo-3D labels of the reference view from the 2D poses of all views.

    Args:
        keypoints_2d: (V, F, J, 3) x, y in pixels of the original images and a score in
            [0, 1]; a missing joint or view is NaN (or score 0).
        intrinsics: (V, 3, 3) camera matrices in pixels.
        distortion: optional (V, 4|5|8) OpenCV distortion coefficients.
        mode: ``'pooled'`` (static rig, one pose per view and session) or ``'per_frame'``.
        reference_view: the view whose camera frame the labels are expressed in.
        min_score: joints with a lower score are not used.
        min_joints: fewest confident joints shared with the reference view for a pose
            (per-frame mode: per frame; pooled: in total).
        ransac_threshold: RANSAC inlier threshold in units of the detector's noise (the
            standard deviation of its 2D error, measured from the poses of each session by
            :func:`.noise.estimate_noise`; at least ``MIN_NOISE`` of the person's size,
            ``DEFAULT_NOISE`` of it where it cannot be measured); also the robust losses'
            scale. Neither the noise nor the person's size depends on the image resolution.
        outlier_threshold: largest reprojection error of a triangulated joint, same unit; in
            robust mode also the gate of a view's median error in a frame; the error above
            which a (frame, view) counts as bad.
        ransac_threshold_px, outlier_threshold_px: explicit overrides in pixels (converted
            with the mean focal length); None: from the noise-relative thresholds.
        min_parallax_deg: below this median ray parallax a view pair is a pure rotation.
        min_triangulation_angle_deg: a joint is invalid unless two of its views see it under
            rays this far from (anti-)parallel: two facing cameras cannot place a point on the
            line between them, and an outlier along that line passes every residual test; in
            robust mode a view pair whose joints are seen under narrower angles does not
            decide the rig.
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
            ``'apply'`` (also shift the views' detections by it before labelling; which image
            shows each label's instant is in ``image_frame``).
        max_sync_offset: delays in [-max_sync_offset, max_sync_offset] frames are tried.
        flag_fraction: a view is flagged when more of its frames than this are bad.
        ba_max_frames: robust mode: frames in the bundle adjustment (evenly spaced).
        session: optional (F,) int, the recording session of each frame: cameras may move
            between sessions, so each session gets its own rig (pooled modes), sync offsets and
            focal lengths. None: one session.

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
    for name, value in (('ransac_threshold', ransac_threshold),
                        ('outlier_threshold', outlier_threshold),
                        ('ransac_threshold_px', ransac_threshold_px),
                        ('outlier_threshold_px', outlier_threshold_px)):
        if value is not None and not (np.isfinite(value) and value > 0):
            raise ValueError(f'{name} must be a positive number, got {value}')
    robust = mode == 'pooled' if robust is None else bool(robust)
    num_views, num_frames, num_joints, _ = keypoints_2d.shape
    if not 0 <= reference_view < num_views:
        raise ValueError(f'reference_view must be in [0, {num_views}), got {reference_view}')
    if flip_pairs is None:
        flip_pairs = H36M_FLIP_PAIRS if num_joints == 17 else ()
    if any(not (0 <= a < num_joints and 0 <= b < num_joints) for a, b in flip_pairs):
        raise ValueError(f'flip_pairs must index {num_joints} joints, got {flip_pairs}')
    session = check_session(session, num_frames)
    options = dict(mode=mode, reference_view=reference_view, min_score=min_score,
                   min_joints=min_joints, ransac_threshold=ransac_threshold,
                   outlier_threshold=outlier_threshold, ransac_threshold_px=ransac_threshold_px,
                   outlier_threshold_px=outlier_threshold_px, min_parallax_deg=min_parallax_deg,
                   min_triangulation_angle_deg=min_triangulation_angle_deg, refine=refine,
                   max_ransac_points=max_ransac_points, seed=seed,
                   progress=progress or (lambda iterable: iterable), robust=robust,
                   flip_pairs=tuple(flip_pairs), refine_focal=refine_focal, sync=sync,
                   max_sync_offset=max_sync_offset, flag_fraction=flag_fraction,
                   ba_max_frames=ba_max_frames)
    session_ids = np.unique(session)
    parts = []
    for session_id in session_ids:
        frames = np.flatnonzero(session == session_id)
        parts.append((frames, _label_session(keypoints_2d[:, frames], intrinsics, distortion,
                                             **options)))
    return _combine(parts, session, session_ids, num_frames, reference_view, mode, robust,
                    sync == 'apply')


def check_session(session: Optional[np.ndarray], num_frames: int,
                  source: str = '') -> np.ndarray:
    """(F,) int64 session of every frame (zeros for None); errors name ``source`` and the key."""
    if session is None:
        return np.zeros(num_frames, np.int64)
    prefix = f'{source}: ' if source else ''
    session = np.asarray(session)
    if session.shape != (num_frames, ) or not np.issubdtype(session.dtype, np.integer):
        raise ValueError(f"{prefix}key 'session' must be an integer array of shape (F,) = "
                         f'({num_frames},), got dtype {session.dtype} and shape {session.shape}')
    return session.astype(np.int64)


def person_size(normalized: np.ndarray, confident: np.ndarray,
                min_joints: int = 4) -> np.ndarray:
    """Each view's typical size of the person: (V,) normalized units (pixels / focal).

    The median over frames of the diagonal of the box around the view's confident joints
    (frames with at least ``min_joints`` of them); NaN for a view without such a frame.
    Detectors err in proportion to the person's size in the image (a top-down model sees a
    fixed-size crop of the person), and in normalized units the size does not depend on the
    image resolution: thresholds relative to it give the same labels at any resolution.

    Args:
        normalized: (V, F, J, 2). confident: (V, F, J) bool.
    """
    points = np.where(confident[..., None], normalized, np.nan)
    enough = confident.sum(axis=-1) >= min_joints                         # (V, F)
    with warnings.catch_warnings():       # frames (and views) without joints stay NaN
        warnings.simplefilter('ignore', RuntimeWarning)
        diagonal = np.linalg.norm(np.nanmax(points, axis=2) - np.nanmin(points, axis=2), axis=-1)
        return np.nanmedian(np.where(enough, diagonal, np.nan), axis=1)


def _label_session(keypoints_2d, intrinsics, distortion, mode, reference_view, min_score,
                   min_joints, ransac_threshold, outlier_threshold, ransac_threshold_px,
                   outlier_threshold_px, min_parallax_deg, min_triangulation_angle_deg, refine,
                   max_ransac_points, seed, progress, robust, flip_pairs, refine_focal, sync,
                   max_sync_offset, flag_fraction, ba_max_frames) -> PseudoLabels:
    """:func:`make_pseudo_labels` of one recording session (per-session arrays with S = 1)."""
    num_views, num_frames, num_joints, _ = keypoints_2d.shape
    focal = intrinsics[:, [0, 1], [0, 1]].mean(axis=1)                   # (V,)
    normalized, finite, scores, confident = _observations(keypoints_2d, intrinsics, distortion,
                                                          min_score)
    size = person_size(normalized, confident)                             # (V,) normalized
    # one size for the rig (thresholds are converted to normalized units with the mean
    # focal); a session without a person anywhere cannot be labelled anyway
    unit = float(np.nanmedian(size)) if np.isfinite(size).any() else 1.0
    noise = np.nan
    if mode == 'pooled':
        noise = estimate_noise(normalized, confident, NOISE_PROBE_THRESHOLD * unit,
                               min_angle_deg=min_triangulation_angle_deg, seed=seed)
    sigma = max(noise, MIN_NOISE * unit) if np.isfinite(noise) else DEFAULT_NOISE * unit
    if ransac_threshold_px is None:
        ransac_threshold_px = ransac_threshold * sigma * focal.mean()
    if outlier_threshold_px is None:
        outlier_threshold_px = outlier_threshold * sigma * focal.mean()

    sync_offset = np.zeros(num_views, dtype=np.int64)
    if sync != 'off':
        sync_offset, _ = estimate_frame_offsets(normalized, confident, reference_view, focal,
                                                max_offset=max_sync_offset,
                                                threshold_px=ransac_threshold_px, seed=seed)
        if sync == 'apply':
            keypoints_2d = shift_frames(keypoints_2d, sync_offset)
            normalized, finite, scores, confident = _observations(keypoints_2d, intrinsics,
                                                                  distortion, min_score)
    shift = sync_offset if sync == 'apply' else np.zeros_like(sync_offset)
    image_frame = np.arange(num_frames)[:, None] + shift                      # (F, V)
    image_frame = np.where((image_frame >= 0) & (image_frame < num_frames), image_frame, -1)
    options = dict(reference_view=reference_view, min_joints=min_joints,
                   min_parallax_deg=min_parallax_deg, seed=seed, focal=focal,
                   ransac_threshold_px=ransac_threshold_px, refine=refine)
    used = np.ones((num_frames, num_views), bool)
    swapped = np.zeros((num_frames, num_views), np.int8)
    ambiguous = np.zeros((num_frames, num_joints), bool)
    focal_scale = np.ones(num_views)
    if robust:
        rig = calibrate_rig(normalized, confident, scores, focal, reference_view,
                            min_joints=min_joints, min_parallax_deg=min_parallax_deg,
                            ransac_threshold_px=ransac_threshold_px,
                            gate_px=outlier_threshold_px, flip_pairs=flip_pairs,
                            refine_focal=refine_focal, ba_max_frames=ba_max_frames,
                            max_ransac_points=max_ransac_points,
                            min_triangulation_angle_deg=min_triangulation_angle_deg, seed=seed)
        normalized, confident, scores = rig.normalized, rig.confident, rig.scores
        focal_scale = rig.focal_scale
        focal = focal * focal_scale
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
    used_intrinsics = intrinsics.copy()
    used_intrinsics[:, :2, :2] *= focal_scale[:, None, None]
    per_session = dict(
        intrinsics=used_intrinsics, sync_offset=sync_offset, focal=focal,
        person_size_px=size * focal, noise_px=np.float64(noise * focal.mean()),
        ransac_threshold_px=np.float64(ransac_threshold_px),
        outlier_threshold_px=np.float64(outlier_threshold_px),
        view_error_px=quality.pop('view_error_px'),
        view_bad_fraction=quality.pop('view_bad_fraction'),
        view_flagged=quality.pop('view_flagged'))
    if distortion is not None:
        per_session['distortion'] = distortion
    per_session = {key: np.asarray(value)[None] for key, value in per_session.items()}
    return PseudoLabels(keypoints_3d=keypoints_3d, valid=valid, rotations=rotations,
                        translations=translations, reference_view=reference_view, mode=mode,
                        scale_view=scale_view, view_status=view_status.astype(np.int8),
                        frame_status=frame_status, joint_status=joint_status,
                        view_inlier_ratio=inlier_ratio, frame_view_used=used, swapped=swapped,
                        image_frame=image_frame, session=np.zeros(num_frames, np.int64),
                        session_ids=np.zeros(1, np.int64), sync_applied=sync == 'apply',
                        robust=robust, **quality, **per_session)


def _combine(parts, session, session_ids, num_frames, reference_view, mode, robust,
             sync_applied) -> PseudoLabels:
    """One :class:`PseudoLabels` from the sessions' (their frame indices, labels)."""
    if len(parts) == 1 and len(parts[0][0]) == num_frames:
        labels = parts[0][1]
        labels.session, labels.session_ids = session, session_ids
        return labels
    arrays = {}
    for key in FRAME_KEYS:
        first = getattr(parts[0][1], key)
        out = np.empty((num_frames, ) + first.shape[1:], first.dtype)
        for frames, labels in parts:
            value = getattr(labels, key)
            if key == 'image_frame':      # session-local frame -> the file's frame
                value = np.where(value >= 0, frames[np.maximum(value, 0)], -1)
            out[frames] = value
        arrays[key] = out
    for key in SESSION_KEYS:
        values = [getattr(labels, key) for _, labels in parts]
        arrays[key] = None if values[0] is None else np.concatenate(values)
    return PseudoLabels(reference_view=reference_view, mode=mode, robust=robust,
                        sync_applied=sync_applied, session=session, session_ids=session_ids,
                        **arrays)


def find_rig_changes(frame_error_px: np.ndarray, window: int = 25, ratio: float = 2.0,
                     min_frames: int = 50) -> list:
    """Stretches of frames whose labels fit much worse than the rest: a camera moved?

    Cameras that were moved or recalibrated between recordings cannot share one pooled rig:
    the frames of the smaller part then reproject far worse in the views that moved (robust
    mode leaves those views out of the labels, so the error over all views is the signal).
    The rolling median of ``frame_error_px`` over ``window`` frames is compared with the whole
    file's median.

    Args:
        frame_error_px: (F,) per-frame median reprojection error over all views with a
            detection, pixels (NaN: none).
        window: frames of the rolling median.
        ratio: a stretch is reported when its rolling median exceeds ``ratio`` times the
            median of the whole file ...
        min_frames: ... for at least this many consecutive frames.

    Returns:
        list of dicts ``start``, ``stop`` (frame indices, stop exclusive), ``error_px`` (the
        stretch's median) and ``elsewhere_px`` (the median of the other frames).
    """
    from scipy.ndimage import median_filter
    finite = np.isfinite(frame_error_px)
    if finite.sum() < min_frames:
        return []
    filled = np.where(finite, frame_error_px, np.nanmedian(frame_error_px))
    rolling = median_filter(filled, size=window, mode='nearest')
    high = rolling > ratio * np.median(frame_error_px[finite])
    changes = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], high.astype(np.int8), [0]])))
    for start, stop in zip(edges[::2], edges[1::2]):
        if stop - start < min_frames:
            continue
        inside = np.zeros(len(high), bool)
        inside[start:stop] = True
        changes.append(dict(start=int(start), stop=int(stop),
                            error_px=round(float(np.nanmedian(frame_error_px[inside])), 3),
                            elsewhere_px=round(float(np.nanmedian(frame_error_px[~inside])), 3)))
    return changes


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
