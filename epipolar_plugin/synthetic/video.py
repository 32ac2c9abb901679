"""A synthetic sequence filmed by a studio rig, written as one video file per camera.

The input of ``tools/prepare_videos.py`` and the video demo, with everything known about it
(cameras, 3D motion, exact and "detected" 2D joints), so a test can follow a capture from video
files to a trained model. The same renderer and detector error model as the Human3.6M-layout
writer (``h36m_layout.py``); this module only adds the video files.
"""
import os
import os.path as osp

import cv2
import numpy as np

from ..fileio import atomic_output
from ..geometry.camera import project_points, world_to_camera
from .detections import DetectionNoise, simulate_detections
from .h36m_layout import FOCAL_PER_PIXEL
from .render import (random_appearance, random_room, render_background, render_frames,
                     self_occlusion)
from .rig import studio_rig
from .skeleton import animate, random_body


def write_video(path: str, frames: np.ndarray, fps: float) -> None:
    """Write (F, H, W, 3) uint8 BGR frames as an MPEG-4 (``mp4v``) video with OpenCV."""
    height, width = frames.shape[1:3]
    with atomic_output(path) as temporary:
        writer = cv2.VideoWriter(temporary, cv2.VideoWriter_fourcc(*'mp4v'), float(fps),
                                 (width, height))
        if not writer.isOpened():
            raise OSError(f'OpenCV cannot write the video {path} (codec mp4v)')
        for frame in frames:
            writer.write(np.ascontiguousarray(frame))
        writer.release()


def write_sequence_videos(out_dir: str, num_frames: int = 40, num_cameras: int = 3,
                          size: int = 128, seed: int = 0, fps: float = 25.0,
                          action: str = 'walking',
                          noise: DetectionNoise = DetectionNoise()) -> dict:
    """Render one subject's sequence in every camera of a studio rig and write ``camera<k>.mp4``.

    Args:
        out_dir: folder for the videos (created).
        num_frames: F frames per video. num_cameras: V >= 2. size: square image side, pixels.
        seed: the only source of randomness. fps: the videos' frame rate and the motion's.
        action: one of ``skeleton.ACTIONS``.
        noise: the detector error model in pixels of a 1000-pixel image (scaled to ``size``).

    Returns:
        dict with ``video_paths`` (V,), ``camera_names`` (V,) (the videos' file stems),
        ``intrinsics`` (V, 3, 3) and ``distortion`` (V, 5) pixels, ``keypoints_clean``
        (V, F, 17, 2) exact projections, ``keypoints_2d`` (V, F, 17, 3) detections (pixels +
        score, as a 2D model's), ``joints_camera`` (V, F, 17, 3) metres, ``fps``.
    """
    rng = np.random.default_rng(seed)
    cameras = studio_rig(num_cameras, seed=seed, image_size=size, focal=FOCAL_PER_PIXEL * size)
    body, room, appearance = random_body(rng), random_room(rng), random_appearance(rng)
    joints_world = animate(num_frames, seed=int(rng.integers(2 ** 31)), fps=fps, action=action,
                           bone_scale=body)
    joints_camera = np.stack([world_to_camera(joints_world, c.rotation, c.translation)
                              for c in cameras])                                 # (V, F, J, 3)
    clean = np.stack([project_points(joints_camera[v], c.intrinsics, c.distortion)
                      for v, c in enumerate(cameras)])                           # (V, F, J, 2)
    occluded = np.stack([self_occlusion(joints_camera[v], c.intrinsics, c.distortion)
                         for v, c in enumerate(cameras)])
    detections = simulate_detections(clean, noise.scaled(size / 1000.0),
                                     seed=int(rng.integers(2 ** 31)), occluded=occluded)
    os.makedirs(out_dir, exist_ok=True)
    names = [f'camera{v + 1}' for v in range(num_cameras)]
    paths = [osp.join(out_dir, f'{name}.mp4') for name in names]
    for v, (camera, path) in enumerate(zip(cameras, paths)):
        background = render_background(camera.rotation, camera.translation, camera.intrinsics,
                                       camera.distortion, size, size, room, rng)
        write_video(path, render_frames(joints_camera[v], camera.intrinsics, camera.distortion,
                                        background, appearance, rng), fps)
    return dict(video_paths=np.array(paths), camera_names=np.array(names),
                intrinsics=np.stack([c.intrinsics for c in cameras]),
                distortion=np.stack([c.distortion for c in cameras]), keypoints_clean=clean,
                keypoints_2d=detections, joints_camera=joints_camera, fps=float(fps))
