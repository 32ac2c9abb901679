"""Multi-view geometry: pure numpy + OpenCV, no MMPose, nothing of labels or sessions.

Cameras and undistortion (``camera``), relative poses (``relative_pose``: 5-point
RANSAC, cheirality, refinement), triangulation (``triangulation``), bundle adjustment
(``bundle_adjustment``), alignment and errors (``align``), reductions over short axes
(``statistics``). Shapes and conventions per module.
"""
from .align import mean_joint_error, procrustes_align, root_centre, scale_align
from .bundle_adjustment import BundleResult, bundle_adjust
from .camera import (distort_normalized, normalized_to_pixel, pinhole_from_image_size,
                     pixel_to_normalized, project_points, view_camera, world_to_camera)
from .relative_pose import (PoseStatus, RelativePose, estimate_relative_pose,
                            refine_relative_pose, rotation_angle_deg, sampson_distance,
                            translation_scale)
from .triangulation import (reprojection_errors, triangulate_dlt, triangulate_robust,
                            triangulation_angle_deg)

__all__ = [
    'mean_joint_error', 'procrustes_align', 'root_centre', 'scale_align', 'BundleResult',
    'bundle_adjust', 'distort_normalized', 'normalized_to_pixel', 'pinhole_from_image_size',
    'pixel_to_normalized', 'project_points', 'view_camera', 'world_to_camera', 'PoseStatus',
    'RelativePose', 'estimate_relative_pose', 'refine_relative_pose', 'rotation_angle_deg',
    'sampson_distance', 'translation_scale', 'reprojection_errors', 'triangulate_dlt',
    'triangulate_robust', 'triangulation_angle_deg'
]
