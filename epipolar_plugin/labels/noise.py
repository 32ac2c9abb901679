"""The detector's noise, measured from the 2D poses themselves (no ground truth).

Thresholds of the label pipeline must sit a few noise levels above the detector's error, and
that error differs between detectors and recordings (an off-the-shelf model on real footage
errs by 1-3 % of the person's size, a good one on studio footage by well under 1 %). In a
static rig the noise shows in the epipolar geometry of every view pair: the Sampson error of a
correspondence is, to first order, its distance to the epipolar constraint in the joint space
of both images, normally distributed with the per-coordinate noise's standard deviation when
both views have that noise. Its median absolute value over thousands of pooled joints, times
1.4826 (the normal distribution's MAD factor), estimates that deviation; the least noisy pair
that places points in depth is used, so a bad view or a pair of facing cameras (whose
epipoles lie on the subject: any correspondence fits them) does not decide it.
"""
import itertools
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .observations import person_size, spread_frames
from .parallel import thread_map
from ..geometry.relative_pose import (essential_from_pose, estimate_relative_pose,
                            signed_sampson_error)

MAD_TO_SIGMA = 1.4826
#: The noise is taken at least this fraction of the person's size (exact 2D, e.g. a dataset's
#: ground truth, would give no tolerance at all) ...
MIN_NOISE = 0.003
#: ... and this fraction where it cannot be measured (a single frame, too few joints).
DEFAULT_NOISE = 0.009
#: RANSAC threshold of the noise measurement's essential matrices, fraction of the person.
NOISE_PROBE_THRESHOLD = 0.05


@dataclass
class Thresholds:
    """The thresholds of one recording session, in pixels of the mean focal length.

    Attributes:
        noise: the detector's noise measured from the poses, normalized units; NaN when it
            could not be measured. person_size: (V,) :func:`.observations.person_size`.
        ransac_px: RANSAC inlier threshold (also the robust losses' scale).
        outlier_px: largest reprojection error of a label joint (also robust mode's gate).
    """
    noise: float
    person_size: np.ndarray
    ransac_px: float
    outlier_px: float


def session_thresholds(normalized: np.ndarray, confident: np.ndarray, focal: np.ndarray,
                       ransac_threshold: float, outlier_threshold: float,
                       ransac_threshold_px: Optional[float], outlier_threshold_px: Optional[float],
                       measure: bool, min_angle_deg: float, seed: int,
                       max_frames: int = 0) -> Thresholds:
    """Noise-relative thresholds (``ransac_threshold`` and ``outlier_threshold`` noise sigmas)
    in pixels, unless given in pixels.

    The noise is :func:`estimate_noise` (when ``measure``: a pooled rig), at least
    ``MIN_NOISE`` of the person's size, ``DEFAULT_NOISE`` of it where not measured; both are
    measured on at most ``max_frames`` frames, evenly spread (0: all).

    Args:
        normalized: (V, F, J, 2). confident: (V, F, J). focal: (V,) pixels.
    """
    frames = spread_frames(normalized.shape[1], max_frames)
    normalized, confident = normalized[:, frames], confident[:, frames]
    size = person_size(normalized, confident)                             # (V,) normalized
    # one size for the rig (thresholds are converted to normalized units with the mean
    # focal); a session without a person anywhere cannot be labelled anyway
    unit = float(np.nanmedian(size)) if np.isfinite(size).any() else 1.0
    noise = np.nan
    if measure:
        noise = estimate_noise(normalized, confident, NOISE_PROBE_THRESHOLD * unit,
                               min_angle_deg=min_angle_deg, seed=seed)
    sigma = max(noise, MIN_NOISE * unit) if np.isfinite(noise) else DEFAULT_NOISE * unit
    if ransac_threshold_px is None:
        ransac_threshold_px = ransac_threshold * sigma * focal.mean()
    if outlier_threshold_px is None:
        outlier_threshold_px = outlier_threshold * sigma * focal.mean()
    return Thresholds(noise, size, ransac_threshold_px, outlier_threshold_px)


def estimate_noise(normalized: np.ndarray, confident: np.ndarray, threshold: float,
                   min_angle_deg: float = 15.0, min_points: int = 200, max_points: int = 3000,
                   seed: int = 0) -> float:
    """Standard deviation of the detections' per-coordinate noise, normalized units.

    Args:
        normalized: (V, F, J, 2) undistorted normalized coordinates.
        confident: (V, F, J) bool, the joints to use.
        threshold: RANSAC threshold of the pairs' essential matrices (normalized units); set it
            generously (several times the expected noise): only the pose is kept, and the
            noise comes from the median of *all* the pair's correspondences.
        min_angle_deg: pairs whose median triangulation angle (folded to [0, 90]) is smaller
            are not used (facing cameras, pure rotations).
        min_points: pairs with fewer common joints are not used.
        max_points: a random subset of at most this many correspondences per pair.
        seed: seed of the subsets and of RANSAC.

    Returns:
        sigma >= 0, or NaN when no pair qualifies.
    """
    rng = np.random.default_rng(seed)
    samples = []
    for first, second in itertools.combinations(range(len(normalized)), 2):
        common = (confident[first] & confident[second]).reshape(-1)
        points_first = normalized[first].reshape(-1, 2)[common]
        points_second = normalized[second].reshape(-1, 2)[common]
        if len(points_first) < min_points:
            continue
        if len(points_first) > max_points:
            pick = rng.choice(len(points_first), max_points, replace=False)
            points_first, points_second = points_first[pick], points_second[pick]
        samples.append((points_first, points_second))

    def pair_noise(sample):
        points_first, points_second = sample
        pose = estimate_relative_pose(points_first, points_second, threshold=threshold,
                                      seed=seed)
        if not pose.ok or min(pose.parallax_deg, 180.0 - pose.parallax_deg) < min_angle_deg:
            return np.nan
        errors = signed_sampson_error(essential_from_pose(pose.rotation, pose.translation),
                                      points_first, points_second)
        return MAD_TO_SIGMA * float(np.median(np.abs(errors)))

    sigmas = [sigma for sigma in thread_map(pair_noise, samples) if np.isfinite(sigma)]
    return min(sigmas) if sigmas else np.nan
