"""MultiViewMPIINF3DHPDataset reads the preprocess_mpi_inf_3dhp.py layout, in Human3.6M joints."""
import numpy as np

from epipolar_plugin.datasets import MultiViewMPIINF3DHPDataset
from ..mpi_inf_3dhp_layout import write_mpi_inf_3dhp_layout


def test_3dhp_layout_is_grouped_per_frame_in_h36m_joint_order(tiny_dataset, tmp_path):
    root, _ = tiny_dataset
    ann = write_mpi_inf_3dhp_layout(root, tmp_path)
    dataset = MultiViewMPIINF3DHPDataset(
        data_root=str(tmp_path), ann_file='annotations/mpi_inf_3dhp_train.npz',
        camera_param_file='annotations/cameras_train.pkl', data_prefix=dict(img='images/'))
    assert len(dataset) == len(ann['imgname'])
    sample = dataset.get_data_info(0)
    row = sample['img_id']
    truth = ann['S'][row, :, :3]
    np.testing.assert_allclose(sample['lifting_target'][0], truth - truth[0], atol=1e-6)
    assert sample['view_keypoints_2d'].shape == (3, 17, 3)
    assert sample['target_img_path'][0].startswith('S1_Seq') and '.Cam' in sample['target_img_path'][0]


def test_single_camera_test_sequences_are_samples_of_one_view():
    assert MultiViewMPIINF3DHPDataset.parse_imgname('TS3_000042.jpg') == ('TS3', 'test', 'TS3', 42)
    assert MultiViewMPIINF3DHPDataset.camera_key('TS3', 'test', 'TS3') == 'TS3'
    assert MultiViewMPIINF3DHPDataset.parse_imgname('S2_Seq1_Cam8_000007.jpg') == (
        'S2', 'Seq1', 'Cam8', 7)
