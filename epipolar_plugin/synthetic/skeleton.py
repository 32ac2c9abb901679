"""A procedurally animated 17-joint skeleton in Human3.6M joint order (world frame, metres).

Convention:
    World frame z up, metres. Joint order and parents are Human3.6M's (as in MMPose's
    ``h36m`` metainfo): 0 root (pelvis), 1-3 right leg, 4-6 left leg, 7 spine, 8 thorax,
    9 neck/nose, 10 head, 11-13 left arm, 14-16 right arm.
    Body frame: x the subject's left, y forward, z up. Each joint's local rotation turns its
    *outgoing* bones; it is built from anatomical angles (flexion, abduction, twist) in degrees:
    flexion turns about x (positive swings a hanging limb forward; a negative spine or root
    flexion leans the trunk forward), abduction turns about y and twist about z, both mirrored
    on the right side so that positive abduction always moves a limb outward.

Actions (``ACTIONS``): smooth, periodic or piecewise-smooth motions with anatomically limited
angles, each mixed with small random joint motion so that no two frames repeat:
``walking`` (gait cycle, arm swing, walking a circle), ``reaching`` (arms to random targets),
``bending`` (forward bends at the hips, arms hanging), ``sitting`` (hips and knees near 90
degrees, upper body moving), ``turning`` (turning on the spot), and ``free`` (every angle a
random smooth signal within its limits).
"""
from typing import Optional

import numpy as np
from scipy.spatial.transform import Rotation

JOINT_NAMES = ('root', 'right_hip', 'right_knee', 'right_foot', 'left_hip', 'left_knee',
               'left_foot', 'spine', 'thorax', 'neck_base', 'head', 'left_shoulder',
               'left_elbow', 'left_wrist', 'right_shoulder', 'right_elbow', 'right_wrist')
PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)
NUM_JOINTS = len(JOINT_NAMES)
RIGHT_SIDE = (1, 2, 3, 14, 15, 16)
ACTIONS = ('walking', 'reaching', 'bending', 'sitting', 'turning', 'free')

# Rest pose: bone vectors from parent to joint (x: subject's left, y: forward, z: up), metres,
# with Human3.6M's mean bone lengths.
REST_BONES = np.array([
    [0.0, 0.0, 0.0],       # root
    [-0.13, 0.0, 0.0],     # right hip
    [0.0, 0.0, -0.45],     # right knee
    [0.0, 0.0, -0.44],     # right foot
    [0.13, 0.0, 0.0],      # left hip
    [0.0, 0.0, -0.45],     # left knee
    [0.0, 0.0, -0.44],     # left foot
    [0.0, 0.0, 0.23],      # spine
    [0.0, 0.0, 0.25],      # thorax
    [0.0, 0.05, 0.10],     # neck / nose
    [0.0, -0.02, 0.11],    # head
    [0.15, 0.0, 0.0],      # left shoulder
    [0.0, 0.0, -0.28],     # left elbow
    [0.0, 0.0, -0.25],     # left wrist
    [-0.15, 0.0, 0.0],     # right shoulder
    [0.0, 0.0, -0.28],     # right elbow
    [0.0, 0.0, -0.25],     # right wrist
])

# Anatomical limits (degrees) of (flexion, abduction, twist) of each joint's outgoing bones.
ANGLE_LIMITS = np.zeros((NUM_JOINTS, 3, 2))
ANGLE_LIMITS[[1, 4]] = [[-30, 110], [-10, 45], [-30, 30]]       # hips
ANGLE_LIMITS[[2, 5]] = [[-130, 0], [0, 0], [0, 0]]              # knees bend backward
ANGLE_LIMITS[7] = [[-50, 15], [-20, 20], [-35, 35]]             # spine: negative bends forward
ANGLE_LIMITS[8] = [[-20, 10], [-10, 10], [-20, 20]]             # thorax
ANGLE_LIMITS[9] = [[-30, 25], [-20, 20], [-50, 50]]             # neck: nod, tilt, turn
ANGLE_LIMITS[[11, 14]] = [[-50, 170], [0, 100], [-40, 40]]      # shoulders
ANGLE_LIMITS[[12, 15]] = [[0, 140], [0, 0], [0, 0]]             # elbows


