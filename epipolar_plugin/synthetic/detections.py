"""A documented error model of 2D keypoint detectors, applied to clean projections."""
from dataclasses import dataclass

import numpy as np


@dataclass
class DetectionNoise:
    """What a 2D detector does to the true 2D joints (pixels).

    Attributes:
        pixel_sigma: Gaussian noise on every coordinate, pixels.
        outlier_fraction: joints moved 20-100 px in a random direction (a detector's gross
            errors), still with a plausible score of 0.3-0.9.
        low_confidence_fraction: joints with a score below 0.3 and three times the noise
            (occluded joints).
        missing_view_fraction: (view, frame) pairs with no detection: NaN, score 0.
    """
    pixel_sigma: float = 3.0
    outlier_fraction: float = 0.03
    low_confidence_fraction: float = 0.05
    missing_view_fraction: float = 0.01


def simulate_detections(clean: np.ndarray, noise: DetectionNoise = DetectionNoise(),
                        seed: int = 0) -> np.ndarray:
    """Noisy "detected" keypoints with scores.

    Args:
        clean: (V, F, J, 2) true projections in pixels.
        noise: the error model.
        seed: the result is a deterministic function of the seed.

    Returns:
        (V, F, J, 3) x, y pixels and score in [0, 1]; NaN with score 0 where missing.
    """
    rng = np.random.default_rng(seed)
    shape = clean.shape[:-1]
    points = clean + rng.normal(0.0, noise.pixel_sigma, clean.shape)
    scores = rng.uniform(0.6, 1.0, shape)

    low = rng.random(shape) < noise.low_confidence_fraction
    points[low] += rng.normal(0.0, 2 * noise.pixel_sigma, (low.sum(), 2))
    scores[low] = rng.uniform(0.0, 0.3, low.sum())

    outlier = (rng.random(shape) < noise.outlier_fraction) & ~low
    angle = rng.uniform(0, 2 * np.pi, outlier.sum())
    radius = rng.uniform(20.0, 100.0, outlier.sum())
    points[outlier] += np.stack([np.cos(angle), np.sin(angle)], axis=1) * radius[:, None]
    scores[outlier] = rng.uniform(0.3, 0.9, outlier.sum())

    missing = rng.random(shape[:2]) < noise.missing_view_fraction
    points[missing] = np.nan
    scores[missing] = 0.0
    return np.concatenate([points, scores[..., None]], axis=-1)
