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


def test_a_sequence_without_a_camera_gives_each_camera_its_own_target(tiny_dataset, tmp_path):
    """S1's Seq2 lacks Cam0, which the keypoints and label files have: every other camera's
    sample gets that camera's detections, intrinsics and label pose, found by name."""
    from epipolar_plugin.apis import annotation_keypoints, annotation_views
    from epipolar_plugin.fileio import save_npz, save_pseudo_labels
    from epipolar_plugin.labels import make_pseudo_labels
    root, _ = tiny_dataset
    write_mpi_inf_3dhp_layout(root, tmp_path, drop=('S1', 'Seq2', 'Cam0'),
                              principal_shift_px=3.0)
    views = annotation_views(str(tmp_path), layout='mpi_inf_3dhp')
    keypoints = annotation_keypoints(views, 'mpi_inf_3dhp')
    assert views['missing_views'] == {'Cam0': 2}
    save_npz(str(tmp_path / 'kp.npz'), dict(
        keypoints_2d=keypoints, intrinsics=views['intrinsics'], distortion=views['distortion'],
        camera_names=views['camera_names'], image_names=views['image_names'],
        session=views['session']))
    labels = make_pseudo_labels(keypoints, views['intrinsics'], views['distortion'],
                                session=views['session'])
    save_pseudo_labels(str(tmp_path / 'labels.npz'), labels)
    dataset = MultiViewMPIINF3DHPDataset(
        data_root=str(tmp_path), ann_file='annotations/mpi_inf_3dhp_train.npz',
        camera_param_file='annotations/cameras_train.pkl', data_prefix=dict(img='images/'),
        keypoints_2d_file='kp.npz', pseudo_label_file='labels.npz', load_ground_truth=False)
    file_names = list(views['image_names'].ravel())
    checked = 0
    for index in range(len(dataset)):
        sample = dataset.get_data_info(index)
        image = sample['img_path'].rsplit('/', 1)[-1]
        camera = image.split('_')[2]
        view, row = np.unravel_index(file_names.index(image), views['image_names'].shape)
        reference = sample['reference_view']
        assert camera == views['camera_names'][view]
        np.testing.assert_array_equal(sample['intrinsics'][reference], views['intrinsics'][view])
        np.testing.assert_array_equal(sample['view_keypoints_2d'][reference],
                                      keypoints[view, row])
        rotation = labels.rotations[row, view]
        if np.isfinite(rotation).all():
            np.testing.assert_array_equal(sample['pseudo_label']['rotation'], rotation)
        checked += image.startswith('S1_Seq2_')
    assert checked == 4                                   # Seq2 of S1: 2 frames x Cam1, Cam2
