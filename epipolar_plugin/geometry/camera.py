"""Pinhole cameras with OpenCV distortion: pixels <-> normalized coordinates, projection.

Convention:
    A camera maps a point ``X_cam`` in its own frame (metres or any unit; x right, y down,
    z forward) to pixels ``u = K @ distort(X_cam[:2] / X_cam[2])``. "Normalized coordinates" are
    the undistorted ``(x / z, y / z)``, i.e. ``K^-1 [u, v, 1]^T`` after undistortion.
    Distortion coefficients follow OpenCV's order ``(k1, k2, p1, p2[, k3[, k4, k5, k6]])``.
    World -> camera extrinsics are ``X_cam = R @ X_world + t``.
"""
from typing import Optional

import cv2
import numpy as np

from .statistics import finite_last

VALID_DISTORTION_LENGTHS = (4, 5, 8)
UNDISTORT_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 40, 1e-10)


def _check_intrinsics(intrinsics: np.ndarray, name: str = 'intrinsics') -> np.ndarray:
    intrinsics = np.asarray(intrinsics, dtype=np.float64)
    if intrinsics.shape != (3, 3):
        raise ValueError(f'{name} must have shape (3, 3), got {intrinsics.shape}')
    if not np.all(np.isfinite(intrinsics)) or intrinsics[0, 0] <= 0 or intrinsics[1, 1] <= 0:
        raise ValueError(f'{name} must be finite with positive focal lengths, got {intrinsics}')
    return intrinsics


def _check_distortion(distortion: Optional[np.ndarray]) -> Optional[np.ndarray]:
    if distortion is None:
        return None
    distortion = np.asarray(distortion, dtype=np.float64).reshape(-1)
    if distortion.size not in VALID_DISTORTION_LENGTHS:
        raise ValueError(f'distortion must have 4, 5 or 8 coefficients (OpenCV order), '
                         f'got {distortion.size}')
    if not np.all(np.isfinite(distortion)):
        raise ValueError(f'distortion must be finite, got {distortion}')
    return None if not np.any(distortion) else distortion


def pixel_to_normalized(points: np.ndarray,
                        intrinsics: np.ndarray,
                        distortion: Optional[np.ndarray] = None) -> np.ndarray:
    """Pixels of one camera to undistorted normalized coordinates.

    Args:
        points: (..., 2) pixel coordinates; NaN rows stay NaN.
        intrinsics: (3, 3) camera matrix K in pixels.
        distortion: optional (4|5|8,) OpenCV distortion coefficients.

    Returns:
        (..., 2) normalized coordinates ``(x / z, y / z)``.
    """
    intrinsics = _check_intrinsics(intrinsics)
    distortion = _check_distortion(distortion)
    points = np.asarray(points, dtype=np.float64)
    if points.shape[-1] != 2:
        raise ValueError(f'points must have shape (..., 2), got {points.shape}')
    flat = points.reshape(-1, 2)
    out = np.full_like(flat, np.nan)
    finite = finite_last(flat)
    if distortion is None:
        homogeneous = np.concatenate([flat[finite], np.ones((finite.sum(), 1))], axis=1)
        normalized = homogeneous @ np.linalg.inv(intrinsics).T
        out[finite] = normalized[:, :2] / normalized[:, 2:]
    elif finite.any():
        # Iterative undistortion is what OpenCV does well; no need to re-derive it.
        # (OpenCV's default of 5 iterations leaves ~1e-4 errors; iterate to convergence.)
        undistorted = cv2.undistortPointsIter(flat[finite].reshape(-1, 1, 2), intrinsics,
                                              distortion, None, None, UNDISTORT_CRITERIA)
        out[finite] = undistorted.reshape(-1, 2)
    return out.reshape(points.shape)


def distort_normalized(points: np.ndarray, distortion: Optional[np.ndarray]) -> np.ndarray:
    """Apply OpenCV's radial-tangential(-rational) model to normalized coordinates.

    Vectorized equivalent of ``cv2.projectPoints``'s distortion step.

    Args:
        points: (..., 2) undistorted normalized coordinates.
        distortion: (4|5|8,) coefficients ``(k1, k2, p1, p2[, k3[, k4, k5, k6]])`` or None.

    Returns:
        (..., 2) distorted normalized coordinates.
    """
    distortion = _check_distortion(distortion)
    points = np.asarray(points, dtype=np.float64)
    if distortion is None:
        return points.copy()
    k = np.zeros(8)
    k[:distortion.size] = distortion
    k1, k2, p1, p2, k3, k4, k5, k6 = k
    x, y = points[..., 0], points[..., 1]
    r2 = x * x + y * y
    radial = ((1 + r2 * (k1 + r2 * (k2 + r2 * k3))) / (1 + r2 * (k4 + r2 * (k5 + r2 * k6))))
    xd = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
    yd = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
    return np.stack([xd, yd], axis=-1)


