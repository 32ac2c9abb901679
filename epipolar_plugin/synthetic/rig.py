"""Synthetic static camera rigs placed like a motion-capture studio (Human3.6M-like)."""
from dataclasses import dataclass

import numpy as np


@dataclass
class SyntheticCamera:
    """A pinhole camera with OpenCV distortion; extrinsics map world to camera.

    Attributes:
        intrinsics: (3, 3) K in pixels. distortion: (5,) (k1, k2, p1, p2, k3).
        rotation: (3, 3) R and translation: (3,) t, metres, with ``X_cam = R X_world + t``.
        width, height: image size in pixels.
    """
    intrinsics: np.ndarray
    distortion: np.ndarray
    rotation: np.ndarray
    translation: np.ndarray
    width: int
    height: int


def look_at(position: np.ndarray, target: np.ndarray) -> np.ndarray:
    """World-to-camera rotation of a camera at ``position`` looking at ``target`` (z up world).

    Camera axes: x right, y down, z forward (OpenCV).
    """
    forward = target - position
    forward = forward / np.linalg.norm(forward)
    right = np.cross(forward, np.array([0.0, 0.0, 1.0]))
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    return np.stack([right, down, forward])


def studio_rig(num_cameras: int = 4, seed: int = 0, distance: float = 5.0,
               image_size: int = 1000, focal: float = 1150.0,
               distortion_scale: float = 0.05) -> list:
    """Cameras evenly spaced around the origin, like Human3.6M's four corner cameras.

    Each camera sits ``distance`` metres (+-10%) from the room's centre at 1.2-1.9 m height,
    looks at the subject's chest height with small random offsets, and has its own focal
    length (+-3%), principal point and small distortion (up to ``distortion_scale``).

    Returns:
        list of V :class:`SyntheticCamera`.
    """
    if num_cameras < 2:
        raise ValueError(f'a rig needs at least 2 cameras, got {num_cameras}')
    rng = np.random.default_rng(seed)
    cameras = []
    for index in range(num_cameras):
        azimuth = 2 * np.pi * index / num_cameras + np.pi / 4 + rng.uniform(-0.15, 0.15)
        radius = distance * rng.uniform(0.9, 1.1)
        position = np.array([radius * np.cos(azimuth), radius * np.sin(azimuth),
                             rng.uniform(1.2, 1.9)])
        target = np.array([0.0, 0.0, 1.0]) + rng.uniform(-0.2, 0.2, 3)
        rotation = look_at(position, target)
        f = focal * rng.uniform(0.97, 1.03)
        intrinsics = np.array([[f, 0.0, image_size / 2 + rng.uniform(-10, 10)],
                               [0.0, f * rng.uniform(0.995, 1.005),
                                image_size / 2 + rng.uniform(-10, 10)],
                               [0.0, 0.0, 1.0]])
        distortion = np.array([rng.uniform(-1, 1) * distortion_scale,
                               rng.uniform(-1, 1) * distortion_scale / 2,
                               rng.uniform(-1, 1) * distortion_scale / 50,
                               rng.uniform(-1, 1) * distortion_scale / 50, 0.0])
        cameras.append(SyntheticCamera(intrinsics, distortion, rotation, -rotation @ position,
                                       image_size, image_size))
    return cameras
