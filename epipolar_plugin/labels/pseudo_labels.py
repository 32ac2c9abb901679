"""Multi-view 2D poses -> pseudo-3D labels in the reference camera, with no extrinsics.

The pipeline (one call, :func:`make_pseudo_labels`), per recording session:

1. pixels -> undistorted normalized coordinates with each view's intrinsics; joints below
   ``min_score`` or not finite are dropped (:mod:`.observations`);
2. the detector's noise, measured from the poses, sets the thresholds (:mod:`.noise`);
3. optionally, the cameras' frame offsets are estimated and applied (:mod:`.synchronization`);
   detections shifted by an offset are measured again, so the noise and both thresholds come
   from the synchronized detections (unaligned instants add the motion between them);
4. the label mode finds every view's pose relative to the reference view (:mod:`.label_modes`:
   ``robust`` self-calibration of a static rig, the default; ``pooled``, every view against
   the reference from all frames; ``per_frame``, the paper's route);
5. confidence-weighted multi-view DLT of every joint of every frame at once, dropping a
   joint's worst view while its reprojection error exceeds the outlier threshold, and joints
   no two views see under a wide enough angle (:func:`triangulate_labels`);
6. statuses and quality scores (:mod:`.statuses`, :mod:`.label_quality`);
7. with a known frame rate, each joint's trajectory is smoothed over a short window inside
   each take and run of valid frames (:mod:`.temporal`); the quality scores of step 6 are
   those of the triangulated labels.

Convention:
    3D points are in the reference camera's frame (x right, y down, z forward). The unit is
    the distance between the reference camera and the *scale view*'s camera (``scale_view``):
    the same for every frame of a session in pooled modes, chosen per frame in per-frame mode.
    View poses map reference coordinates to the view: ``X_v = R_v X_ref + t_v``.
"""
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable, Optional

import numpy as np

from .label_modes import LABEL_MODES, RigEstimate, validated
from .label_options import LabelOptions
from .label_quality import frame_failure, reprojection_quality
from .label_result import PseudoLabels, combine_sessions
from .noise import Thresholds, session_thresholds
from .observations import Observations, check_multiview_inputs, check_session, observe
from .parallel import frame_chunks, thread_map
from .statuses import FrameStatus, JointStatus
from .synchronization import FrameOffsets, estimate_frame_offsets, shift_frames, shifted_frames
from .temporal import smooth_trajectories, window_frames_of
from ..geometry.triangulation import robust_triangulation_errors, triangulation_angle_deg


#: Fewest frames for which independent sessions go to other processes by default (below,
#: starting the processes costs more than it saves).
MIN_PARALLEL_FRAMES = 2000


