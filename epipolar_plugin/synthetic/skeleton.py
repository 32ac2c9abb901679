"""A procedurally animated 17-joint skeleton in Human3.6M joint order (world frame, metres).

Convention:
    World frame z up, metres. Joint order and parents are Human3.6M's (as in MMPose's
    ``h36m`` metainfo): 0 root (pelvis), 1-3 right leg, 4-6 left leg, 7 spine, 8 thorax,
    9 neck/nose, 10 head, 11-13 left arm, 14-16 right arm.
"""
import numpy as np
from scipy.spatial.transform import Rotation

JOINT_NAMES = ('root', 'right_hip', 'right_knee', 'right_foot', 'left_hip', 'left_knee',
               'left_foot', 'spine', 'thorax', 'neck_base', 'head', 'left_shoulder',
               'left_elbow', 'left_wrist', 'right_shoulder', 'right_elbow', 'right_wrist')
PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)
NUM_JOINTS = len(JOINT_NAMES)

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

# Per-joint local rotation limits (degrees) about x (flexion), y (abduction), z (twist):
# the rotation of a joint's *outgoing* bones; index = joint.
ANGLE_LIMITS = np.zeros((NUM_JOINTS, 3, 2))
ANGLE_LIMITS[[1, 4]] = [[-30, 90], [-30, 30], [-20, 20]]        # hips: legs swing forward
ANGLE_LIMITS[[2, 5]] = [[-120, 0], [0, 0], [0, 0]]              # knees bend backward
ANGLE_LIMITS[7] = [[-10, 45], [-20, 20], [-30, 30]]             # spine bends forward
ANGLE_LIMITS[8] = [[-10, 20], [-10, 10], [-20, 20]]
ANGLE_LIMITS[[11, 14]] = [[-60, 150], [-90, 60], [-30, 30]]     # shoulders
ANGLE_LIMITS[[12, 15]] = [[0, 130], [0, 0], [0, 0]]             # elbows


def _children(joint):
    return [j for j, p in enumerate(PARENTS) if p == joint]


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


def _smooth_signal(rng: np.random.Generator, num_frames: int, size: tuple,
                   fps: float) -> np.ndarray:
    """(F, *size) smooth signals in [-1, 1]: sums of three sinusoids of 0.1-1.2 Hz."""
    time = np.arange(num_frames) / fps
    freqs = rng.uniform(0.1, 1.2, size + (3, ))
    phases = rng.uniform(0, 2 * np.pi, size + (3, ))
    amps = rng.dirichlet(np.ones(3), size)
    wave = np.sin(2 * np.pi * freqs[None] * time.reshape((-1, ) + (1, ) * (len(size) + 1))
                  + phases[None])
    return np.sum(amps[None] * wave, axis=-1)


def animate(num_frames: int, seed: int = 0, fps: float = 50.0,
            area_radius: float = 1.0) -> np.ndarray:
    """A moving, turning subject with random body proportions.

    Args:
        num_frames: F.
        seed: the animation is a deterministic function of the seed.
        fps: frames per second of the smooth motion.
        area_radius: the root wanders within this radius (metres) of the world origin.

    Returns:
        (F, 17, 3) world positions in metres (z up, feet near z = 0).
    """
    rng = np.random.default_rng(seed)
    bone_scale = rng.uniform(0.9, 1.1) * rng.uniform(0.95, 1.05, NUM_JOINTS)
    bone_scale[[4, 5, 6]] = bone_scale[[1, 2, 3]]                    # symmetric legs
    bone_scale[[14, 15, 16]] = bone_scale[[11, 12, 13]]              # and arms
    signal = _smooth_signal(rng, num_frames, (NUM_JOINTS, 3), fps)  # (F, J, 3) in [-1, 1]
    low, high = ANGLE_LIMITS[..., 0], ANGLE_LIMITS[..., 1]
    angles = low + (signal + 1) / 2 * (high - low)                  # (F, J, 3) degrees
    local = Rotation.from_euler('xyz', angles.reshape(-1, 3), degrees=True).as_matrix()
    local = local.reshape(num_frames, NUM_JOINTS, 3, 3)
    heading = np.degrees(np.unwrap(2 * np.pi * _smooth_signal(rng, num_frames, (1, ), fps / 4)))
    local[:, 0] = Rotation.from_euler('z', heading, degrees=True).as_matrix()
    body = forward_kinematics(local, bone_scale)
    root = np.zeros((num_frames, 3))
    root[:, :2] = area_radius * _smooth_signal(rng, num_frames, (2, ), fps / 3)
    root[:, 2] = -body[..., 2].min(axis=1)                            # lowest joint on the floor
    return body + root[:, None]
