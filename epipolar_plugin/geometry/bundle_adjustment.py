"""Bundle adjustment of a static rig: all views' poses, the 3D joints, optionally the focals.

Convention (as in :mod:`.relative_pose`):
    Observations are undistorted normalized coordinates computed with each view's initial
    camera matrix; ``X_v = R_v X_ref + t_v``. The reference view is fixed at ``[I | 0]`` and
    the global scale by ``|t_scale_view| = 1`` (the scale view's translation moves on the unit
    sphere), so the problem has no gauge freedom. Residuals are in pixels of each view:
    ``f_v * (exp(s_v) * project(R_v X + t_v) - x_obs)`` times ``sqrt(weight)``, where ``s_v``
    is the log of a focal-length correction (0 unless ``refine_focal``).

The optimizer is Levenberg-Marquardt with a Cauchy loss (iteratively reweighted) and the
Schur complement on the camera parameters, with analytic Jacobians, all vectorized numpy.
SciPy's ``least_squares`` (trust-region reflective with LSMR on the sparse Jacobian) was tried
first: its inexact steps needed hundreds of evaluations for a few per cent of the decrease.
Written here rather than taken from a bundle-adjustment library because the problem is small
(a few hundred frames x 17 joints x a few cameras: seconds) and needs this gauge, the focal
option and per-observation weights.
"""
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from .relative_pose import left_jacobian, skew, tangent_basis

MIN_DEPTH = 1e-6


@dataclass
class BundleResult:
    """Refined rig and points.

    Attributes:
        rotations: (V, 3, 3). translations: (V, 3), ``|t_scale_view| = 1``.
        points_3d: (P, 3) reference frame.
        focal_scale: (V,) multiplicative focal-length corrections (1 unless refined).
        focal_sigma: (V,) standard deviation of each refined focal's log correction (about
            its relative uncertainty) from the curvature at the solution; NaN unless refined.
        residuals_px: (M,) unweighted reprojection error of every observation, pixels.
        success: whether the final cost is finite and no larger than the initial one.
        initial_cost, final_cost: robust costs before and after.
        message: why the iterations stopped.
    """
    rotations: np.ndarray
    translations: np.ndarray
    points_3d: np.ndarray
    focal_scale: np.ndarray
    residuals_px: np.ndarray
    success: bool
    initial_cost: float
    final_cost: float
    message: str
    focal_sigma: np.ndarray = None


