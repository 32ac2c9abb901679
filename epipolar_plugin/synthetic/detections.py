"""A documented error model of 2D keypoint detectors, applied to clean projections."""
from dataclasses import dataclass, replace
from typing import Optional

import numpy as np


@dataclass
class DetectionNoise:
    """What a 2D detector does to the true 2D joints (pixels of a 1000-pixel-wide image).

    Attributes:
        pixel_sigma: Gaussian noise on every coordinate, pixels.
        outlier_fraction: joints moved ``outlier_radius`` pixels in a random direction (a
            detector's gross errors), still with a plausible score of 0.3-0.9.
        outlier_radius: (min, max) displacement of an outlier joint, pixels.
        low_confidence_fraction: joints chosen at random to get a score below 0.3 and twice the
            noise, in addition to the self-occluded joints passed to ``simulate_detections``,
            which are treated the same way.
        missing_view_fraction: (view, frame) pairs with no detection: NaN, score 0.

    Other scores are uniform in [0.6, 1.0]. Use :meth:`scaled` for other image sizes.
    """
    pixel_sigma: float = 3.0
    outlier_fraction: float = 0.03
    outlier_radius: tuple = (20.0, 100.0)
    low_confidence_fraction: float = 0.05
    missing_view_fraction: float = 0.01

    def scaled(self, factor: float) -> 'DetectionNoise':
        """The same model with pixel quantities multiplied by ``factor`` (image width / 1000)."""
        return replace(self, pixel_sigma=self.pixel_sigma * factor,
                       outlier_radius=tuple(r * factor for r in self.outlier_radius))


def simulate_detections(clean: np.ndarray, noise: DetectionNoise = DetectionNoise(),
                        seed: int = 0, occluded: Optional[np.ndarray] = None) -> np.ndarray:
    """Noisy "detected" keypoints with scores.

    Args:
        clean: (V, F, J, 2) true projections in pixels.
        noise: the error model.
        seed: the result is a deterministic function of the seed.
        occluded: optional (V, F, J) bool, joints hidden by the body: low score, twice the noise.

    Returns:
        (V, F, J, 3) x, y pixels and score in [0, 1]; NaN with score 0 where missing.
    """
    rng = np.random.default_rng(seed)
    shape = clean.shape[:-1]
    points = clean + rng.normal(0.0, noise.pixel_sigma, clean.shape)
    scores = rng.uniform(0.6, 1.0, shape)

    low = rng.random(shape) < noise.low_confidence_fraction
    if occluded is not None:
        if occluded.shape != shape:
            raise ValueError(f'occluded must have shape {shape}, got {occluded.shape}')
        low |= occluded
    points[low] += rng.normal(0.0, np.sqrt(3.0) * noise.pixel_sigma, (low.sum(), 2))  # total 2 sigma
    scores[low] = rng.uniform(0.0, 0.3, low.sum())

    outlier = (rng.random(shape) < noise.outlier_fraction) & ~low
    angle = rng.uniform(0, 2 * np.pi, outlier.sum())
    radius = rng.uniform(*noise.outlier_radius, outlier.sum())
    points[outlier] += np.stack([np.cos(angle), np.sin(angle)], axis=1) * radius[:, None]
    scores[outlier] = rng.uniform(0.3, 0.9, outlier.sum())

    missing = rng.random(shape[:2]) < noise.missing_view_fraction
    points[missing] = np.nan
    scores[missing] = 0.0
    return np.concatenate([points, scores[..., None]], axis=-1)
