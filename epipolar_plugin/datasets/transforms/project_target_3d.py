"""``ProjectTarget3D``: the sample's 2D keypoints become the projection of its 3D target."""
import numpy as np
from mmcv.transforms import BaseTransform

from mmpose.registry import TRANSFORMS
from ...geometry.camera import project_points, view_camera


@TRANSFORMS.register_module()
class ProjectTarget3D(BaseTransform):
    """Project the 3D target (pseudo label or ground truth) into the sample's image, so that
    MMPose's ``RandomFlip`` / ``TopdownAffine`` carry it into the crop like any keypoints and
    ``PixelDepthVolumeLabel`` reads where each joint is in the crop.

    The projection of a pseudo label is its 2D part: the detections of every view fused, a
    better 2D target than the reference view's own detections. Place it after the target
    exists (``EpipolarPseudoLabel`` or a dataset's ground truth) and before ``LoadImage``.

    Required keys: ``lifting_target`` (1, J, 3) root-relative camera frame,
    ``lifting_target_root`` (1, 3) the root in the camera frame (same unit, any scale),
    ``intrinsics`` (3, 3) or (V, 3, 3) with ``reference_view``; optional ``distortion`` (5,)
    or (V, 5), ``lifting_target_visible`` (1, J).
    Modified keys: ``keypoints`` (1, J, 2) pixels, ``keypoints_visible`` (1, J): 0 where the
    target is invalid or behind the camera (those keypoints are 0).
    """

    def transform(self, results: dict) -> dict:
        for key in ('lifting_target', 'lifting_target_root', 'intrinsics'):
            if results.get(key) is None:
                raise KeyError(f'ProjectTarget3D needs {key!r} in the sample '
                               f"({results.get('img_path')})")
        target = np.asarray(results['lifting_target'], dtype=np.float64)
        points = target + np.asarray(results['lifting_target_root'],
                                     dtype=np.float64).reshape(-1, 1, 3)
        matrix, distortion = view_camera(results['intrinsics'], results.get('distortion'),
                                         results.get('reference_view'))
        visible = (np.ones(target.shape[:2]) if results.get('lifting_target_visible') is None
                   else np.asarray(results['lifting_target_visible'], dtype=np.float64))
        valid = (visible > 0) & np.all(np.isfinite(points), -1) & (points[..., 2] > 0)
        safe = np.where(valid[..., None], points, [0.0, 0.0, 1.0])
        pixels = project_points(safe, matrix, distortion)
        results['keypoints'] = np.where(valid[..., None], pixels, 0.0).astype(np.float32)
        results['keypoints_visible'] = valid.astype(np.float32)
        return results