class _Problem:
    """Parameter packing and the residual function (see the module's convention)."""

    def __init__(self, rotations, translations, points_3d, point_index, view_index,
                 observations, weights, focal, reference_view, scale_view, refine_focal):
        self.rotations0 = np.asarray(rotations, np.float64)
        self.translations0 = np.asarray(translations, np.float64)
        self.num_views = len(rotations)
        self.num_points = len(points_3d)
        self.reference_view, self.scale_view = reference_view, scale_view
        # the views whose focal is refined (one flag for all, or (V,) flags)
        self.focal_free = np.broadcast_to(np.asarray(refine_focal, bool), (self.num_views, ))
        self.refine_focal = bool(self.focal_free.any())
        refine_focal = self.refine_focal
        self.point_index, self.view_index = point_index, view_index
        self.observations, self.focal = observations, focal
        self.sqrt_weights = np.sqrt(weights)
        self.scale_basis = tangent_basis(self.translations0[scale_view])
        # Parameter layout: per free view [rotvec(3), t(3) or tangent(2)], focal logs, points.
        self.camera_slices, start = {}, 0
        for view in range(self.num_views):
            if view == reference_view:
                continue
            size = 5 if view == scale_view else 6
            self.camera_slices[view] = slice(start, start + size)
            start += size
        self.focal_start = start
        self.point_start = start + int(self.focal_free.sum())
        # an observation depends only on its own view's camera parameters (and focal): the
        # columns of each view's L parameters, padded with point_start (a column dropped later)
        self.view_columns = np.full((self.num_views, 7 if refine_focal else 6),
                                    self.point_start)
        for view, part in self.camera_slices.items():
            self.view_columns[view, :part.stop - part.start] = np.arange(part.start, part.stop)
        if refine_focal:
            free = np.flatnonzero(self.focal_free)
            self.view_columns[free, 6] = self.focal_start + np.arange(len(free))
        self.x0 = np.concatenate([np.zeros(self.point_start),
                                  np.asarray(points_3d, np.float64).ravel()])

    def unpack(self, params):
        rotations, translations = self.rotations0.copy(), self.translations0.copy()
        for view, part in self.camera_slices.items():
            values = params[part]
            rotations[view] = Rotation.from_rotvec(values[:3]).as_matrix() @ self.rotations0[view]
            if view == self.scale_view:
                moved = self.translations0[view] + values[3:] @ self.scale_basis
                translations[view] = moved / np.linalg.norm(moved)
            else:
                translations[view] = self.translations0[view] + values[3:]
        focal_scale = np.ones(self.num_views)
        focal_scale[self.focal_free] = np.exp(params[self.focal_start:self.point_start])
        points_3d = params[self.point_start:].reshape(-1, 3)
        return rotations, translations, focal_scale, points_3d

    def errors_px(self, params):
        """(M, 2) unweighted pixel residuals."""
        rotations, translations, focal_scale, points_3d = self.unpack(params)
        camera = (np.einsum('mij,mj->mi', rotations[self.view_index], points_3d[self.point_index])
                  + translations[self.view_index])
        depth = np.maximum(camera[:, 2:3], MIN_DEPTH)
        projected = focal_scale[self.view_index, None] * camera[:, :2] / depth
        return self.focal[self.view_index, None] * (projected - self.observations)

    def residuals(self, params):
        return (self.errors_px(params) * self.sqrt_weights[:, None]).ravel()

    def jacobian_blocks(self, params):
        """d residuals / d params as dense blocks: (M, 2, L) for the L camera (and focal)
        parameters of each observation's view (columns ``view_columns[view_index]``; a padded
        column is 0) and (M, 2, 3) for each observation's own point."""
        rotations, translations, focal_scale, points_3d = self.unpack(params)
        views, num_obs = self.view_index, len(self.view_index)
        rotated = np.einsum('mij,mj->mi', rotations[views], points_3d[self.point_index])
        camera = rotated + translations[views]
        depth = np.maximum(camera[:, 2], MIN_DEPTH)
        gain = (self.sqrt_weights * self.focal[views] * focal_scale[views])[:, None, None]
        d_projection = np.zeros((num_obs, 2, 3))            # d(x/z, y/z) / d camera point
        d_projection[:, 0, 0] = d_projection[:, 1, 1] = 1.0 / depth
        d_projection[:, :, 2] = -camera[:, :2] / depth[:, None] ** 2
        d_camera = gain * d_projection                      # d residual / d camera point
        cameras = np.zeros((num_obs, 2, self.view_columns.shape[1]))
        for view, part in self.camera_slices.items():
            mine = views == view
            # d(exp(w) R0 X) / dw = -[R X]_x J_l(w)
            d_rotation = -skew(rotated[mine]) @ left_jacobian(params[part][:3])
            cameras[mine, :, :3] = d_camera[mine] @ d_rotation
            if view == self.scale_view:
                moved = self.translations0[view] + params[part][3:] @ self.scale_basis
                norm = np.linalg.norm(moved)
                unit = moved / norm
                d_unit = (np.eye(3) - np.outer(unit, unit)) / norm @ self.scale_basis.T
                cameras[mine, :, 3:5] = d_camera[mine] @ d_unit
            else:
                cameras[mine, :, 3:6] = d_camera[mine]
        if self.refine_focal:
            cameras[:, :, 6] = gain[:, :, 0] * camera[:, :2] / depth[:, None]
        return cameras, d_camera @ rotations[views]


