"""Structured failures of real 2D detectors, beyond independent pixel noise.

What off-the-shelf detectors do on multi-camera recordings, and what the pooled geometry must
survive (each switched off by default; see :class:`DetectorFailures`):

- **left/right swaps** of all limbs in stretches of frames of a view that sees the subject from
  behind;
- **viewpoint-dependent keypoints**: hips, shoulders and head are detected on the body's visible
  surface, i.e. a few centimetres towards each camera: not the same 3D point from every side;
- **one bad view** for long stretches: the detector locks onto another person, or the person is
  half out of frame / occluded (heavy noise, lower body missing);
- **unsynchronized cameras**: a view's detections belong to a frame a few frames earlier.
"""
from dataclasses import dataclass
from typing import Tuple

import numpy as np

from ..geometry.camera import world_to_camera
from ..labels.swaps import H36M_FLIP_PAIRS, flip_permutation
from .skeleton import animate

#: Human3.6M order: (left, right) joint pairs that a swap exchanges.
FLIP_PAIRS = H36M_FLIP_PAIRS
#: Joints detected on the body's surface (hips, head, shoulders).
SURFACE_JOINTS = (1, 4, 10, 11, 14)
LEFT_HIP, RIGHT_HIP = 4, 1


@dataclass
class DetectorFailures:
    """Which structured failures to simulate, and how strong.

    Attributes:
        swap_probability: chance, per block of ``swap_block`` frames and per view, that the
            detector swaps left and right while that view sees the subject's back (the angle
            between the subject's facing direction and the camera above 110 degrees).
        swap_block: frames per swap decision (swaps come in stretches).
        viewpoint_bias_m: hips, shoulders and head are observed this far (metres) from the
            joint towards the camera, horizontally.
        bad_view: index of a view that is bad for long stretches; -1 for none.
        bad_fraction: about this fraction of the bad view's frames are bad, in stretches of
            ``bad_stretch`` frames, alternately a wrong person (another subject 1.5-2.5 m away,
            plausible scores) and a half-visible person (the legs missing, 8x the pixel noise).
        bad_stretch: (min, max) length of a bad stretch, frames.
        sync_offsets: per-view delay in frames (view v shows frame f - offset[v]); empty = in
            sync. The first frames of a delayed view repeat its first frame.
    """
    swap_probability: float = 0.0
    swap_block: int = 10
    viewpoint_bias_m: float = 0.0
    bad_view: int = -1
    bad_fraction: float = 0.5
    bad_stretch: Tuple[int, int] = (40, 120)
    sync_offsets: Tuple[int, ...] = ()


def camera_centre(rotation: np.ndarray, translation: np.ndarray) -> np.ndarray:
    """World position (3,) of a camera with ``X_cam = R X_world + t``."""
    return -rotation.T @ translation


def seen_from_behind(joints_world: np.ndarray, centre: np.ndarray,
                     min_angle_deg: float = 110.0) -> np.ndarray:
    """(F,) whether a camera at ``centre`` sees the subject's back (z-up world, H36M joints)."""
    left = joints_world[:, LEFT_HIP] - joints_world[:, RIGHT_HIP]
    forward = np.cross(np.array([0.0, 0.0, 1.0]), left)[:, :2]
    to_camera = centre[None, :2] - joints_world[:, 0, :2]
    cosine = np.sum(forward * to_camera, axis=1) / (
        np.linalg.norm(forward, axis=1) * np.linalg.norm(to_camera, axis=1) + 1e-12)
    return cosine < np.cos(np.radians(min_angle_deg))


def _stretches(rng, num_frames: int, fraction: float, length: Tuple[int, int]) -> list:
    """Disjoint (start, stop) frame ranges covering about ``fraction`` of the frames."""
    stretches, covered, attempts = [], np.zeros(num_frames, bool), 0
    while covered.mean() < fraction and attempts < 1000:
        attempts += 1
        size = int(rng.integers(length[0], length[1] + 1))
        start = int(rng.integers(0, max(num_frames - size, 0) + 1))
        stop = min(start + size, num_frames)
        if covered[max(start - 1, 0):stop + 1].any():
            continue
        covered[start:stop] = True
        stretches.append((start, stop))
    return sorted(stretches)


