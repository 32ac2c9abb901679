"""The embedded synthetic multi-view data: skeleton motion, studio rig, detector errors."""
from .detections import DetectionNoise, simulate_detections
from .rig import SyntheticCamera, look_at, studio_rig
from .skeleton import JOINT_NAMES, NUM_JOINTS, PARENTS, animate
from .scene import SyntheticScene, make_scene

__all__ = [
    'DetectionNoise', 'simulate_detections', 'SyntheticCamera', 'look_at', 'studio_rig',
    'JOINT_NAMES', 'NUM_JOINTS', 'PARENTS', 'animate', 'SyntheticScene', 'make_scene'
]
