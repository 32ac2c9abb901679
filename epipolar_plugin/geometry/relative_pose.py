"""Relative camera pose from 2D-2D correspondences: essential matrix, R, t, refinement.

Convention:
    Points are undistorted normalized coordinates (``K^-1 [u, v, 1]^T``), not pixels.
    The pose ``(R, t)`` of a view relative to the reference view maps reference-camera
    coordinates to that view's camera coordinates: ``X_view = R @ X_ref + t``, so that
    ``x_view^T E x_ref = 0`` with ``E = [t]_x R``. ``t`` has unit norm (scale is unobservable).

The 5-point solver inside robust estimation is OpenCV's (``findEssentialMat``, Nistér's algorithm,
with USAC MAGSAC++ scoring: plain RANSAC stops at the first model that fits all 17 joints within
the threshold, often a wrong one on a body's small depth range) and the essential matrix's
four poses are OpenCV's ``decomposeEssentialMat``: they are well kept and fast. What OpenCV
lacks, and is written here, is the detection of degenerate inputs before they reach it (too few
points, collinear points, zero baseline), a robust non-linear refinement over many points, and
:func:`recover_pose`, ``recoverPose``'s cheirality test with the points triangulated in one
batch (``recoverPose`` solves one SVD per point and pose: 4x slower on thousands of points).
"""
from dataclasses import dataclass, field
from enum import IntEnum

import cv2
import numpy as np
from scipy.optimize import least_squares
from scipy.spatial.transform import Rotation

from .statistics import all_last, finite_last
from .triangulation import triangulate_dlt, view_depths

MIN_SOLVER_POINTS = 5


class Status(IntEnum):
    """A status code whose name (lower case) is what files and summaries show."""

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def names(cls) -> tuple:
        """The names in code order: ``names()[code]`` is the name of ``code``."""
        return tuple(str(member) for member in cls)


class PoseStatus(Status):
    """Why a relative pose could not be estimated (:class:`RelativePose`); ordered by how far
    the estimate got."""
    OK = 0
    TOO_FEW_POINTS = 1
    COLLINEAR = 2
    DEGENERATE = 3
    ZERO_BASELINE = 4
    CHEIRALITY = 5


@dataclass
class RelativePose:
    """Pose of one view relative to the reference view (see the module's convention).

    Attributes:
        rotation: (3, 3) rotation R, identity when the estimate failed.
        translation: (3,) unit translation direction t, zeros when the estimate failed.
        status: ``PoseStatus.OK`` or the reason for the failure.
        inliers: (N,) bool, the correspondences consistent with the pose (RANSAC and
            cheirality); all False when the estimate failed.
        parallax_deg: median angle in degrees between the two rays of an inlier
            (rotation-compensated); near 0 for a pure rotation.
    """
    rotation: np.ndarray = field(default_factory=lambda: np.eye(3))
    translation: np.ndarray = field(default_factory=lambda: np.zeros(3))
    status: PoseStatus = PoseStatus.OK
    inliers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    parallax_deg: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == PoseStatus.OK


def _failed(status: PoseStatus, num_points: int) -> RelativePose:
    return RelativePose(status=status, inliers=np.zeros(num_points, dtype=bool))


def is_collinear(points: np.ndarray, tolerance: float = 1e-3) -> bool:
    """Whether (N, 2) points lie (nearly) on one line: ratio of their spread's singular values."""
    centred = points - points.mean(axis=0)
    singular = np.linalg.svd(centred, compute_uv=False)
    return singular[0] <= 0 or singular[-1] / singular[0] < tolerance


