"""The result of :func:`.pseudo_labels.make_pseudo_labels`: labels, statuses, quality.

Saved as the label file of ``docs/file_formats.md`` (:meth:`PseudoLabels.as_dict`); its
:meth:`PseudoLabels.summary` is what ``tools/make_pseudo_labels.py`` prints and writes.
"""
import warnings
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .label_quality import find_rig_changes
from .statuses import FrameStatus, JointStatus, ViewStatus

#: Arrays with one entry per frame (first axis F), and per recording session (first axis S).
FRAME_KEYS = ('keypoints_3d', 'valid', 'rotations', 'translations', 'scale_view', 'view_status',
              'frame_status', 'joint_status', 'view_inlier_ratio', 'frame_view_error_px',
              'frame_error_px', 'frame_view_used', 'swapped', 'image_frame')
SESSION_KEYS = ('view_error_px', 'view_bad_fraction', 'view_flagged', 'sync_offset', 'focal',
                'intrinsics', 'distortion', 'person_size_px', 'noise_px', 'ransac_threshold_px',
                'outlier_threshold_px', 'sync_error_px', 'sync_evidence', 'focal_sigma_px',
                'focal_determined')


@dataclass
class PseudoLabels:
    """The output of :func:`make_pseudo_labels` (the label file of ``docs/file_formats.md``).

    Attributes (F frames, V views, J joints, S recording sessions):
        keypoints_3d: (F, J, 3) reference-camera frame, unit of ``scale_view``; NaN if invalid.
        valid: (F, J) bool.
        rotations: (F, V, 3, 3) view poses relative to the reference; NaN for a view without a
            pose in that frame. translations: (F, V, 3) on the labels' scale.
        reference_view: int. mode: the label mode (:data:`.label_modes.LABEL_MODES`).
        scale_view: (F,) the view whose distance to the reference camera is 1; -1 if none.
        view_status: (F, V) int8 :class:`.statuses.ViewStatus` codes.
        frame_status: (F,) int8 :class:`.statuses.FrameStatus` codes.
        joint_status: (F, J) int8 :class:`.statuses.JointStatus` codes.
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
        sync_offset: (S, V) estimated delay of each view in frames (0 unless estimated, and
            0 unless the evidence is clear: :mod:`.synchronization`); sync_applied: whether
            the labels use the shifted detections.
        sync_error_px: (S, V, 2 M + 1) each view's epipolar error against the reference view
            (mean over frames of the frame's median Sampson error, pixels) at every candidate
            offset -M..M (``max_sync_offset``); NaN where not estimated.
        sync_evidence: (S, V) how many standard errors the lowest candidate beats offset 0 by
            (0 when offset 0 is the lowest; NaN for the reference view or not estimated).
        focal: (S, V) focal lengths used, pixels.
        focal_determined: (S, V) bool, True where the focal was refined and the detections
            determine it (uncertainty within ``max_focal_uncertainty``); False where it is
            the given or guessed one (not refined, or refined but kept at its prior).
        focal_sigma_px: (S, V) each refined focal's uncertainty (standard deviation, pixels;
            for a focal kept at its prior, the uncertainty that sent it back); NaN where not
            refined.
        person_size_px: (S, V) the person's typical size in each view (:func:`person_size`),
            pixels of the focal length the detections were given with.
        noise_px: (S,) the detector's noise measured from the poses (:mod:`.noise`), pixels of
            the mean focal length the detections were given with; from the synchronized
            detections when offsets were applied; NaN where it could not be measured
            (per-frame mode).
        ransac_threshold_px, outlier_threshold_px: (S,) the thresholds used, in pixels.

    Temporal smoothing (:mod:`.temporal`; None in labels made without it):
        fps: frames per second of the rows (NaN: unknown). smoothing_window_frames: the window
            each joint's trajectory was smoothed over (1: not smoothed). smoothing_order: the
            degree of the local polynomial.

    Quality scores (docs/pseudo_labels.md, "Pseudo-label quality"):
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
    distortion: Optional[np.ndarray] = None
    sync_error_px: Optional[np.ndarray] = None
    sync_evidence: Optional[np.ndarray] = None
    focal_sigma_px: Optional[np.ndarray] = None
    focal_determined: Optional[np.ndarray] = None
    fps: Optional[float] = None
    smoothing_window_frames: Optional[int] = None
    smoothing_order: Optional[int] = None

    def as_dict(self) -> dict:
        """Arrays for ``np.savez`` (with the status names, so the file explains itself)."""
        out = {key: value for key, value in self.__dict__.items() if value is not None}
        out['reference_view'] = np.int64(self.reference_view)
        out['mode'] = np.str_(self.mode)
        out['sync_applied'] = np.bool_(self.sync_applied)
        for key, kind in (('fps', np.float64), ('smoothing_window_frames', np.int64),
                          ('smoothing_order', np.int64)):
            if key in out:
                out[key] = kind(out[key])
        out['view_status_names'] = np.array(ViewStatus.names())
        out['frame_status_names'] = np.array(FrameStatus.names())
        out['joint_status_names'] = np.array(JointStatus.names())
        return out

    def summary(self) -> dict:
        """Counts of every frame / joint / view status, valid fractions, and per session the
        views' quality, the frames' quality and stretches that look like a moved camera."""

        def counts(codes, names):
            values, numbers = np.unique(codes, return_counts=True)
            return {names[v]: int(n) for v, n in zip(values, numbers)}

        return dict(
            mode=self.mode,
            frames=int(self.valid.shape[0]),
            joints=int(self.valid.shape[1]),
            valid_frame_fraction=float(np.mean(self.frame_status == 0)) if self.valid.size else 0.,
            valid_joint_fraction=float(self.valid.mean()) if self.valid.size else 0.0,
            frame_status=counts(self.frame_status, FrameStatus.names()),
            joint_status=counts(self.joint_status, JointStatus.names()),
            view_status=counts(self.view_status, ViewStatus.names()),
            sync_applied=bool(self.sync_applied),
            flagged_views=[int(v) for v in np.flatnonzero(self.view_flagged.any(axis=0))],
            **self._temporal_summary(),
            sessions=[self._session_summary(s) for s in range(len(self.session_ids))],
        )

    def _temporal_summary(self) -> dict:
        """Whether and over which window the labels were smoothed over time, with a sentence
        saying so (empty for labels without these fields)."""
        if self.smoothing_window_frames is None:
            return {}
        fps = None if not np.isfinite(self.fps) else float(self.fps)
        frames = int(self.smoothing_window_frames)
        if frames > 1:
            note = (f'labels smoothed over time: {frames} frames ({frames / fps:.3g} s at '
                    f'{fps:g} fps), polynomial degree {self.smoothing_order}, inside each take')
        elif fps is None:
            note = ("labels not smoothed over time: the frame rate is unknown (give --fps, or "
                    "'fps' in the keypoints file)")
        elif not _pooled(self.mode):
            note = (f'labels not smoothed over time: {self.mode} mode (every frame has its own '
                    'cameras)')
        else:
            note = (f'labels not smoothed over time: at {fps:g} fps the window '
                    '(--smoothing-window-s) is 0 or holds no more frames than the polynomial '
                    'has coefficients')
        return dict(temporal=dict(fps=fps, window_frames=frames,
                                  window_s=None if fps is None or frames == 1 else frames / fps,
                                  order=int(self.smoothing_order), note=note))

    def _focal_summary(self, index: int, view: int) -> dict:
        """Whether the detections determine a view's focal, and its uncertainty when refined
        (empty for labels without these arrays)."""
        if self.focal_determined is None:
            return {}
        sigma = float(self.focal_sigma_px[index, view])
        return dict(focal_determined=bool(self.focal_determined[index, view]),
                    focal_sigma_px=None if not np.isfinite(sigma) else round(sigma, 3))

    def _sync_summary(self, index: int, view: int) -> dict:
        """How sure the offset of a view is: its error at every candidate offset, the lowest
        candidate and the evidence against offset 0 (empty when not estimated)."""
        if self.sync_error_px is None or not np.isfinite(self.sync_error_px[index, view]).any():
            return {}
        curve = self.sync_error_px[index, view]
        candidates = np.arange(len(curve)) - len(curve) // 2
        evidence = float(self.sync_evidence[index, view])
        return dict(sync_error_px={int(d): None if not np.isfinite(c) else round(float(c), 3)
                                   for d, c in zip(candidates, curve)},
                    sync_lowest=int(candidates[np.nanargmin(curve)]),
                    sync_evidence=None if np.isnan(evidence) else round(evidence, 2))

    def _session_summary(self, index: int) -> dict:
        """Views, frames, thresholds and rig changes of the ``index``-th session."""

        def number(value):
            return None if not np.isfinite(value) else round(float(value), 3)

        frames = np.flatnonzero(self.session == self.session_ids[index])
        view_status = self.view_status[frames]
        views = [
            dict(view=v, status=str(ViewStatus(int(np.bincount(view_status[:, v]).argmax())))
                 if len(frames) else str(ViewStatus.OK),
                 error_px=number(self.view_error_px[index, v]),
                 bad_fraction=number(self.view_bad_fraction[index, v]),
                 used_fraction=number(self.frame_view_used[frames, v].mean())
                 if len(frames) else None,
                 inlier_ratio=number(np.nanmedian(self.view_inlier_ratio[frames, v]))
                 if len(frames) else None,
                 swapped_frames=int((self.swapped[frames, v] > 0).sum()),
                 sync_offset=int(self.sync_offset[index, v]),
                 **self._sync_summary(index, v),
                 focal_px=number(self.focal[index, v]),
                 **self._focal_summary(index, v),
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


def _pooled(mode: str) -> bool:
    """Whether a label mode estimates one rig per session (unknown modes: True)."""
    from .label_modes import LABEL_MODES          # the registry sits above this module
    return getattr(LABEL_MODES.get(mode), 'pooled', True)


def combine_sessions(parts, session, session_ids, num_frames, reference_view, mode,
                     sync_applied) -> PseudoLabels:
    """One :class:`PseudoLabels` from the sessions' labels.

    Args:
        parts: [(frame indices (F_s,) into the file, PseudoLabels of those frames)].
        session: (F,) every frame's session; session_ids: (S,) in the order of ``parts``.
    """
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
    return PseudoLabels(reference_view=reference_view, mode=mode, sync_applied=sync_applied,
                        session=session, session_ids=session_ids,
                        **arrays)
