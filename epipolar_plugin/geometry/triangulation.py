"""Batched, confidence-weighted multi-view DLT triangulation with outlier-view rejection.

Convention:
    Points are undistorted normalized coordinates. ``projections[..., v, :, :]`` is the (3, 4)
    matrix ``[R_v | t_v]`` of view v mapping reference-frame points to view v's camera frame
    (no intrinsics: they were removed with the normalization). The triangulated points are in
    the reference frame, in the unit of the translations.

OpenCV's ``triangulatePoints`` handles two views and one problem per call; a dataset has
F x J problems over V views, so the weighted DLT is written here as one batched closed-form
solve.
"""
from typing import Tuple

import numpy as np

from .statistics import all_last, finite_last, sum_last

#: A view agrees *clearly* with a triangulated point when its reprojection error is within this
#: fraction of the outlier threshold. Robust mode tries no alternative (no other pair of views,
#: no exchanged left/right joints) for a frame whose views all agree clearly: the margin covers
#: a wrong view whose error the least squares spread over the others, which can pass the full
#: threshold (two left/right joints close in one view, a camera facing another).
CLEAR_AGREEMENT = 0.5


def triangulate_dlt(points: np.ndarray, projections: np.ndarray,
                    weights: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Weighted linear (DLT) triangulation of many points seen by V views.

    Each view contributes the rows ``w (x P_2 - P_0)`` and ``w (y P_2 - P_1)``; the point
    minimizes the rows' squared residuals with its homogeneous coordinate fixed to 1 (the 3 x 3
    normal equations, solved in closed form: a batched eigen-solve of the 4 x 4 homogeneous
    system costs ten times as much, and the points are at finite depth in front of the rig).

    Args:
        points: (..., V, 2) normalized coordinates; entries with weight 0 may be NaN.
        projections: (..., V, 3, 4) camera matrices ``[R | t]``, broadcastable to ``points``'s
            leading shape (e.g. (V, 3, 4) for a static rig, the fast path).
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
    used = (weights > 0) & finite_last(points)
    squared = np.where(used, weights, 0.0) ** 2                               # (..., V)
    x = np.where(used, points[..., 0], 0.0)
    y = np.where(used, points[..., 1], 0.0)
    points_3d, determinant = _solve_normal(_normal_equations(x, y, squared, projections))
    depths = view_depths(points_3d, projections)
    valid = ((sum_last(used) >= 2) & finite_last(points_3d) & (determinant > 0)
             & all_last((depths > 0) | ~used))
    points_3d = np.where(valid[..., None], points_3d, np.nan)
    return points_3d, valid


#: The entries of the 4 x 4 normal matrix the solve needs: the symmetric 3 x 3 block's upper
#: triangle (a, b, c, d, e, f) and the last column's first three.
_NORMAL_ENTRIES = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2), (0, 3), (1, 3), (2, 3))


def _normal_equations(x, y, squared, projections):
    """(9, ...) entries ``_NORMAL_ENTRIES`` of ``sum_v w^2 [(x p2 - p0)(x p2 - p0)^T +
    (y p2 - p1)(y p2 - p1)^T]``, each a contiguous (...) array.

    Expanded in the per-view constants ``p2 p2^T``, ``p2 p0^T + p0 p2^T``, ... so that a static
    rig ((V, 3, 4) projections) needs one (9, 4V) x (4V, N) matrix product.
    """
    p0, p1, p2 = projections[..., 0, :], projections[..., 1, :], projections[..., 2, :]
    outer = lambda a, b: a[..., :, None] * b[..., None, :]                   # noqa: E731
    constants = (outer(p2, p2), outer(p2, p0) + outer(p0, p2), outer(p2, p1) + outer(p1, p2),
                 outer(p0, p0) + outer(p1, p1))                               # each (..., V, 4, 4)
    rows, columns = np.array(_NORMAL_ENTRIES).T
    if projections.ndim == 3:             # a static rig: one matrix product over the views
        num_views = projections.shape[0]
        stacked = np.empty((4, num_views) + x.shape[:-1])
        for factor, values in zip(stacked, (squared * (x * x + y * y), -squared * x,
                                            -squared * y, squared)):
            factor[...] = np.moveaxis(values, -1, 0)
        table = np.stack([c[:, rows, columns] for c in constants])           # (4, V, 9)
        return (table.reshape(4 * num_views, 9).T @ stacked.reshape(4 * num_views, -1)
                ).reshape((9, ) + x.shape[:-1])
    factors = (squared * (x * x + y * y), -squared * x, -squared * y, squared)  # each (..., V)
    normal = sum(np.einsum('...v,...vij->...ij', f, c) for f, c in zip(factors, constants))
    return np.moveaxis(normal[..., rows, columns], -1, 0)