def bundle_adjust(rotations: np.ndarray,
                  translations: np.ndarray,
                  points_3d: np.ndarray,
                  point_index: np.ndarray,
                  view_index: np.ndarray,
                  observations: np.ndarray,
                  weights: np.ndarray,
                  focal: np.ndarray,
                  reference_view: int,
                  scale_view: int,
                  loss_scale_px: float = 3.0,
                  refine_focal=False,
                  max_iterations: int = 100) -> BundleResult:
    """Jointly refine the views' poses (and focals) and the 3D points with a robust loss.

    Args:
        rotations: (V, 3, 3), the reference view's the identity. translations: (V, 3).
        points_3d: (P, 3) initial points in the reference frame.
        point_index, view_index: (M,) int, the point and view of every observation, grouped by
            point (``point_index`` non-decreasing; every point observed).
        observations: (M, 2) normalized coordinates. weights: (M,) positive confidences.
        focal: (V,) focal lengths in pixels (the residuals' unit).
        reference_view: the fixed view. scale_view: another view whose ``|t|`` stays 1
            (its initial translation is normalized).
        loss_scale_px: the Cauchy loss's scale, pixels (about the detector's noise).
        refine_focal: also estimate one focal-length correction per view; a (V,) bool array:
            only for the views it marks (the others keep their focal).
        max_iterations: at most this many Levenberg-Marquardt steps.

    Returns:
        BundleResult.
    """
    if scale_view == reference_view:
        raise ValueError('scale_view must differ from reference_view')
    translations = np.array(translations, np.float64)
    translations[scale_view] /= np.linalg.norm(translations[scale_view])
    problem = _Problem(rotations, translations, points_3d, np.asarray(point_index),
                       np.asarray(view_index), np.asarray(observations, np.float64),
                       np.asarray(weights, np.float64), np.asarray(focal, np.float64),
                       reference_view, scale_view, refine_focal)
    x, info = _levenberg_marquardt(problem, loss_scale_px, max_iterations)
    rotations, translations, focal_scale, points = problem.unpack(x)
    errors = np.linalg.norm(problem.errors_px(x), axis=1)
    return BundleResult(rotations=rotations, translations=translations, points_3d=points,
                        focal_scale=focal_scale, residuals_px=errors,
                        focal_sigma=_focal_sigma(problem, x, loss_scale_px), **info)


def _levenberg_marquardt(problem: _Problem, scale: float, max_iterations: int):
    """Levenberg-Marquardt with iteratively reweighted Cauchy weights and the Schur complement.

    The C camera parameters couple all observations while each point couples only its own:
    the damped normal equations are reduced to a C x C system (C = a few dozen), with the
    points' 3 x 3 blocks eliminated in closed form, so every step is exact and cheap.
    """
    order = np.argsort(problem.point_index, kind='stable')
    if np.any(order != np.arange(len(order))):
        raise ValueError('observations must be grouped by point (point_index non-decreasing)')
    starts = np.flatnonzero(np.r_[True, np.diff(problem.point_index) > 0])
    if len(starts) != problem.num_points:
        raise ValueError('every point needs at least one observation')
    x = problem.x0.copy()
    residuals = problem.residuals(x).reshape(-1, 2)
    cost = _robust_cost(residuals, scale)
    initial_cost, damping, message = cost, 1e-3, 'maximum number of iterations reached'
    num_cameras = problem.point_start
    columns = problem.view_columns[problem.view_index]                        # (M, L)
    of_view = [np.flatnonzero(problem.view_index == view) for view in range(problem.num_views)]
    for _ in range(max_iterations):
        h_cc, g_c, h_cp, h_pp, g_p = _normal_equations(problem, x, residuals, scale, starts,
                                                       columns, of_view)
        while True:
            a_cc = h_cc + damping * np.diag(np.diag(h_cc) + 1e-12)
            a_pp = h_pp + damping * (np.eye(3) * (np.diagonal(h_pp, axis1=1, axis2=2)[:, :, None]
                                                  + 1e-12))
            inverse_pp = _inverse_3x3(a_pp)
            coupling = h_cp @ inverse_pp                                      # H_cp A_pp^-1
            schur = a_cc - np.swapaxes(coupling, 0, 1).reshape(num_cameras, -1) @ np.swapaxes(
                h_cp, 0, 1).reshape(num_cameras, -1).T
            rhs = -g_c + np.tensordot(coupling, g_p, axes=([0, 2], [0, 1]))
            try:
                step_c = np.linalg.solve(schur, rhs) if len(rhs) else rhs
            except np.linalg.LinAlgError:
                damping *= 10.0
                continue
            step_p = -(inverse_pp @ (g_p + np.tensordot(h_cp, step_c, axes=([1], [0])))[
                ..., None])[..., 0]
            step = np.concatenate([step_c, step_p.ravel()])
            candidate = x + step
            new_residuals = problem.residuals(candidate).reshape(-1, 2)
            new_cost = _robust_cost(new_residuals, scale)
            if np.isfinite(new_cost) and new_cost < cost:
                break
            damping *= 10.0
            if damping > 1e12:
                break
        if not (np.isfinite(new_cost) and new_cost < cost):
            message = 'no further decrease'
            break
        decrease = (cost - new_cost) / cost
        x, residuals, cost = candidate, new_residuals, new_cost
        damping = max(damping / 10.0, 1e-9)
        if decrease < 1e-6 or np.linalg.norm(step) < 1e-12 * (np.linalg.norm(x) + 1e-12):
            message = 'converged'
            break
    success = bool(np.isfinite(cost) and cost <= initial_cost and np.all(np.isfinite(x)))
    return x, dict(success=success, initial_cost=initial_cost, final_cost=cost, message=message)


