"""A synthetic multi-view capture: motion + rig + projections + detections, with the truth."""
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..geometry.camera import project_points, world_to_camera
from .detections import DetectionNoise, simulate_detections
from .failures import DetectorFailures, corrupt_half_visible, observed_joints
from .rig import studio_rig
from .skeleton import animate


@dataclass
class SyntheticScene:
    """Everything known about a synthetic capture (V views, F frames, J joints).

    Attributes:
        joints_world: (F, J, 3) metres. cameras: list of V SyntheticCamera.
        joints_camera: (V, F, J, 3) each camera's frame, metres.
        keypoints_clean: (V, F, J, 2) exact projections, pixels.
        keypoints_2d: (V, F, J, 3) detections (pixels + score), the only input of the labels.
        intrinsics: (V, 3, 3). distortion: (V, 5).
        failures: the truth about simulated detector failures (``swapped`` (V, F) bool,
            ``bad`` (V, F) int8); empty without failures.
    """
    joints_world: np.ndarray
    cameras: list
    joints_camera: np.ndarray
    keypoints_clean: np.ndarray
    keypoints_2d: np.ndarray
    intrinsics: np.ndarray
    distortion: np.ndarray
    failures: dict = field(default_factory=dict)

    def relative_pose(self, view: int, reference_view: int = 0):
        """True (R, t) of ``view`` relative to ``reference_view`` (X_v = R X_ref + t), metres."""
        ref, cam = self.cameras[reference_view], self.cameras[view]
        rotation = cam.rotation @ ref.rotation.T
        return rotation, cam.translation - rotation @ ref.translation


def make_scene(num_frames: int = 200, num_cameras: int = 4, seed: int = 0,
               noise: DetectionNoise = DetectionNoise(),
               failures: Optional[DetectorFailures] = None, camera_distance: float = 5.0,
               area_radius: float = 1.0, action: str = 'free') -> SyntheticScene:
    """Animate, film and "detect" a subject; deterministic for a seed.

    Args:
        num_frames, num_cameras: F and V.
        noise: independent detector noise. failures: optional structured detector failures.
        camera_distance: metres from the room's centre to the cameras.
        area_radius: the subject stays within about this radius (metres) of the centre.
        action: the motion (see ``skeleton.ACTIONS``).
    """
    joints_world = animate(num_frames, seed=seed, area_radius=area_radius, action=action)
    cameras = studio_rig(num_cameras, seed=seed + 1, distance=camera_distance)
    joints_camera = np.stack(
        [world_to_camera(joints_world, cam.rotation, cam.translation) for cam in cameras])
    clean = _project(joints_camera, cameras)
    info = {}
    observed = clean
    if failures is not None:
        points, info = observed_joints(joints_world, cameras, failures, seed=seed + 3)
        observed = _project(points, cameras)
    detections = simulate_detections(observed, noise, seed=seed + 2)
    if info:
        detections = corrupt_half_visible(detections, info['bad'], noise.pixel_sigma,
                                          seed=seed + 4)
    return SyntheticScene(joints_world=joints_world, cameras=cameras, joints_camera=joints_camera,
                          keypoints_clean=clean, keypoints_2d=detections,
                          intrinsics=np.stack([c.intrinsics for c in cameras]),
                          distortion=np.stack([c.distortion for c in cameras]), failures=info)


def _project(points_camera: np.ndarray, cameras: list) -> np.ndarray:
    """(V, F, J, 3) camera-frame points -> (V, F, J, 2) pixels."""
    return np.stack([project_points(points_camera[v], cam.intrinsics, cam.distortion)
                     for v, cam in enumerate(cameras)])
