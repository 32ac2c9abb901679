"""Frame offsets of unsynchronized cameras, from the epipolar consistency of the 2D poses.

A view delayed by ``d`` frames shows in its frame ``f + d`` what the reference view shows in
frame ``f``. For every candidate ``d`` the pooled relative pose is estimated on the pairs
(reference frame f, view frame f + d) and scored by the median Sampson error in pixels; a moving
subject makes the true offset the clear minimum (a static subject makes every offset alike,
which the returned costs show).
"""
from typing import Tuple

import numpy as np

from .relative_pose import estimate_relative_pose, refine_relative_pose, sampson_distance
from .relative_pose import essential_from_pose


def shift_frames(array: np.ndarray, offsets: np.ndarray, fill=np.nan) -> np.ndarray:
    """Undo per-view delays: ``out[v, f] = array[v, f + offsets[v]]``, ``fill`` outside.

    Args:
        array: (V, F, ...) per-view, per-frame data.
        offsets: (V,) int frame delays.

    Returns:
        (V, F, ...) a new array.
    """
    out = np.full_like(array, fill)
    num_frames = array.shape[1]
    for view, offset in enumerate(np.asarray(offsets, dtype=np.int64)):
        source = np.arange(num_frames) + offset
        inside = (source >= 0) & (source < num_frames)
        out[view, inside] = array[view, source[inside]]
    return out


def estimate_frame_offsets(normalized: np.ndarray, confident: np.ndarray, reference_view: int,
                           focal: np.ndarray, max_offset: int = 5, threshold_px: float = 3.0,
                           max_points: int = 3000,
                           seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Each view's delay relative to the reference view, in frames.

    Args:
        normalized: (V, F, J, 2) normalized coordinates. confident: (V, F, J) bool.
        reference_view: the view whose timing is kept.
        focal: (V,) focal lengths, pixels (to express errors and thresholds in pixels).
        max_offset: offsets in ``[-max_offset, max_offset]`` are tried.
        threshold_px: the relative pose's RANSAC threshold, pixels.
        max_points: correspondences used per candidate offset (a random subset).
        seed: seed of the subsets.

    Returns:
        offsets: (V,) int, 0 for the reference view and for views without a usable pose.
        costs: (V, 2 * max_offset + 1) median Sampson error in pixels per candidate offset
            (NaN where no pose could be estimated).
    """
    num_views, num_frames = normalized.shape[:2]
    candidates = np.arange(-max_offset, max_offset + 1)
    costs = np.full((num_views, len(candidates)), np.nan)
    rng = np.random.default_rng(seed)
    for view in range(num_views):
        if view == reference_view:
            continue
        pixel_scale = 0.5 * (focal[reference_view] + focal[view])
        threshold = threshold_px / pixel_scale
        for k, offset in enumerate(candidates):
            frames = np.arange(max(0, -offset), min(num_frames, num_frames - offset))
            if len(frames) == 0:
                continue
            common = confident[reference_view, frames] & confident[view, frames + offset]
            points_ref = normalized[reference_view, frames][common]
            points_view = normalized[view, frames + offset][common]
            if len(points_ref) > max_points:
                pick = rng.choice(len(points_ref), max_points, replace=False)
                points_ref, points_view = points_ref[pick], points_view[pick]
            pose = estimate_relative_pose(points_ref, points_view, threshold=threshold, seed=seed)
            pose = refine_relative_pose(pose, points_ref, points_view, threshold=threshold,
                                        loss_scale=threshold, seed=seed)
            if not pose.ok:
                continue
            essential = essential_from_pose(pose.rotation, pose.translation)
            errors = np.sqrt(sampson_distance(essential, points_ref, points_view))
            costs[view, k] = float(np.median(errors)) * pixel_scale
    offsets = np.zeros(num_views, dtype=np.int64)
    for view in range(num_views):
        if np.isfinite(costs[view]).any():
            offsets[view] = candidates[np.nanargmin(costs[view])]
    return offsets, costs
