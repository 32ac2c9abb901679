"""``IntegralVolumeLabel``: root-relative 3D poses <-> normalized volumetric coordinates."""
from typing import Optional, Tuple

import numpy as np

from mmpose.codecs.base import BaseKeypointCodec
from mmpose.registry import KEYPOINT_CODECS
from ...geometry.align import pose_size


@KEYPOINT_CODECS.register_module()
class IntegralVolumeLabel(BaseKeypointCodec):
    r"""Encode root-relative 3D poses as coordinates of a normalized volume, and back.

    Note:
        - instance number: N
        - keypoint number: K
        - keypoint dimension: 3 (x right, y down, z forward: the camera's axes)

    Encoding (scale-free, so that pseudo labels of unknown scale and metric ground truth are
    treated alike): the root-relative pose is divided by its size, the Frobenius norm of the
    valid joints times ``sqrt(K / valid joints)``. Every coordinate then lies well inside
    [-0.5, 0.5] (a joint is at most ~0.5 of a pose's size from the root), the cube that the
    head's soft-argmax spans; values are clipped to it.

    Decoding: normalized coordinates times ``pose_size`` (metres): the mean size of a human
    pose, a prior, since a single image does not show a person's scale. The result is
    root-relative and in the camera's orientation; the root's depth is not estimated.
    Scale-free metrics (N-MPJPE, P-MPJPE, PSS) do not depend on ``pose_size``.

    Encoded:
        - lifting_target_label (np.ndarray): (N, K, 3) normalized coordinates
        - lifting_target_weight (np.ndarray): (N, K) 1 for valid joints, else 0
        - lifting_target (np.ndarray): (N, K, 3) the input target, passed through
        - lifting_target_visible (np.ndarray): (N, K)

    Args:
        pose_size (float): decoded size of a pose, metres. Default 1.9, the mean Frobenius norm
            of root-relative Human3.6M-like poses (17 joints).
        root_index (int): the root joint. Default 0.
    """
    auxiliary_encode_keys = {'lifting_target', 'lifting_target_visible'}
    instance_mapping_table = dict(lifting_target='lifting_target',
                                  lifting_target_visible='lifting_target_visible')
    label_mapping_table = dict(lifting_target_label='lifting_target_label',
                               lifting_target_weight='lifting_target_weight')

    def __init__(self, pose_size: float = 1.9, root_index: int = 0) -> None:
        super().__init__()
        if pose_size <= 0:
            raise ValueError(f'pose_size must be positive, got {pose_size}')
        self.pose_size = pose_size
        self.root_index = root_index

    def encode(self, keypoints: np.ndarray, keypoints_visible: Optional[np.ndarray] = None,
               lifting_target: Optional[np.ndarray] = None,
               lifting_target_visible: Optional[np.ndarray] = None) -> dict:
        if lifting_target is None:
            raise KeyError('IntegralVolumeLabel needs lifting_target (N, K, 3) in the sample '
                           '(from the dataset or the EpipolarPseudoLabel transform)')
        target = np.asarray(lifting_target, dtype=np.float64).reshape(-1, *np.shape(
            lifting_target)[-2:])
        visible = (np.ones(target.shape[:2]) if lifting_target_visible is None else
                   np.asarray(lifting_target_visible, dtype=np.float64).reshape(target.shape[:2]))
        valid = (visible > 0) & np.all(np.isfinite(target), axis=-1)
        valid &= valid[:, self.root_index:self.root_index + 1]
        relative = np.where(valid[..., None], target - target[:, self.root_index:self.root_index
                                                               + 1], 0.0)
        count = valid.sum(axis=1)
        size = pose_size(relative, valid)
        ok = (count >= 2) & (size > 1e-9)
        label = np.where(ok[:, None, None], relative / np.where(ok, size, 1.0)[:, None, None], 0)
        weight = (valid & ok[:, None]).astype(np.float32)
        return dict(lifting_target_label=np.clip(label, -0.5, 0.5).astype(np.float32),
                    lifting_target_weight=weight, lifting_target=lifting_target,
                    lifting_target_visible=visible.astype(np.float32))

    def decode(self, encoded: np.ndarray, metainfo: Optional[dict] = None
               ) -> Tuple[np.ndarray, np.ndarray]:
        """(N, K, 3) normalized -> (N, K, 3) root-relative metres and (N, K) scores of 1.
        ``metainfo`` (the sample's) is not needed: the coordinates are the camera's."""
        keypoints = np.asarray(encoded, dtype=np.float64) * self.pose_size
        return keypoints, np.ones(keypoints.shape[:2], dtype=np.float32)