def ray_parallax_deg(points_ref: np.ndarray, points_other: np.ndarray,
                     rotation: np.ndarray) -> np.ndarray:
    """Angle in degrees between the rays of corresponding points, rotation removed.

    Args:
        points_ref, points_other: (N, 2) normalized coordinates.
        rotation: (3, 3) R of the other view relative to the reference view.

    Returns:
        (N,) angles; 0 for every point when the two views differ by a pure rotation.
    """
    ones = np.ones((len(points_ref), 1))
    rays_ref = np.concatenate([points_ref, ones], axis=1)
    rays_other = np.concatenate([points_other, ones], axis=1) @ rotation  # R^T x, row-wise
    cosine = np.sum(rays_ref * rays_other, axis=1) / (
        np.linalg.norm(rays_ref, axis=1) * np.linalg.norm(rays_other, axis=1))
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def estimate_relative_pose(points_ref: np.ndarray,
                           points_other: np.ndarray,
                           threshold: float,
                           confidence: float = 0.999,
                           min_points: int = 8,
                           min_parallax_deg: float = 1.0,
                           max_ransac_points: int = 0,
                           seed: int = 0) -> RelativePose:
    """Essential matrix by 5-point RANSAC, then R, t with the cheirality check.

    Args:
        points_ref: (N, 2) normalized coordinates in the reference view; NaN rows are ignored.
        points_other: (N, 2) normalized coordinates of the same points in the other view.
        threshold: RANSAC inlier threshold in normalized units (pixels / focal length).
        confidence: RANSAC confidence.
        min_points: fewest finite correspondences accepted (never fewer than 5, the solver's
            minimum; more than 5 are needed to tell the 5-point solver's solutions apart).
        min_parallax_deg: a median ray parallax below this is a (near) pure rotation: the
            translation is then undetermined and the pose is flagged ``zero_baseline``.
        max_ransac_points: when > 0 and N is larger, RANSAC runs on a random subset of this
            size and the result is scored on all points (pooled mode: thousands of points).
        seed: seed of that subset's draw.

    Returns:
        RelativePose; on failure its status names the reason and no exception is raised.
    """
    points_ref = np.asarray(points_ref, dtype=np.float64)
    points_other = np.asarray(points_other, dtype=np.float64)
    if points_ref.ndim != 2 or points_ref.shape[1] != 2 or points_other.shape != points_ref.shape:
        raise ValueError(f'points_ref and points_other must both be (N, 2), got '
                         f'{points_ref.shape} and {points_other.shape}')
    num_points = len(points_ref)
    finite = finite_last(points_ref) & finite_last(points_other)
    index = np.flatnonzero(finite)
    if len(index) < max(min_points, MIN_SOLVER_POINTS):
        return _failed(PoseStatus.TOO_FEW_POINTS, num_points)
    p_ref, p_other = points_ref[index], points_other[index]
    if is_collinear(p_ref) or is_collinear(p_other):
        return _failed(PoseStatus.COLLINEAR, num_points)

    sample = np.arange(len(index))
    if 0 < max_ransac_points < len(index):
        sample = np.sort(np.random.default_rng(seed).choice(len(index), max_ransac_points,
                                                            replace=False))
    try:
        essential, _ = cv2.findEssentialMat(p_ref[sample], p_other[sample], np.eye(3),
                                            method=cv2.USAC_MAGSAC, prob=confidence,
                                            threshold=threshold)
    except cv2.error:
        return _failed(PoseStatus.DEGENERATE, num_points)
    if essential is None or essential.shape[0] < 3 or not np.all(np.isfinite(essential)):
        return _failed(PoseStatus.DEGENERATE, num_points)

    # The cheirality check (every point triangulated) runs on the RANSAC sample;
    # with several stacked 3x3 candidates (few points) the one with most good points wins.
    s_ref, s_other = p_ref[sample], p_other[sample]
    best = None
    for candidate in np.split(essential[:essential.shape[0] // 3 * 3], essential.shape[0] // 3):
        epipolar = sampson_distance(candidate, s_ref, s_other) < threshold**2
        try:
            num_good, rotation, translation, pose_mask = recover_pose(candidate, s_ref, s_other,
                                                                      epipolar)
        except cv2.error:
            continue
        if best is None or num_good > best[0]:
            best = (num_good, rotation, translation, epipolar.sum(), pose_mask)
    if best is None:
        return _failed(PoseStatus.DEGENERATE, num_points)
    num_good, rotation, translation, num_epipolar, pose_inliers = best
    if num_good < max(min(min_points, len(sample)), 0.5 * num_epipolar):
        return _failed(PoseStatus.CHEIRALITY, num_points)

    parallax = float(np.median(ray_parallax_deg(s_ref[pose_inliers], s_other[pose_inliers],
                                                rotation)))
    if parallax < min_parallax_deg:
        return RelativePose(status=PoseStatus.ZERO_BASELINE,
                            inliers=np.zeros(num_points, dtype=bool),
                            parallax_deg=parallax)
    inliers = np.zeros(num_points, dtype=bool)
    if len(sample) == len(index):
        inliers[index[pose_inliers]] = True
    else:  # points outside the sample: epipolar test only
        inliers[index] = sampson_distance(essential_from_pose(rotation, translation), p_ref,
                                          p_other) < threshold**2
    return RelativePose(rotation=rotation, translation=translation / np.linalg.norm(translation),
                        status=PoseStatus.OK, inliers=inliers, parallax_deg=parallax)


def recover_pose(essential: np.ndarray, points_ref: np.ndarray, points_other: np.ndarray,
                 mask: np.ndarray, max_depth: float = 50.0):
    """The pose of an essential matrix that puts most points in front of both views: OpenCV's
    ``recoverPose`` (same candidates, order, depth limit and result), with the points of each
    candidate triangulated in one batch.

    Args:
        essential: (3, 3). points_ref, points_other: (N, 2) normalized coordinates.
        mask: (N,) bool, the points that count (e.g. the epipolar inliers).
        max_depth: points farther than this in either view (in units of the baseline) are
            taken to be at infinity and do not count.

    Returns:
        (num_good, rotation (3, 3), translation (3,) unit, good (N,) bool): the first candidate
        among ``[R1 | t], [R2 | t], [R1 | -t], [R2 | -t]`` with most ``mask`` points at
        positive depth below ``max_depth`` in both views, and those points.
    """
    rotation_1, rotation_2, translation = cv2.decomposeEssentialMat(essential)
    pairs = np.stack([points_ref, points_other], axis=1)                    # (N, 2, 2)
    weights = np.ones(pairs.shape[:2])
    best = None
    for rotation, direction in ((rotation_1, translation), (rotation_2, translation),
                                (rotation_1, -translation), (rotation_2, -translation)):
        projections = np.stack([np.eye(3, 4), np.concatenate([rotation, direction], axis=1)])
        points_3d, in_front = triangulate_dlt(pairs, projections, weights)
        with np.errstate(invalid='ignore'):      # NaN points (not in front) compare False
            near = all_last(view_depths(points_3d, projections) < max_depth)
        good = in_front & near & mask
        if best is None or good.sum() > best[0]:
            best = (int(good.sum()), rotation, direction.reshape(3), good)
    return best


def skew(vectors: np.ndarray) -> np.ndarray:
    """(..., 3) -> (..., 3, 3) cross-product matrices ``[v]_x``."""
    out = np.zeros(vectors.shape[:-1] + (3, 3))
    out[..., 0, 1], out[..., 0, 2] = -vectors[..., 2], vectors[..., 1]
    out[..., 1, 0], out[..., 1, 2] = vectors[..., 2], -vectors[..., 0]
    out[..., 2, 0], out[..., 2, 1] = -vectors[..., 1], vectors[..., 0]
    return out


def left_jacobian(rotvec: np.ndarray) -> np.ndarray:
    """(3, 3) left Jacobian of SO(3) at a rotation vector: d exp(w) ~ [J_l(w) dw] exp(w)."""
    angle = np.linalg.norm(rotvec)
    cross = skew(rotvec)
    if angle < 1e-8:
        return np.eye(3) + 0.5 * cross
    return (np.eye(3) + (1 - np.cos(angle)) / angle**2 * cross
            + (angle - np.sin(angle)) / angle**3 * cross @ cross)


def essential_from_pose(rotation: np.ndarray, translation: np.ndarray) -> np.ndarray:
    """``E = [t]_x R``: (3, 3) with ``x_view^T E x_ref = 0``."""
    return skew(np.asarray(translation, np.float64)) @ rotation


def sampson_distance(essential: np.ndarray, points_ref: np.ndarray,
                     points_other: np.ndarray) -> np.ndarray:
    """Squared Sampson distance of (N, 2) normalized correspondences to ``x_o^T E x_r = 0``."""
    return signed_sampson_error(essential, points_ref, points_other)**2


def signed_sampson_error(essential: np.ndarray, points_ref: np.ndarray,
                         points_other: np.ndarray) -> np.ndarray:
    """(N,) signed first-order distance ``x_o^T E x_r / |grad|`` (smooth at 0, unlike its root)."""
    algebraic, denominator, _, _ = _sampson_parts(essential,
                                                  *_homogeneous(points_ref, points_other))
    return algebraic / np.sqrt(np.maximum(denominator, 1e-300))


def signed_sampson_jacobian(rotation: np.ndarray, translation: np.ndarray,
                            d_rotations: np.ndarray, d_translations: np.ndarray,
                            points_ref: np.ndarray, points_other: np.ndarray) -> np.ndarray:
    """(N, K) derivatives of :func:`signed_sampson_error` of ``E = [t]_x R`` along K directions
    of the pose, each given by its ``dR`` (K, 3, 3) and ``dt`` (K, 3) (quotient rule on
    ``n / sqrt(a)``: ``dn / sqrt(a) - n da / (2 a^1.5)``)."""
    x_ref, x_other = _homogeneous(points_ref, points_other)
    algebraic, denominator, e_x_ref, et_x_other = _sampson_parts(
        essential_from_pose(rotation, translation), x_ref, x_other)
    root = np.sqrt(np.maximum(denominator, 1e-300))
    translation_cross = skew(np.asarray(translation, np.float64))
    out = np.empty((len(x_ref), len(d_rotations)))
    for k, (d_rotation, d_translation) in enumerate(zip(d_rotations, d_translations)):
        d_essential = translation_cross @ d_rotation + skew(d_translation) @ rotation
        d_e_x_ref, d_et_x_other = x_ref @ d_essential.T, x_other @ d_essential
        d_algebraic = (x_other[:, 0] * d_e_x_ref[:, 0] + x_other[:, 1] * d_e_x_ref[:, 1]
                       + x_other[:, 2] * d_e_x_ref[:, 2])
        d_denominator = 2 * (e_x_ref[:, 0] * d_e_x_ref[:, 0] + e_x_ref[:, 1] * d_e_x_ref[:, 1]
                             + et_x_other[:, 0] * d_et_x_other[:, 0]
                             + et_x_other[:, 1] * d_et_x_other[:, 1])
        out[:, k] = d_algebraic / root - algebraic * d_denominator / (2 * root**3)
    return out


def _homogeneous(points_ref, points_other):
    """(N, 3) homogeneous coordinates of (N, 2) correspondences."""
    ones = np.ones((len(points_ref), 1))
    return (np.concatenate([points_ref, ones], axis=1),
            np.concatenate([points_other, ones], axis=1))


def _sampson_parts(essential, x_ref, x_other):
    """(N,) ``x_o^T E x_r``, the squared norm of its gradient in the four coordinates, and the
    (N, 3) products ``E x_r`` and ``E^T x_o`` they come from."""
    e_x_ref = x_ref @ essential.T          # E x_r
    et_x_other = x_other @ essential       # E^T x_o
    algebraic = (x_other[:, 0] * e_x_ref[:, 0] + x_other[:, 1] * e_x_ref[:, 1]
                 + x_other[:, 2] * e_x_ref[:, 2])
    denominator = (e_x_ref[:, 0] ** 2 + e_x_ref[:, 1] ** 2 + et_x_other[:, 0] ** 2 +
                   et_x_other[:, 1] ** 2)
    return algebraic, denominator, e_x_ref, et_x_other


def tangent_basis(direction: np.ndarray) -> np.ndarray:
    """(2, 3) orthonormal basis of the plane orthogonal to a unit 3-vector."""
    helper = np.eye(3)[np.argmin(np.abs(direction))]
    first = np.cross(direction, helper)
    first /= np.linalg.norm(first)
    return np.stack([first, np.cross(direction, first)])


def refine_relative_pose(pose: RelativePose,
                         points_ref: np.ndarray,
                         points_other: np.ndarray,
                         threshold: float,
                         loss_scale: float,
                         max_points: int = 5000,
                         seed: int = 0) -> RelativePose:
    """Refine R, t by minimizing the robust (Cauchy) Sampson error over all correspondences.

    Five degrees of freedom: a rotation-vector update and a unit-translation update in the
    tangent plane of the current t. Used in pooled mode, where thousands of correspondences
    over-determine the pose: RANSAC's minimal-sample estimate, and any inlier set chosen with
    it, are biased towards that estimate, so every finite correspondence enters the
    refinement and the robust loss, not the inlier set, keeps outliers out.
    Measured on a 4-camera synthetic rig (3 px noise, 3% outliers): median rotation error
    2.4 -> 0.12 degrees; refining on RANSAC's inliers only reached 1.6 degrees.

    Args:
        pose: an ``ok`` pose from :func:`estimate_relative_pose`.
        points_ref, points_other: (N, 2) normalized coordinates (the same as for the estimate).
        threshold: inlier threshold of the returned ``inliers``, normalized units.
        loss_scale: the Cauchy loss's scale in normalized units (pixels / focal length).
        max_points: at most this many correspondences enter the refinement (a random subset).
        seed: seed of that subset's draw.

    Returns:
        A new RelativePose with inliers re-selected by the refined pose; the input pose when
        it was not ``ok``.
    """
    if not pose.ok:
        return pose
    finite = finite_last(points_ref) & finite_last(points_other)
    index = np.flatnonzero(finite)
    if len(index) > max_points:
        index = np.random.default_rng(seed).choice(index, max_points, replace=False)
    p_ref, p_other = points_ref[index], points_other[index]
    basis = tangent_basis(pose.translation)

    def unpack(params):
        rotation = Rotation.from_rotvec(params[:3]).as_matrix() @ pose.rotation
        translation = pose.translation + params[3:] @ basis
        return rotation, translation / np.linalg.norm(translation)

    def residuals(params):
        rotation, translation = unpack(params)
        return signed_sampson_error(essential_from_pose(rotation, translation), p_ref, p_other)

    def jacobian(params):       # analytic: a finite-difference Jacobian costs 5 more residuals
        rotation, translation = unpack(params)
        # d(exp(w) R0) / dw_k = [J_l(w) e_k]_x exp(w) R0; d(m / |m|) = (I - t t^T) dm / |m|
        d_rotations = skew(left_jacobian(params[:3]).T) @ rotation
        moved = pose.translation + params[3:] @ basis
        d_translations = basis @ (np.eye(3) - np.outer(translation, translation)) / \
            np.linalg.norm(moved)
        return signed_sampson_jacobian(
            rotation, translation, np.concatenate([d_rotations, np.zeros((2, 3, 3))]),
            np.concatenate([np.zeros((3, 3)), d_translations]), p_ref, p_other)

    result = least_squares(residuals, np.zeros(5), jac=jacobian, loss='cauchy',
                           f_scale=loss_scale, method='trf', x_scale='jac', ftol=1e-12,
                           xtol=1e-12, gtol=1e-12)
    rotation, translation = unpack(result.x)
    inliers = np.zeros(len(points_ref), dtype=bool)
    inliers[finite] = sampson_distance(essential_from_pose(rotation, translation),
                                       points_ref[finite], points_other[finite]) < threshold**2
    return RelativePose(rotation=rotation, translation=translation, status=PoseStatus.OK,
                        inliers=inliers, parallax_deg=pose.parallax_deg)


def translation_scale(points_3d: np.ndarray, points_view: np.ndarray, rotation: np.ndarray,
                      translation: np.ndarray) -> float:
    """Scale s making ``R X + s t`` project onto a view's observations (robust median).

    For every point, ``x_h x (R X + s t) = 0`` is linear in s; the median over the points of
    the per-point least-squares solutions is returned.

    Args:
        points_3d: (N, 3) points in the reference frame (already on the target scale).
        points_view: (N, 2) their normalized observations in the view; NaN rows are ignored.
        rotation: (3, 3) R of the view; translation: (3,) unit t of the view.

    Returns:
        s (> 0 when the geometry agrees), or NaN with fewer than 3 usable points.
    """
    usable = finite_last(points_3d) & finite_last(points_view)
    if usable.sum() < 3:
        return float('nan')
    rays = np.concatenate([points_view[usable], np.ones((usable.sum(), 1))], axis=1)
    a = np.cross(rays, points_3d[usable] @ rotation.T)
    b = np.cross(rays, np.broadcast_to(translation, rays.shape))
    denominator = np.sum(b * b, axis=1)
    keep = denominator > 1e-12
    if keep.sum() < 3:
        return float('nan')
    return float(np.median(-np.sum(a[keep] * b[keep], axis=1) / denominator[keep]))


def rotation_angle_deg(rotation_a: np.ndarray, rotation_b: np.ndarray) -> np.ndarray:
    """Angle in degrees of ``R_a R_b^T`` for (..., 3, 3) rotations: the rotation error."""
    relative = np.asarray(rotation_a) @ np.swapaxes(np.asarray(rotation_b), -1, -2)
    cosine = (np.trace(relative, axis1=-2, axis2=-1) - 1.0) / 2.0
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
