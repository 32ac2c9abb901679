"""MultiViewH36MDataset on the synthetic Human3.6M layout, and the EpipolarPseudoLabel transform."""
import numpy as np
import pytest

from epipolar_plugin.datasets import EpipolarPseudoLabel, MultiViewH36MDataset
from epipolar_plugin.fileio import load_multiview_keypoints, save_pseudo_labels
from epipolar_plugin.labels import make_pseudo_labels

ANN = 'annotation_body3d/fps10/'


@pytest.fixture(scope='module')
def labelled(tiny_dataset, tmp_path_factory):
    """The tiny dataset plus pooled pseudo labels of its training split."""
    root, _ = tiny_dataset
    keypoints = load_multiview_keypoints(str(root / ANN / 'h36m_train_multiview_2d.npz'))
    labels = make_pseudo_labels(keypoints['keypoints_2d'], keypoints['intrinsics'],
                                keypoints['distortion'], session=keypoints['session'])
    path = tmp_path_factory.mktemp('labels') / 'labels.npz'
    save_pseudo_labels(str(path), labels)
    return root, str(path)


def _dataset(root, **kwargs):
    options = dict(data_root=str(root), data_prefix=dict(img='images/'),
                   ann_file=ANN + 'h36m_train.npz',
                   camera_param_file='annotation_body3d/cameras.pkl')
    options.update(kwargs)
    return MultiViewH36MDataset(**options)


def test_views_of_a_frame_are_grouped_and_ground_truth_is_root_relative(labelled):
    root, _ = labelled
    dataset = _dataset(root)
    assert len(dataset) == 10 * 5 * 3                  # frames x subjects x reference views
    sample = dataset.get_data_info(4)
    assert len(sample['img_paths']) == 3 and sample['img_path'] in sample['img_paths']
    assert sample['img_paths'][sample['reference_view']] == sample['img_path']
    assert sample['view_keypoints_2d'].shape == (3, 17, 3)
    assert sample['intrinsics'].shape == (3, 3, 3) and sample['distortion'].shape == (3, 5)
    np.testing.assert_allclose(sample['lifting_target'][0, 0], 0.0)
    assert sample['lifting_target'].shape == (1, 17, 3)
    # the images of a frame share subject, sequence and frame number
    stems = {p.split('/')[-1].split('.')[0] + p[-11:] for p in sample['img_paths']}
    assert len(stems) == 1


def test_metainfo_is_parsed_like_mmpose_datasets(labelled):
    meta = _dataset(labelled[0]).metainfo     # saved in checkpoints, read by init_model
    assert meta['dataset_name'] == 'h36m' and meta['num_keypoints'] == 17
    assert meta['keypoint_id2name'][0] == 'root'
    assert meta['flip_indices'][1] == 4                # right hip <-> left hip
    sample = _dataset(labelled[0]).get_data_info(0)   # as MMPose's datasets: for RandomFlip
    assert sample['flip_indices'] == meta['flip_indices']


def test_self_supervised_samples_carry_no_ground_truth(labelled):
    root, labels = labelled
    dataset = _dataset(root, keypoints_2d_file=ANN + 'h36m_train_multiview_2d.npz',
                       pseudo_label_file=labels, load_ground_truth=False)
    sample = dataset.get_data_info(0)
    assert 'lifting_target' not in sample and 'pseudo_label' in sample
    assert not any('S' == key for key in sample)


def test_missing_pseudo_labels_say_how_to_make_them(labelled, tmp_path):
    root, _ = labelled
    with pytest.raises(FileNotFoundError, match='tools/make_pseudo_labels.py'):
        _dataset(root, keypoints_2d_file=ANN + 'h36m_train_multiview_2d.npz',
                 pseudo_label_file=str(tmp_path / 'none.npz'))


def _root_relative(points):
    return points - points[:1]