def _solve_normal(entries):
    """Points (..., 3) solving ``A X = -b`` (A the symmetric top-left 3 x 3 of the normal
    matrix, b its last column; (9, ...) ``entries`` as :func:`_normal_equations`) by Cramer's
    rule, and ``det(A)`` relative to its scale (<= 0: degenerate)."""
    a, b, c, d, e, f = entries[:6]
    r0, r1, r2 = -entries[6], -entries[7], -entries[8]
    cofactor_a, cofactor_b, cofactor_c = d * f - e * e, c * e - b * f, b * e - c * d
    determinant = a * cofactor_a + b * cofactor_b + c * cofactor_c
    scale = (a + d + f) ** 3
    with np.errstate(divide='ignore', invalid='ignore'):
        inverse = 1.0 / determinant
        points = np.stack([
            (cofactor_a * r0 + cofactor_b * r1 + cofactor_c * r2),
            (cofactor_b * r0 + (a * f - c * c) * r1 + (b * c - a * e) * r2),
            (cofactor_c * r0 + (b * c - a * e) * r1 + (a * d - b * b) * r2),
        ], axis=-1) * inverse[..., None]
        relative = np.where(scale > 0, determinant / scale, 0.0)
    return points, np.where(relative > 1e-12, relative, 0.0)


def view_depths(points_3d: np.ndarray, projections: np.ndarray) -> np.ndarray:
    """(..., V) depth of (..., 3) points in each view."""
    if projections.ndim == 3:
        with np.errstate(invalid='ignore'):       # NaN points stay NaN
            return points_3d @ projections[:, 2, :3].T + projections[:, 2, 3]
    return (np.einsum('...vk,...k->...v', projections[..., 2, :3], points_3d) +
            projections[..., 2, 3])


def project_to_views(points_3d: np.ndarray, projections: np.ndarray) -> np.ndarray:
    """(..., V, 2) normalized projections of (..., 3) reference-frame points into every view
    (``projections`` (V, 3, 4) for a static rig, else (..., V, 3, 4) broadcastable)."""
    if projections.ndim == 3:             # a static rig: one matrix product
        num_views = projections.shape[0]
        with np.errstate(invalid='ignore'):   # NaN points stay NaN
            projected = (points_3d.reshape(-1, 3) @ projections[..., :3].reshape(-1, 3).T
                         + projections[..., 3].reshape(-1)).reshape(points_3d.shape[:-1]
                                                                    + (num_views, 3))
    else:
        homogeneous = np.concatenate([points_3d, np.ones(points_3d.shape[:-1] + (1, ))],
                                     axis=-1)
        projected = np.einsum('...vij,...j->...vi', projections, homogeneous)
    with np.errstate(divide='ignore', invalid='ignore'):
        return projected[..., :2] / projected[..., 2:3]


