"""A shaded capsule mannequin rendered into the synthetic cameras (numpy + OpenCV, no GL).

Convention:
    The body is a set of capsules (a segment between two joints with a radius in metres), drawn
    in each camera with a per-pixel depth test. A capsule is evaluated in the image: its axis is
    the segment between the two projected joints (distortion applied to the endpoints), its
    radius in pixels ``radius * fx / z`` varies linearly along the axis, and the depth of a pixel
    is the axis depth minus the radius times the height of the capsule's cross-section there.
    That is exact for a pinhole camera up to the linear interpolation along a limb, which is far
    below a pixel at studio distances. Left limbs are blue-tinted, right limbs red-tinted.
    The background is a room shared by all views: a checkerboard floor (z = 0, 0.5 m tiles) and
    a panelled cylindrical wall 8 m from the centre, seen through each camera's own lens.
"""
from dataclasses import dataclass

import cv2
import numpy as np

from ..geometry.camera import pixel_to_normalized, project_points

# (joint a, joint b, radius in metres, part); a == b is a sphere.
CAPSULES = (
    (0, 7, 0.12, 'torso'), (7, 8, 0.13, 'torso'), (1, 4, 0.10, 'torso'), (11, 14, 0.07, 'torso'),
    (8, 9, 0.05, 'skin'), (9, 10, 0.095, 'skin'),
    (1, 2, 0.075, 'right_leg'), (2, 3, 0.055, 'right_leg'),
    (4, 5, 0.075, 'left_leg'), (5, 6, 0.055, 'left_leg'),
    (14, 15, 0.05, 'right_arm'), (15, 16, 0.04, 'right_arm'),
    (11, 12, 0.05, 'left_arm'), (12, 13, 0.04, 'left_arm'),
)
PARTS = ('torso', 'skin', 'left_arm', 'right_arm', 'left_leg', 'right_leg')
_TORSO_JOINTS = (0, 1, 4, 7, 8, 9, 11, 14)    # joints inside or on the trunk capsules
_CAPSULE_JOINTS = np.array([c[:2] for c in CAPSULES])
_CAPSULE_RADII = np.array([c[2] for c in CAPSULES])
_CAPSULE_PARTS = np.array([PARTS.index(c[3]) for c in CAPSULES])


@dataclass
class Appearance:
    """Colours (BGR, 0-255) of a subject's parts and the scene's light.

    Attributes:
        part_colours: (len(PARTS), 3) BGR.
        light: (3,) unit vector towards the light, in the camera frame of each view.
        ambient: ambient light fraction in [0, 1].
    """
    part_colours: np.ndarray
    light: np.ndarray
    ambient: float


def random_appearance(rng: np.random.Generator) -> Appearance:
    """Clothes, skin and light of one sequence: left limbs blue-tinted, right limbs red-tinted."""
    shirt = rng.uniform(60, 200, 3)
    trousers = rng.uniform(30, 140, 3)
    skin = np.array([120, 160, 210]) * rng.uniform(0.6, 1.05)
    left_tint, right_tint = np.array([90, -20, -40]), np.array([-40, -20, 90])
    colours = np.stack([shirt, skin, shirt + left_tint, shirt + right_tint,
                        trousers + left_tint, trousers + right_tint])
    light = np.array([rng.uniform(-0.6, 0.6), rng.uniform(-1.0, -0.3), -1.0])
    return Appearance(np.clip(colours, 0, 255), light / np.linalg.norm(light),
                      float(rng.uniform(0.3, 0.5)))


def _capsules_in_image(joints_cam, intrinsics, distortion):
    """Projected capsule endpoints (F, C, 2, 2) px, depths (F, C, 2) m, radii (F, C, 2) px."""
    pixels = project_points(joints_cam, intrinsics, distortion)            # (F, J, 2)
    ends = pixels[:, _CAPSULE_JOINTS]                                       # (F, C, 2, 2)
    depth = joints_cam[..., 2][:, _CAPSULE_JOINTS]                          # (F, C, 2)
    radius_px = _CAPSULE_RADII[None, :, None] * intrinsics[0, 0] / depth
    return ends, depth, radius_px