def make_pseudo_labels(keypoints_2d: np.ndarray,
                       intrinsics: np.ndarray,
                       distortion: Optional[np.ndarray] = None,
                       session: Optional[np.ndarray] = None,
                       options: Optional[LabelOptions] = None,
                       progress: Optional[Callable[[Iterable], Iterable]] = None,
                       workers: Optional[int] = None,
                       take: Optional[np.ndarray] = None,
                       fps: Optional[float] = None) -> PseudoLabels:
    """Pseudo-3D labels of the reference view from the 2D poses of all views.

    Args:
        keypoints_2d: (V, F, J, 3) x, y in pixels of the original images and a score in
            [0, 1]; a missing joint or view is NaN (or score 0).
        intrinsics: (V, 3, 3) camera matrices in pixels.
        distortion: optional (V, 4|5|8) OpenCV distortion coefficients.
        session: optional (F,) int, the recording session of each frame: cameras may move
            between sessions, so each session gets its own rig (pooled modes), noise, sync
            offsets and focal lengths. None: one session.
        options: :class:`.label_options.LabelOptions` (None: the defaults).
        progress: optional wrapper of an iterable shown as a progress bar (e.g. ``tqdm``): over
            the frames of a per-frame mode, or over the sessions labelled in other processes.
        workers: processes labelling independent sessions at once (``concurrent.futures``);
            None: one per session up to the number of cores when there are several sessions
            and at least ``MIN_PARALLEL_FRAMES`` frames, else 1. The labels do not depend on it.
        take: optional (F,) int, the take of each frame: one continuous recording inside a
            session (a Human3.6M sequence). Frame offsets are estimated per session and applied
            within each take; no frame is paired with a frame of another take (those are
            outside the recording: ``image_frame`` -1). None: each session is one take.
        fps: optional frames per second of the rows (consecutive rows of a take are
            ``1 / fps`` seconds apart); ``options.temporal.fps`` overrides it. With a frame
            rate, the labels are smoothed over ``options.temporal.smoothing_window_s`` seconds
            inside each take (:mod:`.temporal`); None: no smoothing.

    Returns:
        PseudoLabels; failures are flagged in the status arrays, never raised.
    """
    options = validated(options or LabelOptions())
    keypoints_2d, intrinsics, distortion = check_multiview_inputs(keypoints_2d, intrinsics,
                                                                  distortion)
    num_views, num_frames, num_joints, _ = keypoints_2d.shape
    if not options.reference_view < num_views:
        raise ValueError(f'reference_view must be in [0, {num_views}), got '
                         f'{options.reference_view}')
    flip_pairs = options.robust.flip_pairs or ()
    if any(not (0 <= a < num_joints and 0 <= b < num_joints) for a, b in flip_pairs):
        raise ValueError(f'flip_pairs must index {num_joints} joints, got {flip_pairs}')
    session = check_session(session, num_frames)
    take = check_take(take, num_frames)
    fps = check_fps(fps) if options.temporal.fps is None else float(options.temporal.fps)
    window_frames = window_frames_of(options.temporal.smoothing_window_s, fps)
    if (window_frames <= options.temporal.smoothing_order + 1       # an interpolation
            or not LABEL_MODES[options.mode].pooled):
        # per frame, each frame has its own cameras: its label's error is mostly that frame's
        # camera error, a distortion of the whole pose that smoothing spreads to its
        # neighbours (worse at every window: benchmark_pseudo_labels.py --tables temporal)
        window_frames = 1
    session_ids = np.unique(session)
    frames = [np.flatnonzero(session == session_id) for session_id in session_ids]
    if workers is None:
        several = len(session_ids) > 1 and num_frames >= MIN_PARALLEL_FRAMES
        workers = min(len(session_ids), os.cpu_count() or 1) if several else 1
    progress = progress or _as_is
    if workers > 1 and len(session_ids) > 1:
        # fork: the children have the parent's modules (no second import of the package)
        context = multiprocessing.get_context(
            'fork' if 'fork' in multiprocessing.get_all_start_methods() else 'spawn')
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = [pool.submit(label_session, keypoints_2d[:, _as_slice(part)], intrinsics,
                                   distortion, options, _as_is, take[part], window_frames)
                       for part in frames]
            labels = [future.result() for future in progress(futures)]
    else:
        labels = [label_session(keypoints_2d[:, _as_slice(part)], intrinsics, distortion, options,
                                progress, take[part], window_frames) for part in frames]
    labels = combine_sessions(list(zip(frames, labels)), session, session_ids, num_frames,
                              options.reference_view, options.mode,
                              options.synchronization.sync == 'apply')
    labels.fps = np.nan if fps is None else fps
    labels.smoothing_window_frames = window_frames
    labels.smoothing_order = int(options.temporal.smoothing_order)
    return labels


def _as_slice(frames: np.ndarray):
    """Sorted frame indices as a slice when they are consecutive (a view of the keypoints,
    not a copy), else as they are."""
    if len(frames) and frames[-1] - frames[0] + 1 == len(frames):
        return slice(int(frames[0]), int(frames[-1]) + 1)
    return frames


