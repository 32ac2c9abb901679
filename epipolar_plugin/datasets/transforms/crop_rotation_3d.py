"""``CropRotation3D``: keep the 3D target consistent with an in-plane rotated crop."""
import numpy as np
from mmcv.transforms import BaseTransform

from mmpose.registry import TRANSFORMS
from mmpose.structures.bbox import get_warp_matrix


def crop_rotation_matrix(rotation_deg: float) -> np.ndarray:
    """(2, 2) rotation that ``TopdownAffine`` applies to image directions for a crop rotated by
    ``rotation_deg`` (``bbox_rotation`` of ``RandomBBoxTransform``), read off MMPose's own
    warp matrix so that the sign convention is MMPose's."""
    warp = get_warp_matrix(np.zeros(2, np.float32), np.ones(2, np.float32), float(rotation_deg),
                           output_size=(1.0, 1.0))
    linear = warp[:, :2].astype(np.float64)
    return linear / np.sqrt(abs(np.linalg.det(linear)))


@TRANSFORMS.register_module()
class CropRotation3D(BaseTransform):
    """Rotate the root-relative 3D target about the camera's optical axis by the crop's in-plane
    rotation, as integral regression does for rotation augmentation (Sun et al. 2018).

    ``RandomBBoxTransform(rotate_factor>0)`` + ``TopdownAffine`` rotate the image; the camera-
    frame target (x right, y down, z forward) must turn with it or the supervision contradicts
    the pixels. Place it after the target exists (``EpipolarPseudoLabel`` or a dataset's
    ground truth) and before ``GenerateTarget``. No ``bbox_rotation`` or 0: nothing changes.

    Required keys: ``lifting_target`` (1, J, 3); optional ``bbox_rotation`` (1,) degrees.
    Modified keys: ``lifting_target``.
    """

    def transform(self, results: dict) -> dict:
        rotation = results.get('bbox_rotation')
        if rotation is None or float(np.ravel(rotation)[0]) == 0.0:
            return results
        matrix = crop_rotation_matrix(float(np.ravel(rotation)[0]))
        target = np.array(results['lifting_target'], dtype=np.float64)
        target[..., :2] = target[..., :2] @ matrix.T
        results['lifting_target'] = target.astype(np.float32)
        return results
