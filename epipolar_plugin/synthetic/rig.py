"""Synthetic static camera rigs placed like a motion-capture studio (Human3.6M-like)."""
from dataclasses import dataclass
from typing import Optional, Tuple, Union

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


@dataclass
class FacingPair:
    """Two cameras on opposite sides of the room's centre, facing each other across the subject.

    Real rigs have them (a 4-camera room often has two such pairs): their rays to a subject
    near the line joining them are almost one line, so the pair cannot place a point in depth,
    and its epipolar geometry is satisfied by almost any correspondence.

    Attributes:
        views: the two camera indices.
        axes_angle_deg: angle between the two optical axes (180: pointing at each other);
            each camera is turned away from the centre by half of the difference to 180, in
            opposite senses, so the subject is off-centre in both images.
        focal_scale: the pair's focal length relative to the rig's (wide lenses keep the
            off-centre subject in the image).
    """
    views: Tuple[int, int] = (1, 3)
    axes_angle_deg: float = 140.0
    focal_scale: float = 0.8


def studio_rig(num_cameras: int = 4, seed: int = 0, distance: float = 5.0,
               image_size: Union[int, Tuple[int, int]] = 1000, focal: float = 1150.0,
               distortion_scale: float = 0.05,
               facing: Optional[FacingPair] = None) -> list:
    """Cameras evenly spaced around the origin, like Human3.6M's four corner cameras.

    Each camera sits ``distance`` metres (+-10%) from the room's centre at 1.2-1.9 m height,
    looks at the subject's chest height with small random offsets, and has its own focal
    length (+-3%), principal point and small distortion (up to ``distortion_scale``).
    ``image_size`` is the side of square images or (width, height), e.g. (1080, 1920) for
    portrait full-HD cameras.
    With ``facing``, the second camera of the pair is moved to the opposite side of the centre
    from the first (same distance and height) and both are turned as :class:`FacingPair` says.

    Returns:
        list of V :class:`SyntheticCamera`.
    """
    if num_cameras < 2:
        raise ValueError(f'a rig needs at least 2 cameras, got {num_cameras}')
    if facing is not None and (len(set(facing.views)) != 2
                               or not all(0 <= v < num_cameras for v in facing.views)):
        raise ValueError(f'facing.views must be two different cameras of {num_cameras}, got '
                         f'{facing.views}')
    width, height = (image_size, image_size) if np.isscalar(image_size) else image_size
    rng = np.random.default_rng(seed)
    cameras, positions = [], {}
    for index in range(num_cameras):
        azimuth = 2 * np.pi * index / num_cameras + np.pi / 4 + rng.uniform(-0.15, 0.15)
        radius = distance * rng.uniform(0.9, 1.1)
        position = np.array([radius * np.cos(azimuth), radius * np.sin(azimuth),
                             rng.uniform(1.2, 1.9)])
        target = np.array([0.0, 0.0, 1.0]) + rng.uniform(-0.2, 0.2, 3)
        f = focal * rng.uniform(0.97, 1.03)
        if facing is not None and index in facing.views:
            first = facing.views.index(index) == 0
            if not first:
                position = positions[facing.views[0]] * np.array([-1.0, -1.0, 1.0])
            turn = np.radians(90.0 - facing.axes_angle_deg / 2) * (1 if first else -1)
            target = position + _turned(np.array([0.0, 0.0, position[2]]) - position, turn)
            f *= facing.focal_scale
        positions[index] = position
        rotation = look_at(position, target)
        intrinsics = np.array([[f, 0.0, width / 2 + rng.uniform(-10, 10)],
                               [0.0, f * rng.uniform(0.995, 1.005),
                                height / 2 + rng.uniform(-10, 10)],
                               [0.0, 0.0, 1.0]])
        distortion = np.array([rng.uniform(-1, 1) * distortion_scale,
                               rng.uniform(-1, 1) * distortion_scale / 2,
                               rng.uniform(-1, 1) * distortion_scale / 50,
                               rng.uniform(-1, 1) * distortion_scale / 50, 0.0])
        cameras.append(SyntheticCamera(intrinsics, distortion, rotation, -rotation @ position,
                                       int(width), int(height)))
    return cameras


def _turned(direction: np.ndarray, angle: float) -> np.ndarray:
    """``direction`` (3,) turned by ``angle`` radians about the vertical axis."""
    cosine, sine = np.cos(angle), np.sin(angle)
    return np.array([cosine * direction[0] - sine * direction[1],
                     sine * direction[0] + cosine * direction[1], direction[2]])


def moved_rig(cameras: list, seed: int, rotation_deg: float = 3.0, shift_m: float = 0.3) -> list:
    """The same cameras set up again for another recording session.

    Studios calibrate again between sessions because cameras move: Human3.6M's per-subject
    calibrations differ by up to 3.3 degrees and 0.29 m in a camera's pose relative to another.
    Each camera is turned about a random axis by 50-100 % of ``rotation_deg`` and moved in a
    random direction by 50-100 % of ``shift_m``; intrinsics and image sizes are kept.

    Returns:
        list of V :class:`SyntheticCamera`.
    """
    rng = np.random.default_rng(seed)
    moved = []
    for camera in cameras:
        axis = rng.normal(size=3)
        angle = np.radians(rotation_deg) * rng.uniform(0.5, 1.0)
        turn = _axis_angle(axis / np.linalg.norm(axis), angle)
        direction = rng.normal(size=3)
        shift = shift_m * rng.uniform(0.5, 1.0) * direction / np.linalg.norm(direction)
        rotation = turn @ camera.rotation
        position = -camera.rotation.T @ camera.translation + shift
        moved.append(SyntheticCamera(camera.intrinsics.copy(), camera.distortion.copy(), rotation,
                                     -rotation @ position, camera.width, camera.height))
    return moved


def _axis_angle(axis: np.ndarray, angle: float) -> np.ndarray:
    """(3, 3) rotation by ``angle`` radians about the unit ``axis`` (Rodrigues' formula)."""
    skew = np.array([[0.0, -axis[2], axis[1]], [axis[2], 0.0, -axis[0]], [-axis[1], axis[0], 0.0]])
    return np.eye(3) + np.sin(angle) * skew + (1 - np.cos(angle)) * skew @ skew