def _as_is(iterable: Iterable) -> Iterable:
    """No progress bar (a module-level function: it goes to other processes)."""
    return iterable


def check_take(take: Optional[np.ndarray], num_frames: int) -> np.ndarray:
    """(F,) int64 take of every frame (zeros for None); the error names the value at fault."""
    if take is None:
        return np.zeros(num_frames, np.int64)
    take = np.asarray(take)
    if take.shape != (num_frames, ) or take.dtype.kind not in 'iu':
        raise ValueError(f"take must hold one integer per frame, shape ({num_frames},), got "
                         f'{take.dtype} {take.shape}')
    return take.astype(np.int64)


def check_fps(fps) -> Optional[float]:
    """The frame rate as a positive float (None stays None); the error names the value."""
    if fps is None:
        return None
    value = np.asarray(fps)
    if value.shape != () or value.dtype.kind not in 'iuf' or not (np.isfinite(value)
                                                                   and value > 0):
        raise ValueError(f'fps must be one positive number (frames per second), got {fps!r}')
    return float(value)


def label_session(keypoints_2d: np.ndarray, intrinsics: np.ndarray,
                  distortion: Optional[np.ndarray], options: LabelOptions,
                  progress: Callable[[Iterable], Iterable],
                  take: Optional[np.ndarray] = None, window_frames: int = 1) -> PseudoLabels:
    """:func:`make_pseudo_labels` of one recording session (per-session arrays with S = 1);
    ``take`` (F,): the take of each of its frames (None: one take); ``window_frames``: the
    temporal smoothing's window in frames (1: none)."""
    num_views, num_frames, num_joints, _ = keypoints_2d.shape
    mode = LABEL_MODES[options.mode]
    focal = intrinsics[:, [0, 1], [0, 1]].mean(axis=1)                   # (V,)
    observations = observe(keypoints_2d, intrinsics, distortion, options.min_score)

    def measure(observations):
        return session_thresholds(
            observations.normalized, observations.confident, focal,
            options.pose.ransac_threshold, options.triangulation.outlier_threshold,
            options.pose.ransac_threshold_px, options.triangulation.outlier_threshold_px,
            measure=mode.pooled, min_angle_deg=options.triangulation.min_triangulation_angle_deg,
            seed=options.seed, max_frames=options.pose.max_pose_frames)

    thresholds = measure(observations)
    observations, found, image_frame = synchronize(keypoints_2d, intrinsics, distortion,
                                                   observations, focal, thresholds, options,
                                                   take)
    if options.synchronization.sync == 'apply' and found.offsets.any():
        thresholds = measure(observations)          # the synchronized detections' noise
    rig = mode.function(observations, focal, thresholds, options, progress)
    measured_focal = focal                           # the pixels the noise was measured in
    focal = focal * rig.focal_scale
    labels = triangulate_labels(rig, observations.finite, focal, thresholds, options)
    if window_frames > 1:
        labels['keypoints_3d'] = smooth_labels(labels['keypoints_3d'], labels['valid'],
                                               labels['scale_view'], take, window_frames,
                                               options.temporal.smoothing_order)
    used_intrinsics = intrinsics.copy()
    used_intrinsics[:, :2, :2] *= rig.focal_scale[:, None, None]
    per_session = dict(
        intrinsics=used_intrinsics, sync_offset=found.offsets, sync_error_px=found.costs,
        sync_evidence=found.evidence, focal=focal,
        focal_sigma_px=focal * (np.full(num_views, np.nan) if rig.focal_sigma is None
                                else rig.focal_sigma),
        focal_determined=(np.zeros(num_views, bool) if rig.focal_determined is None
                          else np.asarray(rig.focal_determined, bool)),
        person_size_px=thresholds.person_size * measured_focal,
        noise_px=np.float64(thresholds.noise * measured_focal.mean()),
        ransac_threshold_px=np.float64(thresholds.ransac_px),
        outlier_threshold_px=np.float64(thresholds.outlier_px),
        view_error_px=labels.pop('view_error_px'),
        view_bad_fraction=labels.pop('view_bad_fraction'),
        view_flagged=labels.pop('view_flagged'))
    if distortion is not None:
        per_session['distortion'] = distortion
    per_session = {key: np.asarray(value)[None] for key, value in per_session.items()}
    return PseudoLabels(reference_view=options.reference_view, mode=options.mode,
                        image_frame=image_frame, session=np.zeros(num_frames, np.int64),
                        session_ids=np.zeros(1, np.int64),
                        sync_applied=options.synchronization.sync == 'apply',
                        **labels, **per_session)


