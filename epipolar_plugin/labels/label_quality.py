"""Quality scores of pseudo labels: how well they reproject into every view, and where not.

Computed from the labels and the detections only (no ground truth), so they are available on
real captures: per (frame, view) the median reprojection error, per view the fraction of bad
frames and a flag, per frame the error over the views used, and stretches of frames that fit
the rig much worse than the rest (a camera moved between recordings?).
"""
import warnings

import numpy as np

from .statuses import FrameStatus
from ..geometry.statistics import nan_median


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


def reprojection_quality(label_errors, confident, has_pose, used, focal, threshold_px,
                         flag_fraction):
    """Reprojection-based quality scores of the labels and each view's fraction of confident
    joints within ``threshold_px`` of the labels.

    Args:
        label_errors: (F, J, V) distances between the detections and the labels' projections,
            normalized units (NaN where a label is invalid).
        confident: (V, F, J). has_pose, used: (F, V) bool.
        focal: (V,) pixels. threshold_px: the outlier threshold. flag_fraction: a view with
            more bad frames than this is flagged.

    Returns:
        dict of ``frame_view_error_px`` (F, V), ``frame_error_px`` (F,), ``view_error_px`` (V,),
        ``view_bad_fraction`` (V,), ``view_flagged`` (V,) (see
        :class:`.label_result.PseudoLabels`) and the (V,) consistent fractions.
    """
    errors = label_errors * focal                                                       # (F, J, V)
    errors = np.where(np.moveaxis(confident, 0, 2) & has_pose[:, None], errors, np.nan)
    frame_view = nan_median(errors, axis=1)                                             # (F, V)
    frame = nan_median(np.where(used, frame_view, np.nan), axis=1)
    with warnings.catch_warnings():   # views without any joint stay NaN
        warnings.simplefilter('ignore', RuntimeWarning)
        view = np.nanmedian(frame_view, axis=0)
    detected = np.isfinite(frame_view)
    bad_fraction = (frame_view > threshold_px).sum(axis=0) / np.maximum(detected.sum(axis=0), 1)
    flagged = ~has_pose.any(axis=0) | (bad_fraction > flag_fraction)
    seen = np.isfinite(errors)
    consistent = (seen & (errors <= threshold_px)).sum(axis=(0, 1)) / np.maximum(
        seen.sum(axis=(0, 1)), 1)
    return dict(frame_view_error_px=frame_view, frame_error_px=frame, view_error_px=view,
                view_bad_fraction=bad_fraction, view_flagged=flagged), consistent


def frame_failure(view_status: np.ndarray, reference_view: int) -> FrameStatus:
    """A failed frame's status: the most advanced failure among its views (the codes are
    ordered by pipeline stage), the one that tells the user the most.

    Args:
        view_status: (V,) :class:`.statuses.ViewStatus` codes of the frame.
    """
    codes = [int(c) for v, c in enumerate(view_status) if v != reference_view]
    return FrameStatus(max(codes))
