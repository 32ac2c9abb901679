"""Pose metainfo (joint names, flip pairs, skeleton) parsed the way MMPose's datasets do."""
from copy import deepcopy

from mmengine.dataset import BaseDataset

from mmpose.datasets.datasets.utils import parse_pose_metainfo


class PoseMetainfoDataset(BaseDataset):
    """``BaseDataset`` whose ``METAINFO`` (e.g. ``dict(from_file=...h36m.py)``) is parsed by
    MMPose's ``parse_pose_metainfo``: ``dataset_meta`` then holds ``keypoint_id2name``,
    ``flip_indices``, ``skeleton_links``... as MMPose's models, visualizers and checkpoints
    (``meta['dataset_meta']``, read by ``mmpose.apis.init_model``) expect. Like MMPose's
    ``BaseCocoStyleDataset``, every sample carries the metainfo items that transforms use
    (``flip_indices`` for ``RandomFlip``, ...)."""

    #: metainfo items copied into every sample (MMPose's ``BaseCocoStyleDataset`` list)
    METAINFO_KEYS = ('dataset_name', 'upper_body_ids', 'lower_body_ids', 'flip_pairs',
                     'dataset_keypoint_weights', 'flip_indices', 'skeleton_links')

    @classmethod
    def _load_metainfo(cls, metainfo: dict = None) -> dict:
        metainfo = deepcopy(cls.METAINFO) if metainfo is None else metainfo
        if not isinstance(metainfo, dict):
            raise TypeError(f'metainfo must be a dict, got {type(metainfo)}')
        return parse_pose_metainfo(metainfo) if metainfo else metainfo

    def get_data_info(self, idx: int) -> dict:
        data_info = super().get_data_info(idx)
        for key in self.METAINFO_KEYS:
            if key in self._metainfo and key not in data_info:
                data_info[key] = deepcopy(self._metainfo[key])
        return data_info