def smooth_labels(keypoints_3d: np.ndarray, valid: np.ndarray, scale_view: np.ndarray,
                  take: Optional[np.ndarray], window_frames: int, order: int) -> np.ndarray:
    """(F, J, 3) labels smoothed over time (:func:`.temporal.smooth_trajectories`) inside each
    take and each stretch of frames with one unit: in pooled modes the unit is the session's,
    in per-frame mode the distance to the frame's scale view (``scale_view`` (F,)), the same
    physical distance while the scale view stays the same."""
    take = np.zeros(len(valid), np.int64) if take is None else take
    segment = np.unique(np.stack([take, scale_view]), axis=1, return_inverse=True)[1]
    return smooth_trajectories(keypoints_3d, valid, window_frames, order,
                               segment=segment.reshape(-1))


def synchronize(keypoints_2d: np.ndarray, intrinsics: np.ndarray,
                distortion: Optional[np.ndarray], observations: Observations,
                focal: np.ndarray, thresholds: Thresholds, options: LabelOptions,
                take: Optional[np.ndarray] = None):
    """The cameras' frame offsets (``options.synchronization``), estimated on the session's
    frames and applied within each take (``take`` (F,), None: one take), if asked.

    Returns:
        the observations (shifted when applied), the
        :class:`.synchronization.FrameOffsets` (offsets 0 and NaN curves when not estimated),
        and image_frame (F, V): the row whose image of view v shows label f's instant (-1
        outside the recording or in another take).
    """
    num_views, num_frames = keypoints_2d.shape[:2]
    sync_options = options.synchronization
    sync = sync_options.sync
    found = FrameOffsets(np.zeros(num_views, dtype=np.int64),
                         np.full((num_views, 2 * sync_options.max_sync_offset + 1), np.nan),
                         np.zeros(num_views, dtype=np.int64), np.full(num_views, np.nan))
    if sync != 'off':
        found = estimate_frame_offsets(
            observations.normalized, observations.confident, options.reference_view, focal,
            max_offset=sync_options.max_sync_offset, threshold_px=thresholds.ransac_px,
            seed=options.seed, min_evidence=sync_options.min_sync_evidence,
            min_gain=sync_options.min_sync_gain, take=take)
    sync_offset = found.offsets
    if sync == 'apply' and sync_offset.any():
        observations = observe(shift_frames(keypoints_2d, sync_offset, take=take), intrinsics,
                               distortion, options.min_score)
    shift = sync_offset if sync == 'apply' else np.zeros_like(sync_offset)
    return observations, found, shifted_frames(shift, num_frames, take)