def forward_kinematics(local_rotations: np.ndarray, bone_scale: np.ndarray) -> np.ndarray:
    """Joint positions relative to the root from local rotations.

    Args:
        local_rotations: (F, J, 3, 3) rotation of each joint's outgoing bones.
        bone_scale: (J,) multiplier of each rest bone's length (body proportions).

    Returns:
        (F, J, 3) positions in the body frame, root at the origin.
    """
    num_frames = local_rotations.shape[0]
    positions = np.zeros((num_frames, NUM_JOINTS, 3))
    global_rot = np.zeros((num_frames, NUM_JOINTS, 3, 3))
    global_rot[:, 0] = local_rotations[:, 0]
    for joint in range(1, NUM_JOINTS):
        parent = PARENTS[joint]
        bone = REST_BONES[joint] * bone_scale[joint]
        positions[:, joint] = positions[:, parent] + global_rot[:, parent] @ bone
        global_rot[:, joint] = global_rot[:, parent] @ local_rotations[:, joint]
    return positions


def smooth_signal(rng: np.random.Generator, num_frames: int, size: tuple, fps: float,
                  max_hz: float = 1.2) -> np.ndarray:
    """(F, *size) smooth signals in [-1, 1]: sums of three sinusoids of 0.1 to ``max_hz`` Hz."""
    time = np.arange(num_frames) / fps
    freqs = rng.uniform(0.1, max_hz, size + (3, ))
    phases = rng.uniform(0, 2 * np.pi, size + (3, ))
    amps = rng.dirichlet(np.ones(3), size)
    wave = np.sin(2 * np.pi * freqs[None] * time.reshape((-1, ) + (1, ) * (len(size) + 1))
                  + phases[None])
    return np.sum(amps[None] * wave, axis=-1)


def random_body(rng: np.random.Generator) -> np.ndarray:
    """(J,) bone-length multipliers: overall height 0.88-1.12, each bone +-6%, left = right."""
    bone_scale = rng.uniform(0.88, 1.12) * rng.uniform(0.94, 1.06, NUM_JOINTS)
    bone_scale[[4, 5, 6]] = bone_scale[[1, 2, 3]]
    bone_scale[[11, 12, 13]] = bone_scale[[14, 15, 16]]
    return bone_scale


def _eased_targets(rng, num_frames, fps, low, high, hold_s=(0.6, 1.6)):
    """(F, *low.shape) values moving smoothly between random targets in [low, high]."""
    low, high = np.asarray(low, float), np.asarray(high, float)
    out = np.empty((num_frames, ) + low.shape)
    start = rng.uniform(low, high)
    frame = 0
    while frame < num_frames:
        length = max(2, int(rng.uniform(*hold_s) * fps))
        target = rng.uniform(low, high)
        ease = 0.5 - 0.5 * np.cos(np.pi * np.arange(1, length + 1) / length)
        segment = start + ease.reshape((-1, ) + (1, ) * low.ndim) * (target - start)
        out[frame:frame + length] = segment[:num_frames - frame]
        start, frame = target, frame + length
    return out