def test_transform_targets_match_the_truth_up_to_scale_in_every_view(labelled):
    root, labels = labelled
    dataset = _dataset(root, keypoints_2d_file=ANN + 'h36m_train_multiview_2d.npz',
                       pseudo_label_file=labels)
    transform = EpipolarPseudoLabel()
    errors = []
    for index in range(0, len(dataset), 7):
        sample = dataset.get_data_info(index)
        truth = sample['lifting_target'][0]
        out = transform(dict(sample))
        target, visible = out['lifting_target'][0], out['lifting_target_visible'][0] > 0
        assert np.isfinite(target).all() and np.all(target[~visible] == 0)
        if visible.sum() < 8:
            continue
        scale = np.sum(target[visible] * truth[visible]) / np.sum(target[visible] ** 2)
        errors.append(np.linalg.norm(scale * target[visible] - truth[visible], axis=1).mean())
    assert np.median(errors) < 0.08                     # metres, camera of each reference view


def test_per_frame_source_never_emits_nan_and_zero_weights_invalid_joints(labelled):
    root, _ = labelled
    dataset = _dataset(root, keypoints_2d_file=ANN + 'h36m_train_multiview_2d.npz')
    transform = EpipolarPseudoLabel(source='per_frame', label_options=dict(
        pose=dict(ransac_threshold_px=0.5), triangulation=dict(outlier_threshold_px=3)))
    sample = dict(dataset.get_data_info(3))
    out = transform(dict(sample))
    assert np.isfinite(out['lifting_target']).all()
    # a view without detections and a joint without scores: still finite, joint weighted 0
    broken = dict(sample)
    keypoints = sample['view_keypoints_2d'].copy()
    keypoints[:, 5, 2] = 0.0
    keypoints[1] = np.nan
    broken['view_keypoints_2d'] = keypoints
    out = transform(broken)
    assert np.isfinite(out['lifting_target']).all()
    assert out['lifting_target_visible'][0, 5] == 0
    # everything missing: the whole sample is weighted 0, never NaN
    broken['view_keypoints_2d'] = np.full_like(keypoints, np.nan)
    out = transform(broken)
    assert np.isfinite(out['lifting_target']).all() and out['lifting_target_visible'].sum() == 0


def test_hidden_root_is_completed_from_the_hips_and_the_root_position_is_kept(labelled):
    root, labels = labelled
    dataset = _dataset(root, keypoints_2d_file=ANN + 'h36m_train_multiview_2d.npz',
                       pseudo_label_file=labels)
    sample = dict(dataset.get_data_info(0))
    label = dict(sample['pseudo_label'])
    complete = EpipolarPseudoLabel()(dict(sample, pseudo_label=label))
    joints = label['keypoints_3d'] @ np.asarray(label['rotation']).T + label['translation']
    np.testing.assert_allclose(complete['lifting_target_root'][0], joints[0], atol=1e-5)
    valid = label['valid'].copy()
    valid[0] = False                                 # the pelvis is hidden, the hips are not
    valid[[1, 4]] = True
    hidden = dict(label, valid=valid)
    assert EpipolarPseudoLabel()(dict(sample, pseudo_label=hidden))[
        'lifting_target_visible'].sum() == 0          # no root: no target
    out = EpipolarPseudoLabel(root_from=(1, 4))(dict(sample, pseudo_label=hidden))
    assert out['lifting_target_visible'][0, 0] == 1
    np.testing.assert_allclose(out['lifting_target_root'][0], joints[[1, 4]].mean(0), atol=1e-5)
    assert np.all(out['lifting_target'][0, 0] == 0)
    # the synthetic (and Human3.6M) pelvis is the middle of the hips: the truth agrees
    truth = sample['lifting_target'][0]
    np.testing.assert_allclose(truth[[1, 4]].mean(0), truth[0], atol=1e-5)
    valid[4] = False                                 # a hip hidden too: still no target
    both_hidden = dict(sample, pseudo_label=dict(label, valid=valid))
    out = EpipolarPseudoLabel(root_from=(1, 4))(both_hidden)
    assert out['lifting_target_visible'].sum() == 0
