"""Batched, confidence-weighted multi-view DLT triangulation with outlier-view rejection.

Convention:
    Points are undistorted normalized coordinates. ``projections[..., v, :, :]`` is the (3, 4)
    matrix ``[R_v | t_v]`` of view v mapping reference-frame points to view v's camera frame
    (no intrinsics: they were removed with the normalization). The triangulated points are in
    the reference frame, in the unit of the translations.

OpenCV's ``triangulatePoints`` handles two views and one problem per call; a dataset has
F x J problems over V views, so the weighted DLT is written here as one batched eigen-solve.
"""
from typing import Tuple

import numpy as np


def triangulate_dlt(points: np.ndarray, projections: np.ndarray,
                    weights: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Weighted linear (DLT) triangulation of many points seen by V views.

    Args:
        points: (..., V, 2) normalized coordinates; entries with weight 0 may be NaN.
        projections: (..., V, 3, 4) camera matrices ``[R | t]``, broadcastable to ``points``'s
            leading shape (e.g. (V, 3, 4) for a static rig).
        weights: (..., V) non-negative per-view weights (confidences); 0 drops a view.

    Returns:
        points_3d: (..., 3) in the reference frame; NaN where invalid.
        valid: (...,) bool: at least two views with positive weight, finite, and in front of
            every view used (positive depth).
    """
    points = np.asarray(points, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    projections = np.asarray(projections, dtype=np.float64)
    if points.shape[-1] != 2 or weights.shape != points.shape[:-1]:
        raise ValueError(f'points must be (..., V, 2) and weights (..., V); got '
                         f'{points.shape} and {weights.shape}')
    if projections.shape[-2:] != (3, 4):
        raise ValueError(f'projections must be (..., V, 3, 4), got {projections.shape}')
    used = (weights > 0) & np.all(np.isfinite(points), axis=-1)
    w = np.where(used, weights, 0.0)
    safe = np.where(used[..., None], points, 0.0)
    # Rows  w * (x * P_2 - P_0)  and  w * (y * P_2 - P_1)  for every view.
    row_x = w[..., None] * (safe[..., 0:1] * projections[..., 2, :] - projections[..., 0, :])
    row_y = w[..., None] * (safe[..., 1:2] * projections[..., 2, :] - projections[..., 1, :])
    design = np.concatenate([row_x, row_y], axis=-2)                     # (..., 2V, 4)
    normal = np.swapaxes(design, -1, -2) @ design                        # (..., 4, 4)
    _, vectors = np.linalg.eigh(normal)
    homogeneous = vectors[..., :, 0]                                     # smallest eigenvalue
    scale = homogeneous[..., 3:4]
    with np.errstate(divide='ignore', invalid='ignore'):
        points_3d = homogeneous[..., :3] / scale
    depths = _depths(points_3d, projections)
    valid = ((used.sum(axis=-1) >= 2) & np.all(np.isfinite(points_3d), axis=-1)
             & (np.abs(scale[..., 0]) > 1e-12) & np.all((depths > 0) | ~used, axis=-1))
    points_3d = np.where(valid[..., None], points_3d, np.nan)
    return points_3d, valid


def _depths(points_3d: np.ndarray, projections: np.ndarray) -> np.ndarray:
    """(..., V) depth of (..., 3) points in each view."""
    return (np.einsum('...vk,...k->...v', projections[..., 2, :3], points_3d) +
            projections[..., 2, 3])


def reprojection_errors(points_3d: np.ndarray, points: np.ndarray,
                        projections: np.ndarray) -> np.ndarray:
    """Distance in normalized units between each view's observation and the reprojection.

    Args:
        points_3d: (..., 3) reference-frame points.
        points: (..., V, 2) normalized observations.
        projections: (..., V, 3, 4) broadcastable camera matrices.

    Returns:
        (..., V) errors; NaN where the point or the observation is NaN.
    """
    homogeneous = np.concatenate([points_3d, np.ones(points_3d.shape[:-1] + (1, ))], axis=-1)
    projected = np.einsum('...vij,...j->...vi', projections, homogeneous)
    with np.errstate(divide='ignore', invalid='ignore'):
        projected = projected[..., :2] / projected[..., 2:3]
    return np.linalg.norm(projected - points, axis=-1)


def triangulate_robust(points: np.ndarray, projections: np.ndarray, weights: np.ndarray,
                       outlier_threshold: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """DLT triangulation that drops a point's worst view while its reprojection is bad.

    A point whose largest reprojection error exceeds ``outlier_threshold`` loses that view and is
    triangulated again, as long as two views remain; a two-view point still above the
    threshold is invalid (two views cannot tell which observation is wrong).

    Args:
        points, projections, weights: as in :func:`triangulate_dlt`.
        outlier_threshold: largest accepted reprojection error, normalized units (pixels / focal).

    Returns:
        points_3d: (..., 3), NaN where invalid.
        valid: (...,) bool.
        weights: (..., V) the weights finally used (0 for rejected views).
    """
    batch_shape = points.shape[:-2]
    num_views = points.shape[-2]
    points = points.reshape((-1, num_views, 2))
    projections = np.broadcast_to(projections, batch_shape + projections.shape[-3:])
    projections = projections.reshape((-1, num_views, 3, 4))
    weights = np.where(np.all(np.isfinite(points), axis=-1),
                       np.asarray(weights, np.float64).reshape((-1, num_views)), 0.0)
    points_3d, valid = triangulate_dlt(points, projections, weights)
    todo = np.arange(len(points))          # only points whose weights changed are redone
    for _ in range(max(num_views - 2, 0)):
        errors = reprojection_errors(points_3d[todo], points[todo], projections[todo])
        errors = np.where(weights[todo] > 0, np.nan_to_num(errors, nan=np.inf), -1.0)
        worst = np.argmax(errors, axis=-1)
        too_far = errors[np.arange(len(todo)), worst] > outlier_threshold
        droppable = too_far & ((weights[todo] > 0).sum(axis=-1) > 2)
        todo = todo[droppable]
        if not len(todo):
            break
        weights[todo, worst[droppable]] = 0.0
        points_3d[todo], valid[todo] = triangulate_dlt(points[todo], projections[todo],
                                                       weights[todo])
    errors = np.where(weights > 0, reprojection_errors(points_3d, points, projections), 0.0)
    valid &= np.all(np.nan_to_num(errors, nan=np.inf) <= outlier_threshold, axis=-1)
    points_3d[~valid] = np.nan
    return (points_3d.reshape(batch_shape + (3, )), valid.reshape(batch_shape),
            weights.reshape(batch_shape + (num_views, )))


def triangulation_angle_deg(points_3d: np.ndarray, projections: np.ndarray,
                            weights: np.ndarray) -> np.ndarray:
    """Largest angle in degrees, folded to [0, 90], between the rays of two views of a point.

    Args:
        points_3d: (..., 3) reference frame. projections: (..., V, 3, 4) ``[R | t]``.
        weights: (..., V); views with weight 0 are ignored.

    Returns:
        (...,) angles; 0 for fewer than two views (or NaN points).
    """
    rotations, translations = projections[..., :3], projections[..., 3]
    centres = -np.einsum('...vji,...vj->...vi', rotations, translations)    # R^T t
    rays = points_3d[..., None, :] - centres
    rays /= np.maximum(np.linalg.norm(rays, axis=-1, keepdims=True), 1e-300)
    best = np.zeros(points_3d.shape[:-1])
    num_views = weights.shape[-1]
    for a in range(num_views):
        for b in range(a + 1, num_views):
            sine = np.linalg.norm(np.cross(rays[..., a, :], rays[..., b, :]), axis=-1)
            sine = np.where((weights[..., a] > 0) & (weights[..., b] > 0), sine, 0.0)
            best = np.maximum(best, np.nan_to_num(sine))
    return np.degrees(np.arcsin(np.clip(best, 0.0, 1.0)))