def _action_motion(action, rng, num_frames, fps, area_radius, speed=None):
    """Anatomical angles (F, J, 3), root flexion (F,), heading (F,) degrees, root xy (F, 2)."""
    time = np.arange(num_frames) / fps
    limits = ANGLE_LIMITS
    neutral = np.zeros((NUM_JOINTS, 3))
    neutral[[12, 15], 0] = 15.0                                       # relaxed elbows
    neutral[[11, 14], 1] = 8.0
    jitter = 0.12 * (limits[..., 1] - limits[..., 0]) * smooth_signal(
        rng, num_frames, (NUM_JOINTS, 3), fps)
    angles = neutral + jitter
    pitch = 3.0 * smooth_signal(rng, num_frames, (), fps)
    heading = np.degrees(rng.uniform(0, 2 * np.pi)) + 40.0 * smooth_signal(
        rng, num_frames, (), fps, max_hz=0.2)
    root_xy = 0.6 * area_radius * smooth_signal(rng, num_frames, (2, ), fps, max_hz=0.15)

    if action == 'free':
        signal = smooth_signal(rng, num_frames, (NUM_JOINTS, 3), fps)
        angles = limits[..., 0] + (signal + 1) / 2 * (limits[..., 1] - limits[..., 0])
        heading = np.degrees(np.unwrap(2 * np.pi * smooth_signal(rng, num_frames, (), fps / 4)))
        root_xy = area_radius * smooth_signal(rng, num_frames, (2, ), fps / 3)
    elif action == 'walking':
        cadence, start = rng.uniform(0.8, 1.1), rng.uniform(0, 2 * np.pi)
        stride = rng.uniform(18, 30)
        radius = area_radius * rng.uniform(0.6, 1.0)
        direction = rng.choice([-1.0, 1.0])
        path_speed, path_start = rng.uniform(0.9, 1.3), rng.uniform(0, 2 * np.pi)     # m/s
        if speed is not None:
            # faster walking has longer and quicker strides, each about as the speed's root
            gain = np.sqrt(speed / path_speed)
            cadence, stride, path_speed = cadence * gain, stride * gain, speed
        phase = 2 * np.pi * cadence * time + start
        for hip, knee, shoulder, shift in ((1, 2, 14, 0.0), (4, 5, 11, np.pi)):
            angles[:, hip, 0] += stride * np.sin(phase + shift)
            angles[:, knee, 0] += -5 - 55 * np.clip(np.sin(phase + shift + 1.2), 0, 1) ** 2
            angles[:, shoulder, 0] += -0.8 * stride * np.sin(phase + shift)
        angles[:, [12, 15], 0] += 10
        path = direction * path_speed / radius * time + path_start
        root_xy = radius * np.stack([np.cos(path), np.sin(path)], axis=1)
        heading = np.degrees(path) + (0.0 if direction > 0 else 180.0)
        pitch += -4.0
    elif action == 'reaching':
        arms = _eased_targets(rng, num_frames, fps, [-30, 0, -30, 0] * 2, [170, 95, 30, 130] * 2)
        for k, (shoulder, elbow) in enumerate(((11, 12), (14, 15))):
            angles[:, shoulder] = arms[:, 4 * k:4 * k + 3]
            angles[:, elbow, 0] = arms[:, 4 * k + 3]
        angles[:, 7] += _eased_targets(rng, num_frames, fps, [-25, -15, -30], [10, 15, 30])
    elif action == 'bending':
        depth = rng.uniform(35, 75)
        bend = depth * (0.5 - 0.5 * np.cos(2 * np.pi * rng.uniform(0.2, 0.35) * time
                                           + rng.uniform(0, 2 * np.pi)))
        pitch -= bend
        angles[:, 7, 0] -= 0.3 * bend
        angles[:, [2, 5], 0] -= 0.25 * bend[:, None]
        angles[:, [11, 14], 0] += 1.2 * bend[:, None]                 # arms keep hanging
    elif action == 'sitting':
        angles[:, [1, 4], 0] += rng.uniform(75, 95) + 8 * smooth_signal(rng, num_frames, (2, ), fps)
        angles[:, [2, 5], 0] += -rng.uniform(75, 100) + 10 * smooth_signal(
            rng, num_frames, (2, ), fps)
        angles[:, [1, 4], 1] += rng.uniform(0, 20)
        arms = _eased_targets(rng, num_frames, fps, [-20, 0, -20, 20] * 2, [90, 40, 20, 120] * 2)
        for k, (shoulder, elbow) in enumerate(((11, 12), (14, 15))):
            angles[:, shoulder] += arms[:, 4 * k:4 * k + 3]
            angles[:, elbow, 0] = arms[:, 4 * k + 3]
        pitch += rng.uniform(-15, 10)
        root_xy = 0.2 * area_radius * smooth_signal(rng, num_frames, (2, ), fps, max_hz=0.1)
    elif action == 'turning':
        heading = rng.uniform(0, 360) + np.degrees(np.unwrap(
            np.cumsum(np.radians(rng.uniform(60, 120) * smooth_signal(
                rng, num_frames, (), fps, max_hz=0.3))) / fps))
        phase = 2 * np.pi * 1.2 * time
        angles[:, [1, 4], 0] += 10 * np.stack([np.sin(phase), -np.sin(phase)], axis=1)
        angles[:, [11, 14], 1] += _eased_targets(rng, num_frames, fps, [0, 0], [70, 70])
    else:
        raise ValueError(f'unknown action {action!r}; choose one of {ACTIONS}')
    return angles, pitch, heading, root_xy