def triangulate_labels(rig: RigEstimate, finite: np.ndarray, focal: np.ndarray,
                       thresholds: Thresholds, options: LabelOptions) -> dict:
    """The labels of every joint of every frame from a mode's cameras, with statuses and
    quality scores: the per-frame fields of :class:`.label_result.PseudoLabels` and the
    per-view quality (``view_error_px``, ``view_bad_fraction``, ``view_flagged``, (V,)).

    Args:
        rig: the mode's cameras and detections. finite: (V, F, J) bool, the input's finite
            detections. focal: (V,) pixels (refined where the mode refined it).
    """
    observations = rig.observations
    normalized, confident, scores = (observations.normalized, observations.confident,
                                     observations.scores)
    num_views, num_frames, num_joints = confident.shape
    reference_view = options.reference_view
    has_pose = rig.view_status == 0                                      # (F, V)
    used = rig.used & has_pose
    projections = np.concatenate([rig.rotations, rig.translations[..., None]], axis=-1)
    projections = np.where(has_pose[..., None, None], projections, 0.0)  # (F, V, 3, 4)
    # one rig for every frame (pooled modes): (V, 3, 4), the triangulation's fast path
    static = num_frames > 0 and np.array_equal(
        projections, np.broadcast_to(projections[:1], projections.shape))
    cameras = projections[0] if static else projections[:, None]
    weights = np.where(confident & used.T[:, :, None], scores, 0.0)      # (V, F, J)
    points = np.moveaxis(normalized, 0, 2)                               # (F, J, V, 2)
    frame_weights = np.moveaxis(weights, 0, 2)                           # (F, J, V)

    def triangulate(frames):      # frames are independent: chunks run on all cores
        chunk_cameras = cameras if static else cameras[frames]
        chunk = robust_triangulation_errors(points[frames], chunk_cameras,
                                            frame_weights[frames],
                                            thresholds.outlier_px / focal.mean())
        return chunk + (triangulation_angle_deg(chunk[0], chunk_cameras, chunk[2]), )

    chunks = thread_map(triangulate, frame_chunks(num_frames))   # at least one chunk
    keypoints_3d, valid, kept, errors, angle = (np.concatenate(parts) for parts in zip(*chunks))
    narrow = valid & (angle < options.triangulation.min_triangulation_angle_deg)
    valid &= ~narrow

    joint_status = np.full((num_frames, num_joints), JointStatus.OUTLIER, np.int8)
    views_used = (frame_weights > 0).sum(axis=-1)                       # (F, J)
    joint_status[views_used < 2] = JointStatus.SINGLE_VIEW
    joint_status[~np.any(confident, axis=0)] = JointStatus.LOW_SCORE
    joint_status[~np.any(finite, axis=0)] = JointStatus.NAN_INPUT
    joint_status[rig.ambiguous] = JointStatus.SWAP_AMBIGUOUS
    joint_status[narrow] = JointStatus.NARROW_ANGLE
    joint_status[valid] = JointStatus.OK
    frame_failed = ~has_pose[:, [v for v in range(num_views) if v != reference_view]].any(axis=1)
    joint_status[frame_failed] = JointStatus.FRAME_FAILED
    valid[frame_failed] = False
    keypoints_3d[~valid] = np.nan

    frame_status = np.zeros(num_frames, dtype=np.int8)
    for f in np.flatnonzero(frame_failed):
        frame_status[f] = frame_failure(rig.view_status[f], reference_view)
    frame_status[~frame_failed & ~valid.any(axis=1)] = FrameStatus.NO_VALID_JOINT
    quality, consistent = reprojection_quality(
        np.where(valid[..., None], errors, np.nan), confident, has_pose, used, focal,
        thresholds.outlier_px, options.triangulation.flag_fraction)
    inlier_ratio = rig.inlier_ratio
    if inlier_ratio is None:   # no single RANSAC per view: the joints consistent with the labels
        inlier_ratio = np.broadcast_to(consistent, (num_frames, num_views)).copy()
    return dict(keypoints_3d=keypoints_3d, valid=valid,
                rotations=np.where(has_pose[..., None, None], rig.rotations, np.nan),
                translations=np.where(has_pose[..., None], rig.translations, np.nan),
                scale_view=rig.scale_view, view_status=rig.view_status.astype(np.int8),
                frame_status=frame_status, joint_status=joint_status,
                view_inlier_ratio=inlier_ratio, frame_view_used=used, swapped=rig.swapped,
                **quality)
