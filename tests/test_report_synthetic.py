"""tools/report_synthetic.py's pseudo-label rows: the labels' own reference camera and the image
each label's instant is in (``image_frame``), read through the checked loaders."""
import shutil

import numpy as np
import pytest

from epipolar_plugin.fileio import load_multiview_keypoints
from .helpers import ANN
from .test_prepare_videos import load_tool

report = load_tool('report_synthetic')


@pytest.fixture
def data_root(prepared_tiny, tmp_path):
    root = tmp_path / 'synthetic'
    shutil.copytree(prepared_tiny, root)
    return root


def exact_labels(root, reference: int, delay: int) -> dict:
    """The training labels file rewritten with exact labels in camera ``reference``'s frame
    whose instant f is shown by that camera's image of row f + ``delay`` (``image_frame``)."""
    with np.load(root / ANN / 'h36m_train_pseudo_labels.npz') as data:
        labels = dict(data)
    names = load_multiview_keypoints(str(root / ANN / 'h36m_train_multiview_2d.npz'))[
        'image_names'].astype(str)
    ann = np.load(root / ANN / 'h36m_train.npz')
    row = {str(n): i for i, n in enumerate(ann['imgname'])}
    num_frames = names.shape[1]
    image_frame = np.arange(num_frames)[:, None] + np.zeros(names.shape[0], int)
    image_frame[:, reference] += delay
    image_frame[image_frame >= num_frames] = -1
    shown = np.clip(image_frame[:, reference], 0, None)
    labels.update(
        reference_view=np.int64(reference), image_frame=image_frame,
        keypoints_3d=ann['S'][[row[n] for n in names[reference, shown]], :, :3],
        valid=np.ones(labels['valid'].shape, bool))
    np.savez(root / ANN / 'h36m_train_pseudo_labels.npz', **labels)
    return labels


def test_label_error_is_measured_in_the_reference_camera_at_the_labels_instants(data_root):
    exact_labels(data_root, reference=1, delay=3)
    error, valid = report.pseudo_label_error(str(data_root))
    assert error < 1e-6 and valid == 1.0      # view 0 or the rows as labelled: > 100 mm


def test_a_view_off_by_one_image_is_a_large_error(data_root):
    labels = exact_labels(data_root, reference=1, delay=3)
    shown = labels['image_frame'][:, 1]
    shown[shown > 0] -= 1                          # each label now paired with the image before
    np.savez(data_root / ANN / 'h36m_train_pseudo_labels.npz', **labels)
    error, _ = report.pseudo_label_error(str(data_root))
    assert error > 0.005


def test_test_split_pictures_skip_views_that_a_sequence_lacks(data_root):
    from epipolar_plugin.fileio import save_pseudo_labels
    from epipolar_plugin.labels import make_pseudo_labels
    keypoints = load_multiview_keypoints(str(data_root / ANN / 'h36m_test_multiview_2d.npz'))
    save_pseudo_labels(str(data_root / ANN / 'h36m_test_pseudo_labels.npz'),
                       make_pseudo_labels(keypoints['keypoints_2d'], keypoints['intrinsics'],
                                          keypoints['distortion'],
                                          session=keypoints['session']))
    poses = report.test_pseudo_labels(str(data_root))
    names = keypoints['image_names'].astype(str)
    assert '' not in poses and len(poses) == (names != '').sum() == 58
    assert all(pose.shape == (17, 3) for pose in poses.values())


def test_a_damaged_label_file_is_an_error_naming_it(data_root):
    path = data_root / ANN / 'h36m_train_pseudo_labels.npz'
    with np.load(path) as data:
        labels = dict(data)
    labels['valid'] = labels['valid'][:-1]
    np.savez(path, **labels)
    with pytest.raises(ValueError, match=r"h36m_train_pseudo_labels.npz: key 'valid'"):
        report.pseudo_label_error(str(data_root))
