"""Bad input to the multi-view datasets: a clear error naming file and key, or a counted skip."""
import logging
import shutil

import numpy as np
import pytest
from mmengine.logging import MMLogger

from mmpose.datasets.transforms import LoadImage

from epipolar_plugin.datasets import EpipolarPseudoLabel, MultiViewH36MDataset
from epipolar_plugin.datasets.h36m_multiview import parse_h36m_imgname
from ..helpers import ANN


@pytest.fixture
def copy(tiny_dataset, tmp_path):
    """A private copy of the tiny dataset's annotations (images shared by symlink)."""
    root, _ = tiny_dataset
    shutil.copytree(root / 'annotation_body3d', tmp_path / 'annotation_body3d')
    (tmp_path / 'images').symlink_to(root / 'images')
    return tmp_path


def _dataset(root, split='train', **kwargs):
    return MultiViewH36MDataset(data_root=str(root), data_prefix=dict(img='images/'),
                                ann_file=ANN + f'h36m_{split}.npz',
                                camera_param_file='annotation_body3d/cameras.pkl', **kwargs)


def _rewrite(path, **changes):
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays.update(changes)
    np.savez(path, **arrays)


def test_truncated_annotation_names_the_file(copy):
    path = copy / ANN / 'h36m_train.npz'
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(ValueError, match=r'h36m_train\.npz: not a readable \.npz'):
        _dataset(copy)


def test_wrong_joint_count_names_file_and_key(copy):
    path = copy / ANN / 'h36m_train.npz'
    with np.load(path) as data:
        part = data['part']
    _rewrite(path, part=part[:, :16])
    with pytest.raises(ValueError, match=r"h36m_train\.npz: key 'part' has shape .*16"):
        _dataset(copy)
    kpts = copy / ANN / 'h36m_test_multiview_2d.npz'
    with np.load(kpts) as data:
        keypoints = data['keypoints_2d']
    _rewrite(kpts, keypoints_2d=keypoints[:, :, :16], joint_names=np.arange(16).astype(str))
    with pytest.raises(ValueError, match=r"multiview_2d\.npz: key 'keypoints_2d' has 16 joints"):
        _dataset(copy, 'test', keypoints_2d_file=ANN + 'h36m_test_multiview_2d.npz',
                 load_ground_truth=False)


def test_infinite_keypoints_are_missing_joints_never_inf_targets(copy):
    kpts = copy / ANN / 'h36m_test_multiview_2d.npz'
    with np.load(kpts) as data:
        keypoints = data['keypoints_2d'].copy()
    keypoints[:, 0, 5, 0] = np.inf                   # joint 5 of frame 0, every view
    keypoints[0, 0, 6, 1] = -np.inf
    _rewrite(kpts, keypoints_2d=keypoints)
    dataset = _dataset(copy, 'test', keypoints_2d_file=ANN + 'h36m_test_multiview_2d.npz')
    index = next(i for i in range(len(dataset)) if dataset.get_data_info(i)['reference_view'] == 0)
    sample = dataset.get_data_info(index)
    assert np.isfinite(sample['keypoints']).all()
    assert sample['keypoints_visible'][0, 5] == 0 and sample['keypoints_visible'][0, 6] == 0
    out = EpipolarPseudoLabel(source='per_frame')(sample)
    assert np.isfinite(out['lifting_target']).all()
    assert out['lifting_target_visible'][0, 5] == 0           # seen by no view: weight 0


def test_frames_missing_a_view_are_skipped_and_counted(copy):
    path = copy / ANN / 'h36m_test.npz'
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    frames = {}
    for row, name in enumerate(arrays['imgname']):
        subject, sequence, _, number = parse_h36m_imgname(name)
        frames.setdefault((subject, sequence, number), []).append(row)
    first_frames = {}                  # the first frame of two sequences loses one view; the
    for (subject, sequence, number), rows in frames.items():   # camera stays in later frames
        first_frames.setdefault((subject, sequence), rows)
    drop = [rows[0] for rows in list(first_frames.values())[:2]]
    np.savez(path, **{k: np.delete(v, drop, axis=0) for k, v in arrays.items()})
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        dataset = _dataset(copy, 'test')
    finally:
        logger.removeHandler(handler)
    # every view of every frame is a sample (S11's Walking_1 has 2 cameras), except the two
    # frames that lost a view: all their views are skipped
    damaged = list(first_frames.values())[:2]
    assert len(dataset) == len(arrays['imgname']) - sum(len(rows) for rows in damaged)
    assert any('skipped 2 frames without every view of their sequence' in r.getMessage()
               for r in records)


def test_all_zero_scores_give_zero_weights_never_nan(tiny_dataset):
    root, _ = tiny_dataset
    dataset = _dataset(root, 'test')
    sample = dataset.get_data_info(0)
    sample['view_keypoints_2d'][..., 2] = 0.0
    out = EpipolarPseudoLabel(source='per_frame')(sample)
    assert np.isfinite(out['lifting_target']).all()
    assert (out['lifting_target_visible'] == 0).all()


def test_empty_split_is_an_error_naming_the_file(copy):
    path = copy / ANN / 'h36m_test.npz'
    with np.load(path) as data:
        arrays = {k: data[k][:0] for k in data.files}
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=r'h36m_test\.npz: no samples'):
        _dataset(copy, 'test')


def test_unreadable_image_names_the_file(copy, tiny_dataset):
    root, _ = tiny_dataset
    (copy / 'images').unlink()
    shutil.copytree(root / 'images', copy / 'images')
    dataset = _dataset(copy, 'test', pipeline=[LoadImage()])
    broken = dataset.get_data_info(0)['img_path']
    with open(broken, 'wb') as file:
        file.write(b'\xff\xd8 truncated')
    with pytest.raises(Exception, match=r"S11_.*_000001\.jpg") as error:
        dataset[0]