def normalized_to_pixel(points: np.ndarray,
                        intrinsics: np.ndarray,
                        distortion: Optional[np.ndarray] = None) -> np.ndarray:
    """Undistorted normalized coordinates of one camera to pixels.

    Args:
        points: (..., 2) normalized coordinates.
        intrinsics: (3, 3) camera matrix K in pixels.
        distortion: optional (4|5|8,) OpenCV distortion coefficients.

    Returns:
        (..., 2) pixel coordinates.
    """
    intrinsics = _check_intrinsics(intrinsics)
    distorted = distort_normalized(points, distortion)
    return distorted @ intrinsics[:2, :2].T + intrinsics[:2, 2]


def refocus_normalized(points: np.ndarray, intrinsics: np.ndarray,
                       distortion: Optional[np.ndarray], focal_scale: float) -> np.ndarray:
    """The normalized coordinates of the same pixels when the camera's focal lengths are
    ``focal_scale`` times those of ``intrinsics`` (principal point and distortion kept).

    Without distortion this is ``points / focal_scale``. With distortion the pixels are
    recovered (``normalized_to_pixel``) and undistorted again with the new camera matrix: the
    distortion acts at the image radius the new focal length gives, so the intrinsics and
    distortion a refined focal is stored with still map the detections to these coordinates.

    Args:
        points: (..., 2) normalized coordinates computed with ``intrinsics`` and
            ``distortion``. intrinsics: (3, 3). distortion: optional (4|5|8,).
        focal_scale: the factor on fx, fy (and the skew).

    Returns:
        (..., 2) normalized coordinates of the refocused camera.
    """
    distortion = _check_distortion(distortion)
    if distortion is None:
        return np.asarray(points, dtype=np.float64) / focal_scale
    refocused = _check_intrinsics(intrinsics).copy()
    refocused[:2, :2] *= focal_scale
    return pixel_to_normalized(normalized_to_pixel(points, intrinsics, distortion), refocused,
                               distortion)


def project_points(points_cam: np.ndarray,
                   intrinsics: np.ndarray,
                   distortion: Optional[np.ndarray] = None) -> np.ndarray:
    """Project points given in the camera frame to pixels.

    Args:
        points_cam: (..., 3) points in the camera frame (z > 0 in front of the camera).
        intrinsics: (3, 3) camera matrix K in pixels.
        distortion: optional (4|5|8,) OpenCV distortion coefficients.

    Returns:
        (..., 2) pixel coordinates (meaningless where z <= 0).
    """
    points_cam = np.asarray(points_cam, dtype=np.float64)
    if points_cam.shape[-1] != 3:
        raise ValueError(f'points_cam must have shape (..., 3), got {points_cam.shape}')
    normalized = points_cam[..., :2] / points_cam[..., 2:3]
    return normalized_to_pixel(normalized, intrinsics, distortion)


def world_to_camera(points_world: np.ndarray, rotation: np.ndarray,
                    translation: np.ndarray) -> np.ndarray:
    """``X_cam = R @ X_world + t`` for (..., 3) points, (3, 3) R and (3,) t."""
    return np.asarray(points_world) @ np.asarray(rotation).T + np.asarray(translation)


def pinhole_from_image_size(width: int, height: int, focal_scale: float = 1.0) -> np.ndarray:
    """An approximate camera matrix for a camera whose intrinsics are unknown.

    The principal point is the image centre and both focal lengths are
    ``focal_scale * max(width, height)`` pixels (a horizontal field of view of about 53 degrees
    for ``focal_scale=1``, typical of studio cameras and phones in their main lens).
    This is an explicit, approximate choice: labels are only as good as this guess.

    Returns:
        (3, 3) camera matrix in pixels.
    """
    if width <= 0 or height <= 0 or focal_scale <= 0:
        raise ValueError(f'image size and focal_scale must be positive, got '
                         f'width={width}, height={height}, focal_scale={focal_scale}')
    focal = focal_scale * max(width, height)
    return np.array([[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]])


def view_camera(intrinsics: np.ndarray, distortion: Optional[np.ndarray] = None,
                view: Optional[int] = None):
    """One camera's (3, 3) K and distortion (or None) from per-rig or per-camera arrays.

    Args:
        intrinsics: (3, 3) or (V, 3, 3) pixels. distortion: None, (D,) or (V, D).
        view: the camera's index; needed when the arrays are per rig.
    """
    matrix = np.asarray(intrinsics, dtype=np.float64)
    coefficients = None if distortion is None else np.asarray(distortion, dtype=np.float64)
    per_rig_distortion = coefficients is not None and coefficients.ndim == 2
    if view is None and (matrix.ndim == 3 or per_rig_distortion):
        raise KeyError(f'per-rig intrinsics {matrix.shape} need the camera index (view)')
    if matrix.ndim == 3:
        matrix = matrix[int(view)]
    if per_rig_distortion:
        coefficients = coefficients[int(view)]
    return _check_intrinsics(matrix), coefficients
