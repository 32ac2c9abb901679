"""Medians that skip NaN, fast over a short axis of a large array.

``np.nanmedian`` along a short axis of a large array (the 17 joints of each of 10,000s of
frames) takes a slow generic path; sorting once (NaN sorts last) and averaging the middle finite
values gives the same numbers much faster.
"""
import numpy as np


def nan_median(values: np.ndarray, axis: int) -> np.ndarray:
    """Median over ``axis`` ignoring NaN; NaN where a slice has no finite value (no warning).

    Args:
        values: float array. axis: the axis to reduce.

    Returns:
        ``values`` without ``axis``: equal to ``np.nanmedian(values, axis)``.
    """
    ordered = np.sort(np.moveaxis(values, axis, -1), axis=-1)     # NaN last
    count = np.sum(~np.isnan(ordered), axis=-1)
    low = np.maximum((count - 1) // 2, 0)[..., None]
    high = np.maximum(count // 2, 0)[..., None]
    middle = 0.5 * (np.take_along_axis(ordered, low, -1) + np.take_along_axis(ordered, high, -1))
    return np.where(count > 0, middle[..., 0], np.nan)
