"""A synthetic multi-view capture: motion + rig + projections + detections, with the truth."""
from dataclasses import dataclass

import numpy as np

from ..geometry.camera import project_points, world_to_camera
from .detections import DetectionNoise, simulate_detections
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
    """
    joints_world: np.ndarray
    cameras: list
    joints_camera: np.ndarray
    keypoints_clean: np.ndarray
    keypoints_2d: np.ndarray
    intrinsics: np.ndarray
    distortion: np.ndarray

    def relative_pose(self, view: int, reference_view: int = 0):
        """True (R, t) of ``view`` relative to ``reference_view`` (X_v = R X_ref + t), metres."""
        ref, cam = self.cameras[reference_view], self.cameras[view]
        rotation = cam.rotation @ ref.rotation.T
        return rotation, cam.translation - rotation @ ref.translation


def make_scene(num_frames: int = 200, num_cameras: int = 4, seed: int = 0,
               noise: DetectionNoise = DetectionNoise()) -> SyntheticScene:
    """Animate, film and "detect" a subject; deterministic for a seed."""
    joints_world = animate(num_frames, seed=seed)
    cameras = studio_rig(num_cameras, seed=seed + 1)
    joints_camera = np.stack(
        [world_to_camera(joints_world, cam.rotation, cam.translation) for cam in cameras])
    clean = np.stack([
        project_points(joints_camera[v], cam.intrinsics, cam.distortion)
        for v, cam in enumerate(cameras)
    ])
    detections = simulate_detections(clean, noise, seed=seed + 2)
    return SyntheticScene(joints_world=joints_world, cameras=cameras, joints_camera=joints_camera,
                          keypoints_clean=clean, keypoints_2d=detections,
                          intrinsics=np.stack([c.intrinsics for c in cameras]),
                          distortion=np.stack([c.distortion for c in cameras]))