def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(...,) Euclidean distances of (..., 2) points."""
    difference = a - b
    return np.sqrt(np.einsum('...i,...i->...', difference, difference))


def reprojection_errors(points_3d: np.ndarray, points: np.ndarray,
                        projections: np.ndarray) -> np.ndarray:
    """Distance in normalized units between each view's observation and the reprojection.

    Args:
        points_3d: (..., 3) reference-frame points.
        points: (..., V, 2) normalized observations.
        projections: (..., V, 3, 4) broadcastable camera matrices, or (V, 3, 4).

    Returns:
        (..., V) errors; NaN where the point or the observation is NaN.
    """
    return distances(project_to_views(points_3d, projections), points)


def triangulate_robust(points: np.ndarray, projections: np.ndarray, weights: np.ndarray,
                       outlier_threshold: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """DLT triangulation that drops a point's worst view while its reprojection is bad.

    A point whose largest reprojection error exceeds ``outlier_threshold`` loses that view and
    is triangulated again, as long as two views remain; a two-view point still above the
    threshold is invalid (two views cannot tell which observation is wrong).

    Args:
        points, projections, weights: as in :func:`triangulate_dlt`.
        outlier_threshold: largest accepted reprojection error, normalized units (pixels / focal).

    Returns:
        points_3d: (..., 3), NaN where invalid.
        valid: (...,) bool.
        weights: (..., V) the weights finally used (0 for rejected views).
    """
    return robust_triangulation_errors(points, projections, weights, outlier_threshold)[:3]


def robust_triangulation_errors(points: np.ndarray, projections: np.ndarray,
                                weights: np.ndarray, outlier_threshold: float):
    """:func:`triangulate_robust` and (..., V) the reprojection errors of every view before the
    invalid points were set to NaN (each projection is computed once)."""
    batch_shape = points.shape[:-2]
    num_views = points.shape[-2]
    points = points.reshape((-1, num_views, 2))
    projections = np.asarray(projections, np.float64)
    static = projections.ndim == 3            # one rig for every point: kept (V, 3, 4)
    if not static:
        projections = np.broadcast_to(projections, batch_shape + projections.shape[-3:])
        projections = projections.reshape((-1, num_views, 3, 4))
    weights = np.where(finite_last(points),
                       np.asarray(weights, np.float64).reshape((-1, num_views)), 0.0)
    points_3d, valid = triangulate_dlt(points, projections, weights)
    errors = reprojection_errors(points_3d, points, projections)              # (N, V)
    todo = np.arange(len(points))          # only points whose weights changed are redone
    for _ in range(max(num_views - 2, 0)):
        current = np.where(weights[todo] > 0, np.nan_to_num(errors[todo], nan=np.inf), -1.0)
        worst = np.argmax(current, axis=-1)
        too_far = current[np.arange(len(todo)), worst] > outlier_threshold
        droppable = too_far & (sum_last(weights[todo] > 0) > 2)
        todo = todo[droppable]
        if not len(todo):
            break
        weights[todo, worst[droppable]] = 0.0
        rig = projections if static else projections[todo]
        points_3d[todo], valid[todo] = triangulate_dlt(points[todo], rig, weights[todo])
        errors[todo] = reprojection_errors(points_3d[todo], points[todo], rig)
    used_errors = np.where(weights > 0, errors, 0.0)
    valid &= all_last(np.nan_to_num(used_errors, nan=np.inf) <= outlier_threshold)
    points_3d[~valid] = np.nan
    return (points_3d.reshape(batch_shape + (3, )), valid.reshape(batch_shape),
            weights.reshape(batch_shape + (num_views, )),
            errors.reshape(batch_shape + (num_views, )))


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
    # views and coordinates first, each (...) slice contiguous: element-wise products of
    # whole slices (3x faster than np.cross and norms over the short trailing axes)
    rays = np.ascontiguousarray(np.moveaxis(points_3d[..., None, :] - centres, (-2, -1), (0, 1)))
    length = np.maximum(np.sqrt(np.sum(rays**2, axis=1)), 1e-300)            # (V, ...)
    x, y, z = (rays[:, k] / length for k in range(3))                        # (V, ...) each
    seen = np.moveaxis(weights > 0, -1, 0)
    best = np.zeros(points_3d.shape[:-1])              # the largest squared sine
    num_views = weights.shape[-1]
    for a in range(num_views):                         # |ray_a x ray_b|^2
        for b in range(a + 1, num_views):
            sine_squared = ((y[a] * z[b] - z[a] * y[b])**2 + (z[a] * x[b] - x[a] * z[b])**2
                            + (x[a] * y[b] - y[a] * x[b])**2)
            best = np.maximum(best, np.where(seen[a] & seen[b], np.nan_to_num(sine_squared),
                                             0.0))
    best = np.sqrt(best)
    return np.degrees(np.arcsin(np.clip(best, 0.0, 1.0)))
