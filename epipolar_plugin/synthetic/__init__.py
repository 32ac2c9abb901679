"""The embedded synthetic multi-view data: skeleton motion, studio rig, renderer, detector
errors, and a writer of MMPose's Human3.6M layout."""
from .detections import DetectionNoise, simulate_detections
from .failures import FLIP_PAIRS, DetectorFailures
from .h36m_layout import SPLITS, make_synthetic_dataset
from .render import random_appearance, render_frames, self_occlusion
from .rig import FacingPair, SyntheticCamera, look_at, studio_rig
from .skeleton import ACTIONS, JOINT_NAMES, NUM_JOINTS, PARENTS, animate
from .scene import SyntheticScene, make_scene

__all__ = [
    'DetectionNoise', 'simulate_detections', 'FLIP_PAIRS', 'DetectorFailures', 'SPLITS',
    'make_synthetic_dataset',
    'random_appearance', 'render_frames', 'self_occlusion', 'FacingPair', 'SyntheticCamera', 'look_at',
    'studio_rig', 'ACTIONS', 'JOINT_NAMES', 'NUM_JOINTS', 'PARENTS', 'animate',
    'SyntheticScene', 'make_scene'
]
