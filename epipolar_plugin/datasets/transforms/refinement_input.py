"""Inputs of the refinement unit: the reference view's detected 2D pose and, optionally, the image
model's 3D output.

The refinement unit is MMPose's ``PoseLifter`` (see ``configs/refine_synthetic.py``); these two
transforms feed it. Scales are removed from every input (the pseudo labels have none): the 2D
pose is root-centred and divided by the person box side, the image model's 3D pose is
root-centred and divided by its Frobenius norm.
"""
import numpy as np
from mmcv.transforms import BaseTransform

from mmpose.registry import TRANSFORMS
from ...fileio import load_predictions
from ...geometry.align import pose_size


def _unit_pose(pose: np.ndarray, root_index: int) -> np.ndarray:
    """(J, 3) root-relative pose divided by its Frobenius norm (zeros for a degenerate pose)."""
    relative = pose - pose[root_index]
    norm = np.linalg.norm(relative)
    return relative / norm if np.isfinite(norm) and norm > 1e-9 else np.zeros_like(relative)


@TRANSFORMS.register_module()
class AttachImagePrediction(BaseTransform):
    """Attach the image model's 3D prediction of this sample, made by ``tools/predict_3d.py``.

    Args:
        predictions_file: ``.npz`` with ``ids`` (N,) sample ids and ``keypoints_3d`` (N, J, 3).

    Added keys: ``image_pose_3d`` (J, 3), root-relative, camera frame.
    """

    def __init__(self, predictions_file: str):
        self.predictions_file = predictions_file
        self._index = None

    def _load(self):
        path = self.predictions_file
        self._index = load_predictions(
            path, f'; make them with python tools/predict_3d.py IMAGE_CONFIG CHECKPOINT {path} '
            '--ann-file <split>')

    def transform(self, results: dict) -> dict:
        if self._index is None:
            self._load()
        pose = self._index.get(int(results['id']))
        if pose is None:
            raise KeyError(f"{self.predictions_file}: no prediction for sample id {results['id']} "
                           f"({results.get('img_path')}): made from another split?")
        results['image_pose_3d'] = pose
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(predictions_file={self.predictions_file!r})'


@TRANSFORMS.register_module()
class RefinementInput(BaseTransform):
    """Build the lifting input ``keypoints``: per joint the reference view's detected 2D
    (root-centred, divided by the box side; 0 where missing) and, with ``use_image_pose``, the
    image model's 3D (root-centred, unit Frobenius norm): (1, J, 2) or (1, J, 5).

    With ``normalize_target`` (training on pseudo labels of unknown scale) the target
    ``lifting_target`` (1, J, 3) is made root-relative with size ``pose_size`` (Frobenius norm of
    the valid joints x sqrt(J / valid), as the codecs), the scale in which the image
    model's head decodes. Leave it off for evaluation, where the target is the metric truth.

    ``image_pose_noise``: Gaussian noise (unit-pose units) added to the image model's 3D in
    training. The image model's predictions on its own training images are far better than on
    new ones, and a lifter trained on them learns to trust them too much; noise tempers that.

    Required keys: ``keypoints`` (1, J, 2), ``keypoints_visible`` (1, J), ``bbox_scale`` (1, 2);
    ``image_pose_3d`` (J, 3) with ``use_image_pose``; ``lifting_target`` with
    ``normalize_target``. Modified keys: ``keypoints``, ``keypoints_visible`` (ones: every
    input entry is defined), ``lifting_target``.
    """

    def __init__(self, root_index: int = 0, pose_size: float = 1.9,
                 normalize_target: bool = False, use_image_pose: bool = False,
                 image_pose_noise: float = 0.0):
        self.root_index, self.pose_size = root_index, pose_size
        self.normalize_target = normalize_target
        self.use_image_pose, self.image_pose_noise = use_image_pose, image_pose_noise

    def transform(self, results: dict) -> dict:
        keypoints = np.asarray(results['keypoints'], np.float64)[0, :, :2]
        visible = np.asarray(results['keypoints_visible'], np.float64)[0] > 0
        side = float(np.max(results['bbox_scale']))
        root = keypoints[self.root_index] if visible[self.root_index] else (
            keypoints[visible].mean(0) if visible.any() else np.zeros(2))
        columns = [np.where(visible[:, None], (keypoints - root) / max(side, 1e-6), 0.0)]
        if self.use_image_pose:
            image_3d = _unit_pose(np.asarray(results['image_pose_3d'], np.float64),
                                  self.root_index)
            if self.image_pose_noise > 0:
                image_3d = image_3d + np.random.normal(0.0, self.image_pose_noise,
                                                       image_3d.shape)
            columns.append(image_3d)
        results['keypoints'] = np.concatenate(columns, -1)[None].astype(np.float32)
        results['keypoints_visible'] = np.ones((1, len(keypoints)), np.float32)
        if self.normalize_target:
            target = np.asarray(results['lifting_target'], np.float64)[0]
            weight = np.asarray(results['lifting_target_visible'], np.float64)[0] > 0
            relative = np.where(weight[:, None], target - target[self.root_index], 0.0)
            norm = pose_size(relative, weight)         # the size the codecs decode to
            scaled = relative * (self.pose_size / norm) if norm > 1e-9 else relative
            results['lifting_target'] = scaled[None].astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(root_index={self.root_index}, pose_size='
                f'{self.pose_size}, normalize_target={self.normalize_target}, use_image_pose='
                f'{self.use_image_pose}, image_pose_noise={self.image_pose_noise})')