def capsule_surface(points: np.ndarray, ends: np.ndarray, depth: np.ndarray,
                    radius_px: np.ndarray, radius_m: np.ndarray, with_normal: bool = False):
    """Front-surface depth (and normal) of every capsule at image points.

    Args:
        points: (F, P, 2) pixel positions per frame.
        ends: (F, C, 2, 2) capsule endpoints in pixels. depth: (F, C, 2) their depths, metres.
        radius_px: (F, C, 2) radii at the endpoints, pixels. radius_m: (C,) radii, metres.
        with_normal: also return the surface normals.

    Returns:
        surface_depth: (F, C, P) metres, ``inf`` where the point is outside the capsule.
        normal (only ``with_normal``): (F, C, P, 3) unit surface normal in the camera frame
        (negative z faces the camera).
    """
    dtype = np.float32
    px, py = (points[:, None, :, k].astype(dtype) for k in (0, 1))             # (F, 1, P)
    ax, ay = (ends[:, :, 0, k, None].astype(dtype) for k in (0, 1))            # (F, C, 1)
    dx = ends[:, :, 1, 0, None].astype(dtype) - ax
    dy = ends[:, :, 1, 1, None].astype(dtype) - ay
    ox, oy = px - ax, py - ay                                                  # (F, C, P)
    length2 = np.maximum(dx * dx + dy * dy, 1e-9)
    t = np.clip((ox * dx + oy * dy) / length2, 0.0, 1.0)
    ex, ey = ox - t * dx, oy - t * dy
    r0 = radius_px[..., :1].astype(dtype)
    radius = r0 + t * (radius_px[..., 1:].astype(dtype) - r0)
    ratio2 = (ex * ex + ey * ey) / (radius * radius)
    height = np.sqrt(np.clip(1.0 - ratio2, 0.0, None))
    z0 = depth[..., :1].astype(dtype)
    surface = z0 + t * (depth[..., 1:].astype(dtype) - z0)
    surface -= np.asarray(radius_m, dtype)[None, :, None] * height
    surface[ratio2 >= 1.0] = np.inf
    if not with_normal:
        return surface
    return surface, np.stack([ex / radius, ey / radius, -height], axis=-1)


def self_occlusion(joints_cam: np.ndarray, intrinsics: np.ndarray, distortion: np.ndarray,
                   margin: float = 0.03) -> np.ndarray:
    """Which joints are hidden behind the subject's own body in a camera.

    A joint is occluded when a capsule it does not belong to (the trunk capsules count as the
    trunk joints' own) covers its pixel more than ``margin`` metres in front of it.

    Args:
        joints_cam: (F, J, 3) joints in the camera frame, metres.
        intrinsics: (3, 3). distortion: (5,) OpenCV order.

    Returns:
        (F, J) bool.
    """
    ends, depth, radius_px = _capsules_in_image(joints_cam, intrinsics, distortion)
    pixels = project_points(joints_cam, intrinsics, distortion)
    surface = capsule_surface(pixels, ends, depth, radius_px, _CAPSULE_RADII)                 # (F, C, J)
    num_joints = joints_cam.shape[1]
    own = np.zeros((len(CAPSULES), num_joints), bool)
    for index, (a, b, _, part) in enumerate(CAPSULES):
        own[index, [a, b]] = True
        if part == 'torso':
            own[index, list(_TORSO_JOINTS)] = True
    surface = np.where(own[None], np.inf, surface)
    return surface.min(axis=1) < joints_cam[..., 2] - margin


def random_room(rng: np.random.Generator) -> np.ndarray:
    """(3, 3) BGR colours of the two floor tiles and the wall of one capture."""
    return rng.uniform(70, 200, (3, 3))