def _normal_equations(problem: _Problem, x: np.ndarray, residuals: np.ndarray, scale: float,
                      starts: np.ndarray, columns: np.ndarray, of_view: list):
    """The Gauss-Newton normal equations of the Cauchy-reweighted residuals at ``x``:
    H_cc (C, C), g_c (C,), H_cp (P, C, 3), H_pp (P, 3, 3), g_p (P, 3)."""
    num_cameras = problem.point_start
    cameras, points = problem.jacobian_blocks(x)
    irls = 1.0 / (1.0 + np.sum(residuals**2, axis=1) / scale**2)         # (M,)
    weighted_cameras = irls[:, None, None] * cameras
    weighted_points = irls[:, None, None] * points
    h_pp = _sum_per_point(_outer_sum(weighted_points, points), starts)
    g_p = _sum_per_point(np.sum(weighted_points * residuals[:, :, None], axis=1), starts)
    # the camera blocks are per view: H_cc is block-diagonal, and each (point, view) has
    # one observation, so H_cp's blocks are the observations' own (one column padding)
    h_cc = np.zeros((num_cameras + 1, num_cameras + 1))
    g_c = np.zeros(num_cameras + 1)
    for view, rows in enumerate(of_view):
        if not len(rows):
            continue
        mine = problem.view_columns[view]
        weighted = weighted_cameras[rows].reshape(2 * len(rows), -1)
        h_cc[np.ix_(mine, mine)] = weighted.T @ cameras[rows].reshape(2 * len(rows), -1)
        g_c[mine] = weighted.T @ residuals[rows].reshape(-1)
    h_cp = np.zeros((problem.num_points, num_cameras + 1, 3))
    h_cp[problem.point_index[:, None], columns] = _outer_sum(weighted_cameras, points)
    return h_cc[:-1, :-1], g_c[:-1], h_cp[:, :-1], h_pp, g_p


