"""Pose metainfo (joint names, flip pairs, skeleton) parsed the way MMPose's datasets do."""
from copy import deepcopy

from mmengine.dataset import BaseDataset

from mmpose.datasets.datasets.utils import parse_pose_metainfo


class PoseMetainfoDataset(BaseDataset):
    """``BaseDataset`` whose ``METAINFO`` (e.g. ``dict(from_file=...h36m.py)``) is parsed by
    MMPose's ``parse_pose_metainfo``: ``dataset_meta`` then holds ``keypoint_id2name``,
    ``flip_indices``, ``skeleton_links``... as MMPose's models, visualizers and checkpoints
    (``meta['dataset_meta']``, read by ``mmpose.apis.init_model``) expect."""

    @classmethod
    def _load_metainfo(cls, metainfo: dict = None) -> dict:
        metainfo = deepcopy(cls.METAINFO) if metainfo is None else metainfo
        if not isinstance(metainfo, dict):
            raise TypeError(f'metainfo must be a dict, got {type(metainfo)}')
        return parse_pose_metainfo(metainfo) if metainfo else metainfo
