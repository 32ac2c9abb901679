"""Human3.6M (MMPose's preprocessed layout) with the views of each frame grouped together."""
import os.path as osp

from mmpose.registry import DATASETS
from .base_multiview_dataset import (BaseMultiViewDataset, group_views, intrinsics_from_camera,
                                     view_keypoints)

# the layout helpers stay importable from here (epipolar_plugin.apis, the tests)
__all__ = ['MultiViewH36MDataset', 'parse_h36m_imgname', 'group_views', 'intrinsics_from_camera',
           'view_keypoints']


def parse_h36m_imgname(imgname: str):
    """``S1/S1_Walking_1.54138969/S1_Walking_1.54138969_000001.jpg`` ->
    ('S1', 'Walking_1', '54138969', 1)."""
    base = osp.splitext(osp.basename(str(imgname)))[0]
    subject, rest = base.split('_', 1)
    sequence, rest = rest.split('.', 1)
    camera, number = rest.rsplit('_', 1)
    return subject, sequence, camera, int(number)


@DATASETS.register_module()
class MultiViewH36MDataset(BaseMultiViewDataset):
    """Human3.6M in the layout of MMPose's ``preprocess_h36m.py``, one sample per (frame, view).

    Rows of the annotation file that share (subject, sequence, frame number) are one multi-view
    frame (image names ``S1/S1_Walking_1.54138969/S1_Walking_1.54138969_000001.jpg``); its
    cameras are ``cameras.pkl``'s ``(subject, camera id)`` entries. Each view of a frame is a
    sample; sample keys as :class:`BaseMultiViewDataset` (``img_id`` and ``id``: the
    annotation row of the reference view, ``target_img_path``: its image name).

    Args:
        ann_file: ``annotation_body3d/fps*/h36m_{train,test}.npz``, relative to ``data_root``.
        camera_param_file: ``annotation_body3d/cameras.pkl`` (intrinsics only are used).
        keypoints_2d_file: optional multi-view 2D keypoints file (docs/file_formats.md) with
            ``image_names`` (V, F); without it the annotation's 2D (``part``) is used, score 1.
        pseudo_label_file: optional output of ``tools/make_pseudo_labels.py`` computed from
            ``keypoints_2d_file`` (same frames).
        load_ground_truth: load the 3D ground truth (evaluation and supervised baselines only).
        reference_views: camera ids used as reference views (default: all).
        frame_step: keep every ``frame_step``-th frame of each sequence.
    """
    METAINFO = dict(from_file='configs/_base_/datasets/h36m.py')

    @staticmethod
    def parse_imgname(imgname: str):
        """(subject, sequence, camera id, frame number) of an annotation image name."""
        return parse_h36m_imgname(imgname)

    @staticmethod
    def camera_key(subject: str, sequence: str, camera: str):
        """Human3.6M's cameras are calibrated per subject: ``(subject, camera id)``."""
        return (subject, camera)
