"""MPI-INF-3DHP in the layout of MMPose's ``preprocess_mpi_inf_3dhp.py``, in Human3.6M's joints."""
import os.path as osp

from mmpose.registry import DATASETS
from .base_multiview_dataset import BaseMultiViewDataset

# MPI-INF-3DHP's 17 joints (head_top, neck, r/l shoulder-elbow-wrist, r/l hip-knee-ankle, root,
# spine, head) reordered as Human3.6M's: root, right leg, left leg, spine, thorax (neck),
# neck/nose (head), head (head_top), left arm, right arm.
MPI_INF_3DHP_TO_H36M = (14, 8, 9, 10, 11, 12, 13, 15, 1, 16, 0, 5, 6, 7, 2, 3, 4)


@DATASETS.register_module()
class MultiViewMPIINF3DHPDataset(BaseMultiViewDataset):
    """MPI-INF-3DHP, views grouped per frame, joints mapped to Human3.6M's order.

    Layout (``preprocess_mpi_inf_3dhp.py``): ``images/S1_Seq1_Cam0_000001.jpg`` (training
    sequences, 14 cameras; a config may keep a subset with ``reference_views``) and
    ``images/TS1_000001.jpg`` (test sequences TS1-TS6, one camera each);
    ``annotations/mpi_inf_3dhp_{train,test_valid}.npz`` (``imgname``, ``center``, ``scale``,
    ``part``, ``S`` in metres, camera frame); ``annotations/cameras_{train,test}.pkl`` keyed
    ``'S1_Seq1_Cam0'`` / ``'TS1'``. The sequence (``Seq1``, ``test``) takes the place of
    Human3.6M's action in the per-action MPJPE results. Arguments and sample keys as
    :class:`MultiViewH36MDataset`.
    """
    METAINFO = dict(from_file='configs/_base_/datasets/h36m.py')
    joint_order = MPI_INF_3DHP_TO_H36M

    @staticmethod
    def parse_imgname(imgname: str):
        """``S1_Seq1_Cam0_000001.jpg`` -> ('S1', 'Seq1', 'Cam0', 1); ``TS1_000001.jpg`` ->
        ('TS1', 'test', 'TS1', 1)."""
        parts = osp.splitext(osp.basename(str(imgname)))[0].split('_')
        if len(parts) == 4:                                   # S1_Seq1_Cam0_000001
            return parts[0], parts[1], parts[2], int(parts[3])
        if len(parts) == 2:                                   # TS1_000001
            return parts[0], 'test', parts[0], int(parts[1])
        raise ValueError(f'not an MPI-INF-3DHP image name: {imgname!r}')

    @staticmethod
    def camera_key(subject: str, sequence: str, camera: str):
        """``'S1_Seq1_Cam0'`` (calibrated per recording), ``'TS1'`` for a test sequence."""
        return camera if sequence == 'test' else f'{subject}_{sequence}_{camera}'

    @staticmethod
    def target_name(imgname: str, subject: str, sequence: str, camera: str, number: int) -> str:
        """``S1_Seq1.Cam0_000001.jpg``: the sequence parsed as MPJPE's action."""
        return f'{subject}_{sequence}.{camera}_{number:06d}.jpg'
