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

import numpy as np

from .relative_pose import (essential_from_pose, estimate_relative_pose,
                            signed_sampson_error)

MAD_TO_SIGMA = 1.4826


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
    best = np.nan
    for first, second in itertools.combinations(range(len(normalized)), 2):
        common = (confident[first] & confident[second]).reshape(-1)
        points_first = normalized[first].reshape(-1, 2)[common]
        points_second = normalized[second].reshape(-1, 2)[common]
        if len(points_first) < min_points:
            continue
        if len(points_first) > max_points:
            pick = rng.choice(len(points_first), max_points, replace=False)
            points_first, points_second = points_first[pick], points_second[pick]
        pose = estimate_relative_pose(points_first, points_second, threshold=threshold,
                                      seed=seed)
        if not pose.ok or min(pose.parallax_deg, 180.0 - pose.parallax_deg) < min_angle_deg:
            continue
        errors = signed_sampson_error(essential_from_pose(pose.rotation, pose.translation),
                                      points_first, points_second)
        sigma = MAD_TO_SIGMA * float(np.median(np.abs(errors)))
        best = sigma if not np.isfinite(best) else min(best, sigma)
    return best
