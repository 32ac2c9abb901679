"""Temporal smoothing of triangulated joints inside each continuous stretch of a recording.

The detector's 2D noise is independent from frame to frame, while a joint moves smoothly: a
local polynomial fit of each joint's trajectory over a short window (Savitzky-Golay) removes
most of the noise of the triangulated labels and keeps the motion. The fit never reaches
across a *segment* boundary (two takes, or a change of the labels' unit), nor across a frame
where the joint is not valid: each run of consecutive valid frames of a joint inside one
segment is smoothed on its own.

Convention:
    Frames are the rows of the labels in recording order; consecutive rows of one segment are
    consecutive instants ``1 / fps`` seconds apart. The window of ``window_frames`` = 2 h + 1
    frames is centred on the frame (``window_frames_of``: the frames within half the window in
    seconds). Near the ends of a run the window slides inside the run (the polynomial of the
    run's first or last ``window_frames`` frames, evaluated at the frame, as
    ``scipy.signal.savgol_filter(mode='interp')``); a run shorter than the window is fitted
    whole, with a polynomial of degree at most its length - 1 (a run of one frame stays as it
    is).
"""
from typing import Optional

import numpy as np
from scipy.signal import savgol_coeffs


def window_frames_of(window_s: float, fps: Optional[float]) -> int:
    """The odd number of frames 2 h + 1 within +-``window_s`` / 2 seconds of a frame, at ``fps``
    frames per second (h = floor(window_s * fps / 2)); 1 (no smoothing) when ``fps`` is None."""
    if fps is None or not window_s > 0:
        return 1
    return 2 * int(np.floor(window_s * fps / 2 + 1e-9)) + 1


def smooth_trajectories(points: np.ndarray, valid: np.ndarray, window_frames: int,
                        order: int = 2, segment: Optional[np.ndarray] = None) -> np.ndarray:
    """Savitzky-Golay smoothing of every joint's trajectory, run by run (see the module).

    Args:
        points: (F, J, D) float, e.g. (F, J, 3) labels in any unit that is the same for every
            frame of a segment; values where ``valid`` is False are ignored.
        valid: (F, J) bool, the joints that may be used (and are smoothed).
        window_frames: odd number of frames of the window, >= 1 (1: no smoothing).
        order: degree of the local polynomial, >= 0 (2: a constant acceleration over the
            window; a polynomial motion of this degree is reproduced exactly).
        segment: optional (F,) int; consecutive frames with different values are never mixed
            (the take of each frame, or any change of unit). None: one segment.

    Returns:
        (F, J, D) float64: the smoothed points where ``valid``, NaN elsewhere.
    """
    points = np.asarray(points, np.float64)
    valid = np.asarray(valid, bool)
    if points.ndim != 3 or valid.shape != points.shape[:2]:
        raise ValueError(f'points must be (F, J, D) and valid (F, J), got {points.shape} and '
                         f'{valid.shape}')
    if int(window_frames) != window_frames or window_frames < 1 or window_frames % 2 == 0:
        raise ValueError(f'window_frames must be an odd integer >= 1, got {window_frames}')
    if int(order) != order or order < 0:
        raise ValueError(f'order must be an integer >= 0, got {order}')
    num_frames = len(points)
    if segment is not None:
        segment = np.asarray(segment)
        if segment.shape != (num_frames, ):
            raise ValueError(f'segment must have shape ({num_frames},), got {segment.shape}')
    valid = valid & np.isfinite(points).all(axis=-1)
    out = np.where(valid[..., None], points, np.nan)
    if window_frames == 1 or num_frames == 0:
        return out
    start, stop = _runs(valid, segment)                                   # (F, J) each
    window = np.minimum(stop - start, window_frames)                      # m: frames fitted
    half = window_frames // 2
    first = np.clip(np.arange(num_frames)[:, None] - half, start, stop - window)
    position = np.arange(num_frames)[:, None] - first                     # in [0, m)
    table = _coefficient_table(window_frames, order)       # (w + 1, w, w): [m, position, k]
    filled = np.where(valid[..., None], points, 0.0)
    joints = np.arange(points.shape[1])
    smoothed = np.zeros_like(filled)
    m, p = np.where(valid, window, 0), np.where(valid, position, 0)
    for k in range(window_frames):     # w passes over (F, J, D) instead of an (F, J, w, D) array
        rows = np.minimum(first + k, num_frames - 1)
        smoothed += table[m, p, k][..., None] * filled[rows, joints]
    return np.where(valid[..., None], smoothed, np.nan)


def _runs(valid: np.ndarray, segment: Optional[np.ndarray]):
    """First frame and one past the last frame (F, J) of the run of consecutive valid frames
    (inside one segment) that each valid joint belongs to; arbitrary where not valid."""
    num_frames = len(valid)
    frames = np.arange(num_frames)[:, None]
    joined = np.zeros_like(valid)             # frame f continues frame f - 1's run
    joined[1:] = valid[1:] & valid[:-1]
    if segment is not None:
        joined[1:] &= (segment[1:] == segment[:-1])[:, None]
    begins = valid & ~joined
    ends = np.zeros_like(valid)
    ends[:-1] = valid[:-1] & ~joined[1:]
    ends[-1] = valid[-1]
    start = np.maximum.accumulate(np.where(begins, frames, 0), axis=0)
    stop = np.minimum.accumulate(np.where(ends, frames + 1, num_frames)[::-1], axis=0)[::-1]
    return start, stop


def _coefficient_table(window_frames: int, order: int) -> np.ndarray:
    """(w + 1, w, w): entry [m, p, k] weights frame k of an m-frame window to give the value of
    the least-squares polynomial (degree min(order, m - 1)) at frame p of the window (SciPy's
    ``savgol_coeffs(m, ..., pos=p, use='dot')``; zero for k >= m).

    SciPy's ``savgol_filter`` needs one contiguous signal at least a window long and fills its
    edges itself; a trajectory with gaps and take boundaries has runs of every length and edges
    inside the array, so the windows are placed here and only the weights come from SciPy.
    """
    table = np.zeros((window_frames + 1, window_frames, window_frames))
    for m in range(1, window_frames + 1):
        for p in range(m):
            table[m, p, :m] = savgol_coeffs(m, min(order, m - 1), pos=p, use='dot')
    return table
