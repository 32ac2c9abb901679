"""MultiViewFolderDataset: a users' rig described only by a multi-view keypoints file."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from epipolar_plugin.datasets import EpipolarPseudoLabel, MultiViewFolderDataset
from epipolar_plugin.fileio import load_multiview_keypoints, save_pseudo_labels
from epipolar_plugin.labels import make_pseudo_labels

KEYPOINTS = 'annotation_body3d/fps10/h36m_test_multiview_2d.npz'


def test_folder_rig_trains_from_keypoints_and_images_only(tiny_dataset, tmp_path):
    root, _ = tiny_dataset
    keypoints = load_multiview_keypoints(str(root / KEYPOINTS))
    labels = make_pseudo_labels(keypoints['keypoints_2d'], keypoints['intrinsics'],
                                keypoints['distortion'], session=keypoints['session'])
    save_pseudo_labels(str(tmp_path / 'labels.npz'), labels)
    init_default_scope('mmpose')
    pipeline = [dict(type='EpipolarPseudoLabel', root_from=(1, 4)), dict(type='ProjectTarget3D'),
                dict(type='LoadImage'), dict(type='TopdownAffine', input_size=(64, 64)),
                dict(type='GenerateTarget', encoder=dict(type='PixelDepthVolumeLabel')),
                dict(type='PackPoseInputs')]
    dataset = MultiViewFolderDataset(keypoints_2d_file=KEYPOINTS,
                                     pseudo_label_file=str(tmp_path / 'labels.npz'),
                                     data_root=str(root), data_prefix=dict(img='images/'),
                                     pipeline=pipeline)
    frames, views = keypoints['keypoints_2d'].shape[1], keypoints['keypoints_2d'].shape[0]
    assert 0.9 * frames * views <= len(dataset) <= frames * views
    item = dataset[0]
    assert item['inputs'].shape == (3, 64, 64)
    labels = item['data_samples'].gt_instance_labels
    assert labels.lifting_target_label.shape == (1, 17, 3)
    assert labels.lifting_target_weight.sum() > 10 and labels.lifting_target_label.abs().max() < 0.5
    info = dataset.get_data_info(0)
    box = info['bbox_scale'][0, 0]
    kpts = info['keypoints'][0]
    assert box >= np.ptp(kpts[info['keypoints_visible'][0] >= 0.3], axis=0).max()
    assert np.isfinite(EpipolarPseudoLabel()(dict(info))['lifting_target']).all()


def test_folder_errors_name_the_file(tiny_dataset, tmp_path):
    root, _ = tiny_dataset
    with pytest.raises(FileNotFoundError, match='nothing.npz'):
        MultiViewFolderDataset(keypoints_2d_file=str(tmp_path / 'nothing.npz'))
    data = dict(np.load(root / KEYPOINTS))
    data.pop('image_names')
    np.savez(tmp_path / 'no_names.npz', **data)
    with pytest.raises(KeyError, match='image_names'):
        MultiViewFolderDataset(keypoints_2d_file=str(tmp_path / 'no_names.npz'))
