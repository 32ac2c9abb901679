"""Epipolar geometry: pure numpy + OpenCV, no MMPose. Shapes and conventions per module."""
from .align import mean_joint_error, procrustes_align, root_centre, scale_align
from .camera import (distort_normalized, normalized_to_pixel, pinhole_from_image_size,
                     pixel_to_normalized, project_points, view_camera, world_to_camera)
from .pseudo_labels import (FRAME_STATUS, JOINT_STATUS, VIEW_STATUS, PseudoLabels,
                            check_multiview_inputs, make_pseudo_labels)
from .relative_pose import (RelativePose, estimate_relative_pose, refine_relative_pose,
                            rotation_angle_deg, sampson_distance, translation_scale)
from .bundle_adjustment import BundleResult, bundle_adjust
from .self_calibration import RigCalibration, calibrate_rig
from .swaps import H36M_FLIP_PAIRS, find_swaps, flip_pairs_from_names
from .synchronization import estimate_frame_offsets, shift_frames
from .triangulation import (reprojection_errors, triangulate_dlt, triangulate_robust,
                            triangulation_angle_deg)

__all__ = [
    'mean_joint_error', 'procrustes_align', 'root_centre', 'scale_align', 'distort_normalized',
    'normalized_to_pixel', 'pinhole_from_image_size', 'pixel_to_normalized', 'project_points',
    'view_camera', 'world_to_camera', 'FRAME_STATUS', 'JOINT_STATUS', 'VIEW_STATUS', 'PseudoLabels',
    'check_multiview_inputs', 'make_pseudo_labels', 'RelativePose', 'estimate_relative_pose',
    'refine_relative_pose', 'rotation_angle_deg', 'sampson_distance', 'translation_scale',
    'reprojection_errors', 'triangulate_dlt', 'triangulate_robust', 'triangulation_angle_deg',
    'BundleResult', 'bundle_adjust', 'RigCalibration', 'calibrate_rig', 'H36M_FLIP_PAIRS',
    'find_swaps', 'flip_pairs_from_names', 'estimate_frame_offsets', 'shift_frames'
]