def observed_joints(joints_world: np.ndarray, cameras: list, failures: DetectorFailures,
                    seed: int = 0) -> Tuple[np.ndarray, dict]:
    """What each view's detector "sees" before noise: (V, F, J, 3) points in each camera frame.

    Args:
        joints_world: (F, J, 3) metres, Human3.6M joint order.
        cameras: V cameras with ``rotation``, ``translation`` (world to camera).
        failures: the failures to simulate.
        seed: deterministic for a seed.

    Returns:
        points: (V, F, J, 3) camera-frame points whose projections are the detector's clean
            2D (before :func:`~.detections.simulate_detections` adds noise).
        info: ``swapped`` (V, F) bool and ``bad`` (V, F) int8 (0 good, 1 wrong person,
            2 half visible): the truth about every failure, for benchmarks and tests.
    """
    rng = np.random.default_rng(seed)
    num_views, (num_frames, num_joints) = len(cameras), joints_world.shape[:2]
    offsets = np.zeros(num_views, dtype=np.int64)
    if failures.sync_offsets:
        if len(failures.sync_offsets) != num_views:
            raise ValueError(f'sync_offsets needs one delay per view ({num_views}), got '
                             f'{failures.sync_offsets}')
        offsets[:] = failures.sync_offsets
    swapped = np.zeros((num_views, num_frames), bool)
    bad = np.zeros((num_views, num_frames), np.int8)
    other_person = None
    if failures.bad_view >= 0:
        if failures.bad_view >= num_views:
            raise ValueError(f'bad_view must be < {num_views}, got {failures.bad_view}')
        angle = rng.uniform(0, 2 * np.pi)
        shift = rng.uniform(1.5, 2.5) * np.array([np.cos(angle), np.sin(angle), 0.0])
        other_person = animate(num_frames, seed=seed + 101, action='walking') + shift
        for k, (start, stop) in enumerate(_stretches(rng, num_frames, failures.bad_fraction,
                                                     failures.bad_stretch)):
            bad[failures.bad_view, start:stop] = 1 + k % 2

    points = np.empty((num_views, num_frames, num_joints, 3))
    for v, camera in enumerate(cameras):
        frames = np.clip(np.arange(num_frames) - offsets[v], 0, num_frames - 1)
        world = joints_world[frames].copy()
        centre = camera_centre(camera.rotation, camera.translation)
        if failures.viewpoint_bias_m:
            towards = centre[None, None, :] - world[:, SURFACE_JOINTS]
            towards[..., 2] = 0.0
            towards /= np.linalg.norm(towards, axis=-1, keepdims=True)
            world[:, SURFACE_JOINTS] += failures.viewpoint_bias_m * towards
        if failures.swap_probability:
            blocks = rng.random(num_frames // failures.swap_block + 1) < failures.swap_probability
            swapped[v] = np.repeat(blocks, failures.swap_block)[:num_frames] & seen_from_behind(
                world, centre)
            world[swapped[v]] = world[swapped[v]][:, flip_permutation(num_joints, FLIP_PAIRS)]
        if other_person is not None:
            world[bad[v] == 1] = other_person[bad[v] == 1]
        points[v] = world_to_camera(world, camera.rotation, camera.translation)
    return points, dict(swapped=swapped, bad=bad)


def corrupt_half_visible(keypoints_2d: np.ndarray, bad: np.ndarray, pixel_sigma: float,
                         seed: int = 0) -> np.ndarray:
    """Half-visible frames (``bad == 2``): legs missing, the rest with 8x the pixel noise.

    Args:
        keypoints_2d: (V, F, J, 3) detections; not modified.
        bad: (V, F) codes from :func:`observed_joints`.

    Returns:
        (V, F, J, 3) detections.
    """
    rng = np.random.default_rng(seed)
    out = keypoints_2d.copy()
    half = bad == 2
    legs = np.array([2, 3, 5, 6])
    block = out[half]                                                  # (N, J, 3)
    block[..., :2] += rng.normal(0.0, 8.0 * pixel_sigma, block[..., :2].shape)
    block[:, legs, :2] = np.nan
    block[:, legs, 2] = 0.0
    out[half] = block
    return out
