"""The detections of all views as the label pipeline sees them, and the checks of its inputs.

Pixels of every view become undistorted normalized coordinates once (``K^-1 [u, v, 1]^T``);
a joint is *confident* when it is finite and its score reaches ``min_score``.
"""
import warnings
from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

from ..geometry.camera import pixel_to_normalized, refocus_normalized
from .parallel import thread_map
from ..geometry.statistics import finite_last


@dataclass
class Observations:
    """The 2D poses of V views, F frames, J joints.

    Attributes:
        normalized: (V, F, J, 2) undistorted normalized coordinates (NaN where missing).
        finite: (V, F, J) bool, the detection has finite coordinates and score.
        scores: (V, F, J) in [0, 1], 0 where not finite.
        confident: (V, F, J) bool, finite and ``score >= min_score`` (and > 0).
        intrinsics: optional (V, 3, 3) and distortion: optional (V, K), the camera model the
            normalized coordinates were computed with (:meth:`with_focal_scale` keeps them
            consistent with the pixels).
    """
    normalized: np.ndarray
    finite: np.ndarray
    scores: np.ndarray
    confident: np.ndarray
    intrinsics: Optional[np.ndarray] = None
    distortion: Optional[np.ndarray] = None

    @property
    def points(self) -> np.ndarray:
        """(F, J, V, 2): the triangulation functions' layout."""
        return np.moveaxis(self.normalized, 0, 2)

    def with_focal_scale(self, focal_scale: np.ndarray) -> 'Observations':
        """The observations seen with each view's focal length multiplied by (V,)
        ``focal_scale``: normalized coordinates divided by it, or, for a view with
        distortion, its pixels undistorted again with the new focal length
        (:func:`.camera.refocus_normalized`); the intrinsics follow."""
        focal_scale = np.asarray(focal_scale, np.float64)
        if self.distortion is None or not np.any(self.distortion):
            normalized = self.normalized / focal_scale[:, None, None, None]
        else:
            normalized = np.stack([
                self.normalized[v] if focal_scale[v] == 1 else refocus_normalized(
                    self.normalized[v], self.intrinsics[v], self.distortion[v], focal_scale[v])
                for v in range(len(focal_scale))])
        intrinsics = self.intrinsics
        if intrinsics is not None:
            intrinsics = intrinsics.copy()
            intrinsics[:, :2, :2] *= focal_scale[:, None, None]
        return replace(self, normalized=normalized, intrinsics=intrinsics)

    def select(self, frames: np.ndarray) -> 'Observations':
        """The observations of the given frame indices (F',)."""
        return replace(self, normalized=self.normalized[:, frames],
                       finite=self.finite[:, frames], scores=self.scores[:, frames],
                       confident=self.confident[:, frames])


def spread_frames(num_frames: int, max_frames: int) -> np.ndarray:
    """Indices of at most ``max_frames`` frames evenly spread over ``num_frames`` (all of them
    when ``max_frames`` is 0 or not smaller)."""
    if max_frames <= 0 or num_frames <= max_frames:
        return np.arange(num_frames)
    return np.unique(np.linspace(0, num_frames - 1, max_frames).round().astype(np.int64))


def observe(keypoints_2d: np.ndarray, intrinsics: np.ndarray,
            distortion: Optional[np.ndarray], min_score: float) -> Observations:
    """:class:`Observations` of (V, F, J, 3) pixel keypoints with (V, 3, 3) intrinsics and
    optional (V, K) OpenCV distortion."""
    normalized = np.stack(thread_map(
        lambda v: pixel_to_normalized(keypoints_2d[v, ..., :2], intrinsics[v],
                                      None if distortion is None else distortion[v]),
        range(len(keypoints_2d))))
    finite = finite_last(keypoints_2d)
    scores = np.where(finite, keypoints_2d[..., 2], 0.0)
    confident = finite & (scores >= min_score) & (scores > 0)
    return Observations(normalized, finite, scores, confident,
                        np.asarray(intrinsics, np.float64),
                        None if distortion is None else np.asarray(distortion, np.float64))


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
    chosen = confident[..., None]
    extent = (np.where(chosen, normalized, -np.inf).max(axis=2)
              - np.where(chosen, normalized, np.inf).min(axis=2))            # (V, F, 2)
    enough = confident.sum(axis=-1) >= min_joints                         # (V, F)
    diagonal = np.hypot(extent[..., 0], extent[..., 1])
    with warnings.catch_warnings():       # views without such a frame stay NaN
        warnings.simplefilter('ignore', RuntimeWarning)
        return np.nanmedian(np.where(enough, diagonal, np.nan), axis=1)


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
        return np.asarray(array, np.float64)      # float64 input: no copy

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


def check_session(session: Optional[np.ndarray], num_frames: int,
                  source: str = '') -> np.ndarray:
    """(F,) int64 session of every frame (zeros for None); errors name ``source``, the key
    and the value at fault."""
    if session is None:
        return np.zeros(num_frames, np.int64)
    prefix = f'{source}: ' if source else ''
    session = np.asarray(session)
    if session.shape != (num_frames, ):
        raise ValueError(f"{prefix}key 'session' must have shape (F,) = ({num_frames},), one "
                         f"integer per frame, got {session.shape}")
    if session.dtype.kind not in 'iu':
        bad = session if session.dtype.kind != 'f' else session[
            ~np.isfinite(session) | (session != np.round(session))]
        raise ValueError(f"{prefix}key 'session' must hold integers (one recording session "
                         f"per frame), got dtype {session.dtype}"
                         + (f', e.g. {bad[:3].tolist()}' if len(bad) else ''))
    return session.astype(np.int64)
