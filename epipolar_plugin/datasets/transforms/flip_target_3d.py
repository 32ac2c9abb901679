"""``FlipTarget3D``: keep the 3D target consistent with MMPose's horizontal ``RandomFlip``."""
import numpy as np
from mmcv.transforms import BaseTransform

from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class FlipTarget3D(BaseTransform):
    """Mirror the camera-frame 3D target when ``RandomFlip`` flipped the image horizontally.

    A horizontally flipped image is what the mirror image of the scene, ``x -> -x`` in the
    camera frame (x right, y down, z forward), would give a camera whose principal point is the
    image centre; the person's left and right limbs then swap names (``flip_indices`` of the
    dataset's metainfo, as ``RandomFlip`` uses for the 2D keypoints). The x of every joint
    changes sign (root-relative targets stay root-relative). Place it after the target exists
    (``EpipolarPseudoLabel`` or a dataset's ground truth) and before ``CropRotation3D`` and
    ``GenerateTarget``; without a horizontal flip nothing changes.

    Required keys: ``lifting_target`` (1, J, 3), ``flip_indices`` (J,); optional ``flip``,
    ``flip_direction``, ``lifting_target_visible`` (1, J).
    Modified keys: ``lifting_target``, ``lifting_target_visible``.
    """

    def transform(self, results: dict) -> dict:
        if not results.get('flip') or results.get('flip_direction') != 'horizontal':
            if results.get('flip'):
                raise ValueError(f"FlipTarget3D handles horizontal flips only, got "
                                 f"flip_direction={results.get('flip_direction')!r}")
            return results
        indices = np.asarray(results['flip_indices'], dtype=np.int64)
        target = np.array(results['lifting_target'], dtype=np.float64)
        if target.shape[-2] != len(indices):
            raise ValueError(f'lifting_target has {target.shape[-2]} joints but flip_indices '
                             f'{len(indices)}')
        target = target[..., indices, :]
        target[..., 0] *= -1.0
        results['lifting_target'] = target.astype(np.float32)
        if results.get('lifting_target_visible') is not None:
            results['lifting_target_visible'] = np.asarray(
                results['lifting_target_visible'])[..., indices]
        return results
