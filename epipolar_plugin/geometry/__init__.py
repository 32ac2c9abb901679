"""Epipolar geometry: pure numpy + OpenCV, no MMPose. Shapes and conventions per module.

Modules by concern: ``camera``, ``relative_pose``, ``triangulation``, ``bundle_adjustment``,
``align`` (geometry of cameras and points); ``observations``, ``noise``, ``synchronization``,
``swaps``, ``rig_assembly``, ``self_calibration``, ``label_modes``, ``label_quality``,
``statuses``, ``label_result``, ``label_options``, ``temporal``, ``pseudo_labels`` (the label
pipeline).
"""
from .align import mean_joint_error, procrustes_align, root_centre, scale_align
from .camera import (distort_normalized, normalized_to_pixel, pinhole_from_image_size,
                     pixel_to_normalized, project_points, view_camera, world_to_camera)
from .label_modes import LABEL_MODES, LabelMode, RigEstimate, register_label_mode
from .label_options import (LabelOptions, PoseOptions, RobustOptions, SyncOptions,
                            TemporalOptions, TriangulationOptions, add_label_arguments,
                            options_from_args)
from .label_result import PseudoLabels
from .observations import Observations, check_multiview_inputs, check_session
from .pseudo_labels import make_pseudo_labels
from .relative_pose import (RelativePose, estimate_relative_pose, refine_relative_pose,
                            rotation_angle_deg, sampson_distance, translation_scale)
from .bundle_adjustment import BundleResult, bundle_adjust
from .self_calibration import RigCalibration, calibrate_rig
from .statuses import FrameStatus, JointStatus, ViewStatus
from .swaps import H36M_FLIP_PAIRS, find_swaps, flip_pairs_from_names
from .synchronization import estimate_frame_offsets, shift_frames
from .temporal import smooth_trajectories, window_frames_of
from .triangulation import (reprojection_errors, triangulate_dlt, triangulate_robust,
                            triangulation_angle_deg)

__all__ = [
    'mean_joint_error', 'procrustes_align', 'root_centre', 'scale_align', 'distort_normalized',
    'normalized_to_pixel', 'pinhole_from_image_size', 'pixel_to_normalized', 'project_points',
    'view_camera', 'world_to_camera', 'LABEL_MODES', 'LabelMode', 'RigEstimate',
    'register_label_mode', 'LabelOptions', 'PoseOptions', 'RobustOptions', 'SyncOptions',
    'TriangulationOptions', 'add_label_arguments', 'options_from_args', 'PseudoLabels',
    'Observations', 'check_multiview_inputs', 'check_session', 'make_pseudo_labels',
    'RelativePose', 'estimate_relative_pose', 'refine_relative_pose', 'rotation_angle_deg',
    'sampson_distance', 'translation_scale', 'BundleResult', 'bundle_adjust', 'RigCalibration',
    'calibrate_rig', 'FrameStatus', 'JointStatus', 'ViewStatus', 'H36M_FLIP_PAIRS', 'find_swaps',
    'flip_pairs_from_names', 'estimate_frame_offsets', 'shift_frames', 'reprojection_errors',
    'triangulate_dlt', 'triangulate_robust', 'triangulation_angle_deg', 'TemporalOptions',
    'smooth_trajectories', 'window_frames_of'
]
