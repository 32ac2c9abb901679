"""A synthetic multi-view capture: motion + rig + projections + detections, with the truth."""
from dataclasses import dataclass, field
from typing import Optional, Tuple, Union

import numpy as np

from ..geometry.camera import project_points, world_to_camera
from .detections import DetectionNoise, simulate_detections
from .failures import DetectorFailures, corrupt_half_visible, observed_joints
from .rig import FacingPair, moved_rig, studio_rig
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
        session: (F,) int, the recording session of each frame; session_cameras: the rig of
            each session (``cameras`` is the first).
    """
    joints_world: np.ndarray
    cameras: list
    joints_camera: np.ndarray
    keypoints_clean: np.ndarray
    keypoints_2d: np.ndarray
    intrinsics: np.ndarray
    distortion: np.ndarray
    failures: dict = field(default_factory=dict)
    session: np.ndarray = None
    session_cameras: list = None

    def relative_pose(self, view: int, reference_view: int = 0, session: int = 0):
        """True (R, t) of ``view`` relative to ``reference_view`` (X_v = R X_ref + t), metres,
        in the rig of ``session``."""
        cameras = self.session_cameras[session] if self.session_cameras else self.cameras
        ref, cam = cameras[reference_view], cameras[view]
        rotation = cam.rotation @ ref.rotation.T
        return rotation, cam.translation - rotation @ ref.translation


def make_scene(num_frames: int = 200, num_cameras: int = 4, seed: int = 0,
               noise: DetectionNoise = DetectionNoise(),
               failures: Optional[DetectorFailures] = None, camera_distance: float = 5.0,
               area_radius: float = 1.0, action: str = 'free',
               facing: Optional[FacingPair] = None, sessions: int = 1,
               session_change: Tuple[float, float] = (3.0, 0.3),
               image_size: Union[int, Tuple[int, int]] = 1000, fps: float = 50.0,
               walking_speed: Optional[float] = None, focal: Optional[float] = None,
               distortion: Optional[np.ndarray] = None) -> SyntheticScene:
    """Animate, film and "detect" a subject; deterministic for a seed.

    Args:
        num_frames, num_cameras: F and V.
        noise: independent detector noise. failures: optional structured detector failures.
        camera_distance: metres from the room's centre to the cameras.
        area_radius: the subject stays within about this radius (metres) of the centre.
        action: the motion (see ``skeleton.ACTIONS``).
        facing: optional pair of cameras facing each other across the subject.
        sessions: the frames are split into this many recording sessions (consecutive blocks);
            every session after the first films with the rig set up again
            (:func:`~.rig.moved_rig` by ``session_change`` = (degrees, metres)).
        image_size: square images of this side, pixels, or (width, height) (portrait full HD:
            (1080, 1920)); focal lengths (1.15 x the longer side) and the detector's pixel
            errors (``noise`` is given for 1000 pixels) scale with the longer side.
        fps: frames per second of the cameras (the motion's time step).
        walking_speed: ``action='walking'`` only: metres per second (see
            :func:`~.skeleton.animate`); None: drawn from 0.9-1.3 m/s.
        focal: the cameras' focal length in pixels (each +-3 %) instead of 1.15 x the side.
        distortion: (5,) OpenCV coefficients (k1, k2, p1, p2, k3) of every camera instead of
            small random ones.
    """
    if sessions < 1 or sessions > num_frames:
        raise ValueError(f'sessions must be in [1, {num_frames}], got {sessions}')
    joints_world = animate(num_frames, seed=seed, area_radius=area_radius, action=action,
                           fps=fps, speed=walking_speed)
    side = image_size if np.isscalar(image_size) else max(image_size)
    rigs = [studio_rig(num_cameras, seed=seed + 1, distance=camera_distance, facing=facing,
                       image_size=image_size, focal=1.15 * side if focal is None else focal)]
    if distortion is not None:
        for camera in rigs[0]:
            camera.distortion = np.array(distortion, np.float64).reshape(5)
    noise = noise.scaled(side / 1000.0)
    for k in range(1, sessions):
        rigs.append(moved_rig(rigs[0], seed=seed + 10 + k, rotation_deg=session_change[0],
                              shift_m=session_change[1]))
    session = np.arange(num_frames) * sessions // num_frames
    joints_camera = np.empty((num_cameras, ) + joints_world.shape)
    clean = np.empty((num_cameras, num_frames, joints_world.shape[1], 2))
    observed = clean
    info = {}
    if failures is not None:
        observed = np.empty_like(clean)
        info = dict(swapped=np.zeros((num_cameras, num_frames), bool),
                    bad=np.zeros((num_cameras, num_frames), np.int8))
    for k, cameras in enumerate(rigs):
        frames = session == k
        joints_camera[:, frames] = np.stack(
            [world_to_camera(joints_world[frames], c.rotation, c.translation) for c in cameras])
        clean[:, frames] = _project(joints_camera[:, frames], cameras)
        if failures is not None:
            points, part = observed_joints(joints_world[frames], cameras, failures,
                                           seed=seed + 3 + 1000 * k)
            observed[:, frames] = _project(points, cameras)
            for key, value in part.items():
                info[key][:, frames] = value
    detections = simulate_detections(observed, noise, seed=seed + 2)
    if info:
        detections = corrupt_half_visible(detections, info['bad'], noise.pixel_sigma,
                                          seed=seed + 4)
    cameras = rigs[0]
    return SyntheticScene(joints_world=joints_world, cameras=cameras, joints_camera=joints_camera,
                          keypoints_clean=clean, keypoints_2d=detections,
                          intrinsics=np.stack([c.intrinsics for c in cameras]),
                          distortion=np.stack([c.distortion for c in cameras]), failures=info,
                          session=session, session_cameras=rigs)


def _project(points_camera: np.ndarray, cameras: list) -> np.ndarray:
    """(V, F, J, 3) camera-frame points -> (V, F, J, 2) pixels."""
    return np.stack([project_points(points_camera[v], cam.intrinsics, cam.distortion)
                     for v, cam in enumerate(cameras)])