def _focal_sigma(problem: _Problem, x: np.ndarray, scale: float) -> np.ndarray:
    """(V,) standard deviation of each view's log focal correction at the solution ``x``
    (about the focal length's relative uncertainty), from the curvature: the camera block of
    the inverse Gauss-Newton matrix (the points eliminated by the Schur complement) times the
    residuals' variance (the Cauchy-reweighted squared residuals over the degrees of freedom).
    NaN where the focal is not refined; inf for a focal the curvature does not constrain."""
    if not problem.refine_focal:
        return np.full(problem.num_views, np.nan)
    starts = np.flatnonzero(np.r_[True, np.diff(problem.point_index) > 0])
    columns = problem.view_columns[problem.view_index]
    of_view = [np.flatnonzero(problem.view_index == view) for view in range(problem.num_views)]
    residuals = problem.residuals(x).reshape(-1, 2)
    h_cc, _, h_cp, h_pp, _ = _normal_equations(problem, x, residuals, scale, starts, columns,
                                               of_view)
    num_cameras = problem.point_start
    coupling = h_cp @ _inverse_3x3(h_pp)
    schur = h_cc - np.swapaxes(coupling, 0, 1).reshape(num_cameras, -1) @ np.swapaxes(
        h_cp, 0, 1).reshape(num_cameras, -1).T
    irls = 1.0 / (1.0 + np.sum(residuals**2, axis=1) / scale**2)
    freedom = residuals.size - num_cameras - 3 * problem.num_points
    variance = float(np.sum(irls * np.sum(residuals**2, axis=1))) / max(freedom, 1)
    sigma = np.full(problem.num_views, np.nan)
    try:
        covariance = np.linalg.inv(schur)
    except np.linalg.LinAlgError:
        sigma[problem.focal_free] = np.inf
        return sigma
    diagonal = np.diag(covariance)[problem.focal_start:problem.point_start]
    sigma[problem.focal_free] = np.where(diagonal > 0, np.sqrt(np.abs(diagonal) * variance),
                                         np.inf)
    return sigma


def _outer_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(M, K, L) ``sum_i a[m, i, k] b[m, i, l]`` of (M, 2, K) and (M, 2, L) Jacobian rows (two
    rows per observation: written out, faster than a general contraction)."""
    return a[:, 0, :, None] * b[:, 0, None, :] + a[:, 1, :, None] * b[:, 1, None, :]


def _inverse_3x3(matrices: np.ndarray) -> np.ndarray:
    """Inverses of (P, 3, 3) matrices by their adjugates (batched ``np.linalg.inv`` of many
    3 x 3 blocks spends its time in per-matrix overhead)."""
    m = matrices
    adjugate = np.empty_like(m)
    adjugate[:, 0, 0] = m[:, 1, 1] * m[:, 2, 2] - m[:, 1, 2] * m[:, 2, 1]
    adjugate[:, 0, 1] = m[:, 0, 2] * m[:, 2, 1] - m[:, 0, 1] * m[:, 2, 2]
    adjugate[:, 0, 2] = m[:, 0, 1] * m[:, 1, 2] - m[:, 0, 2] * m[:, 1, 1]
    adjugate[:, 1, 0] = m[:, 1, 2] * m[:, 2, 0] - m[:, 1, 0] * m[:, 2, 2]
    adjugate[:, 1, 1] = m[:, 0, 0] * m[:, 2, 2] - m[:, 0, 2] * m[:, 2, 0]
    adjugate[:, 1, 2] = m[:, 0, 2] * m[:, 1, 0] - m[:, 0, 0] * m[:, 1, 2]
    adjugate[:, 2, 0] = m[:, 1, 0] * m[:, 2, 1] - m[:, 1, 1] * m[:, 2, 0]
    adjugate[:, 2, 1] = m[:, 0, 1] * m[:, 2, 0] - m[:, 0, 0] * m[:, 2, 1]
    adjugate[:, 2, 2] = m[:, 0, 0] * m[:, 1, 1] - m[:, 0, 1] * m[:, 1, 0]
    determinant = (m[:, 0, 0] * adjugate[:, 0, 0] + m[:, 0, 1] * adjugate[:, 1, 0]
                   + m[:, 0, 2] * adjugate[:, 2, 0])
    return adjugate / determinant[:, None, None]


def _sum_per_point(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sums of (M, ...) per-observation values over each point's run of observations."""
    return np.add.reduceat(values, starts, axis=0)


def _robust_cost(residuals: np.ndarray, scale: float) -> float:
    """Cauchy cost of (M, 2) residuals: 0.5 * scale^2 * sum over observations of
    log(1 + |r|^2 / scale^2)."""
    return float(0.5 * scale**2 * np.sum(np.log1p(np.sum(residuals**2, axis=1) / scale**2)))