def render_background(rotation: np.ndarray, translation: np.ndarray, intrinsics: np.ndarray,
                      distortion: np.ndarray, width: int, height: int, room: np.ndarray,
                      rng: np.random.Generator) -> np.ndarray:
    """The room seen by one camera: (H, W, 3) uint8 BGR.

    Args:
        rotation, translation: world-to-camera extrinsics (``X_cam = R X_world + t``), metres.
        intrinsics: (3, 3). distortion: (5,). room: (3, 3) colours from ``random_room``.
        rng: texture noise.
    """
    grid = np.stack(np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5), -1) - 0.5
    rays = pixel_to_normalized(grid.reshape(-1, 2), intrinsics, distortion)
    rays = np.concatenate([rays, np.ones((len(rays), 1))], axis=1) @ rotation  # world dirs
    centre = -rotation.T @ translation
    floor_a, floor_b, wall = room
    # floor z = 0
    on_floor = rays[:, 2] < -1e-6
    distance = np.where(on_floor, -centre[2] / np.minimum(rays[:, 2], -1e-6), 1e3)
    floor_xy = centre[:2] + distance[:, None] * rays[:, :2]
    checker = (np.floor(floor_xy / 0.5).sum(axis=1) % 2)[:, None]
    floor = np.where(checker > 0, floor_a, floor_b) * np.exp(-distance / 40.0)[:, None]
    # wall: cylinder of radius 8 m around the origin
    a = np.sum(rays[:, :2] ** 2, axis=1)
    b = 2 * rays[:, :2] @ centre[:2]
    c = centre[:2] @ centre[:2] - 64.0
    s = (-b + np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))) / (2 * a)
    hit = centre + s[:, None] * rays
    panel = (np.floor(np.arctan2(hit[:, 1], hit[:, 0]) / (2 * np.pi) * 24) % 2)[:, None]
    shade = np.clip(0.55 + 0.15 * hit[:, 2:3], 0.3, 1.2)
    walls = wall * (0.8 + 0.2 * panel) * shade
    image = np.where((on_floor & (distance < s))[:, None], floor, walls)
    image = image.reshape(height, width, 3) + rng.normal(0, 6, (height, width, 3))
    return np.clip(cv2.GaussianBlur(image, (5, 5), 1.0), 0, 255).astype(np.uint8)


def render_frames(joints_cam: np.ndarray, intrinsics: np.ndarray, distortion: np.ndarray,
                  background: np.ndarray, appearance: Appearance, rng: np.random.Generator,
                  batch: int = 32) -> np.ndarray:
    """The mannequin over a background in every frame of one camera.

    Args:
        joints_cam: (F, J, 3) joints in this camera's frame, metres (in front of the camera).
        intrinsics: (3, 3). distortion: (5,). background: (H, W, 3) uint8 BGR.
        appearance: colours and light. rng: sensor noise.
        batch: frames evaluated together (memory ~ batch x 14 x window^2 x 40 bytes).

    Returns:
        (F, H, W, 3) uint8 BGR images.
    """
    height, width = background.shape[:2]
    ends, depth, radius_px = _capsules_in_image(joints_cam, intrinsics, distortion)
    low = (ends - radius_px[..., None]).min(axis=(1, 2))                        # (F, 2)
    high = (ends + radius_px[..., None]).max(axis=(1, 2))
    size = int(np.ceil((high - low).max())) + 2
    size = min(size, width, height)
    corner = np.clip(np.floor((low + high) / 2 - size / 2), 0, [width - size, height - size])
    corner = corner.astype(int)
    window = np.stack(np.meshgrid(np.arange(size), np.arange(size)), -1).reshape(-1, 2) + 0.5
    colours = appearance.part_colours[_CAPSULE_PARTS]                           # (C, 3)
    images = np.repeat(background[None], len(joints_cam), axis=0)
    for first in range(0, len(joints_cam), batch):
        frames = slice(first, first + batch)
        points = corner[frames, None] + window[None] - 0.5                      # (B, P, 2)
        surface, normal = capsule_surface(points, ends[frames], depth[frames], radius_px[frames],
                                          _CAPSULE_RADII, with_normal=True)
        nearest = surface.argmin(axis=1)                                        # (B, P)
        hit = np.isfinite(np.take_along_axis(surface, nearest[:, None], 1)[:, 0])
        normal = np.take_along_axis(normal, nearest[:, None, :, None], 1)[:, 0]
        lambert = np.clip(normal @ appearance.light, 0.0, None)
        shade = appearance.ambient + (1 - appearance.ambient) * lambert
        pixels = colours[nearest] * shade[..., None]
        for offset, frame in enumerate(range(first, min(first + batch, len(joints_cam)))):
            x0, y0 = corner[frame]
            region = images[frame, y0:y0 + size, x0:x0 + size]
            mask = hit[offset].reshape(size, size)
            region[mask] = np.clip(pixels[offset].reshape(size, size, 3)[mask], 0, 255)
    noise = 3.0 * rng.standard_normal(images.shape, dtype=np.float32)   # sensor noise, levels
    for frame in range(len(images)):
        smooth = cv2.GaussianBlur(images[frame], (3, 3), 0.7)
        images[frame] = np.clip(smooth + noise[frame], 0, 255)
    return images
