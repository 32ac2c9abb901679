"""Epipolar geometry: pure numpy + OpenCV, no MMPose. Shapes and conventions per module."""
from .align import mean_joint_error, procrustes_align, root_centre, scale_align
from .camera import (distort_normalized, normalized_to_pixel, pinhole_from_image_size,
                     pixel_to_normalized, project_points, world_to_camera)
from .pseudo_labels import (FRAME_STATUS, JOINT_STATUS, VIEW_STATUS, PseudoLabels,
                            check_multiview_inputs, make_pseudo_labels)
from .relative_pose import (RelativePose, estimate_relative_pose, refine_relative_pose,
                            rotation_angle_deg, sampson_distance, translation_scale)
from .triangulation import reprojection_errors, triangulate_dlt, triangulate_robust

__all__ = [
    'mean_joint_error', 'procrustes_align', 'root_centre', 'scale_align', 'distort_normalized',
    'normalized_to_pixel', 'pinhole_from_image_size', 'pixel_to_normalized', 'project_points',
    'world_to_camera', 'FRAME_STATUS', 'JOINT_STATUS', 'VIEW_STATUS', 'PseudoLabels',
    'check_multiview_inputs', 'make_pseudo_labels', 'RelativePose', 'estimate_relative_pose',
    'refine_relative_pose', 'rotation_angle_deg', 'sampson_distance', 'translation_scale',
    'reprojection_errors', 'triangulate_dlt', 'triangulate_robust'
]
