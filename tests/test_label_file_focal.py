"""The label file's focal_determined: written beside the intrinsics, read and checked, and
label files written before it still load."""
import numpy as np
import pytest

from epipolar_plugin.fileio import load_pseudo_labels_for, save_pseudo_labels
from epipolar_plugin.labels import LabelOptions, make_pseudo_labels
from epipolar_plugin.synthetic import make_scene


def test_focal_determined_is_written_read_and_checked(tmp_path):
    scene = make_scene(200, 3, seed=41)
    guessed = scene.intrinsics.copy()
    guessed[:, [0, 1], [0, 1]] *= 1.08
    labels = make_pseudo_labels(scene.keypoints_2d, guessed, None,
                                options=LabelOptions.from_flat(refine_focal=True))
    path = save_pseudo_labels(str(tmp_path / 'labels.npz'), labels)
    loaded = load_pseudo_labels_for(path, 'kp.npz', 200)
    assert loaded['focal_determined'].dtype == bool
    np.testing.assert_array_equal(loaded['focal_determined'], labels.focal_determined)
    with np.load(path) as data:
        arrays = dict(data)
    assert arrays['focal_sigma_px'].shape == (1, 3)
    old = {key: value for key, value in arrays.items()
           if key not in ('focal_determined', 'focal_sigma_px')}
    np.savez(tmp_path / 'old.npz', **old)                 # a file written before the key
    assert load_pseudo_labels_for(str(tmp_path / 'old.npz'), 'kp.npz', 200)[
        'focal_determined'] is None
    np.savez(tmp_path / 'bad.npz', **dict(old, focal_determined=np.ones((1, 2), bool)))
    with pytest.raises(ValueError, match=r"bad\.npz: key 'focal_determined' must be a bool "
                                         r'array of shape \(1, 3\)'):
        load_pseudo_labels_for(str(tmp_path / 'bad.npz'), 'kp.npz', 200)