def _local_rotations(angles: np.ndarray, root_flexion: np.ndarray,
                     heading: np.ndarray) -> np.ndarray:
    """(F, J, 3, 3) local rotations from clipped anatomical angles (degrees)."""
    num_frames = angles.shape[0]
    angles = np.clip(angles, ANGLE_LIMITS[..., 0], ANGLE_LIMITS[..., 1])
    signed = angles.copy()
    left = [j for j in range(NUM_JOINTS) if j not in RIGHT_SIDE]
    signed[:, left, 1:] *= -1                      # abduction/twist outward on the left: -y, -z
    signed[:, [2, 5, 12, 15], 1:] = 0.0
    local = Rotation.from_euler('xyz', signed.reshape(-1, 3), degrees=True).as_matrix()
    local = local.reshape(num_frames, NUM_JOINTS, 3, 3)
    root = Rotation.from_euler('ZX', np.stack([heading, root_flexion], axis=1),
                               degrees=True).as_matrix()              # Rz(heading) Rx(flexion)
    local[:, 0] = root
    # the legs hang from the pelvis: undo the trunk's flexion at the hips
    counter = Rotation.from_euler('x', -root_flexion.reshape(-1, 1), degrees=True).as_matrix()
    local[:, [1, 4]] = counter.reshape(num_frames, 1, 3, 3) @ local[:, [1, 4]]
    return local


def animate(num_frames: int, seed: int = 0, fps: float = 50.0, area_radius: float = 1.0,
            action: str = 'free', bone_scale: Optional[np.ndarray] = None,
            speed: Optional[float] = None) -> np.ndarray:
    """A moving, turning subject performing an action.

    Args:
        num_frames: F.
        seed: the animation is a deterministic function of the seed (and the other arguments).
        fps: frames per second (the time step of the motion).
        area_radius: the root stays within about this radius (metres) of the world origin.
        action: one of ``ACTIONS``.
        bone_scale: (J,) body proportions (``random_body``); drawn from the seed when None.
        speed: ``walking`` only: the walking speed in m/s (cadence and stride grow with its
            square root); None: drawn from 0.9-1.3 m/s. People walk at about 1.0-1.5 m/s.

    Returns:
        (F, 17, 3) world positions in metres (z up, the lowest joint on the floor z = 0).
    """
    rng = np.random.default_rng(seed)
    if bone_scale is None:
        bone_scale = random_body(rng)
    if speed is not None and not (action == 'walking' and np.isfinite(speed) and speed > 0):
        raise ValueError(f'speed needs action walking and a positive value (m/s), got '
                         f'{speed!r} with action {action!r}')
    angles, pitch, heading, root_xy = _action_motion(action, rng, num_frames, fps, area_radius,
                                                     speed)
    body = forward_kinematics(_local_rotations(angles, pitch, heading), bone_scale)
    root = np.zeros((num_frames, 3))
    root[:, :2] = root_xy
    root[:, 2] = -body[..., 2].min(axis=1)
    return body + root[:, None]
