"""The .npz exchange files and the make_pseudo_labels CLI."""
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from epipolar_plugin.fileio import load_multiview_keypoints
from epipolar_plugin.synthetic import make_scene

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _write(path, **arrays):
    np.savez(path, **arrays)
    return str(path)


def test_cli_writes_labels_and_summary(tmp_path):
    scene = make_scene(50, 3, seed=1)
    source = _write(tmp_path / 'kp.npz', keypoints_2d=scene.keypoints_2d,
                    intrinsics=scene.intrinsics, distortion=scene.distortion)
    out = tmp_path / 'labels.npz'
    result = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'make_pseudo_labels.py'),
                             source, str(out), '--mode', 'per_frame'],
                            capture_output=True, text=True, check=True)
    assert 'valid joints' in result.stdout and 'frame status' in result.stdout
    labels = np.load(out)
    assert labels['keypoints_3d'].shape == (50, 17, 3) and labels['valid'].shape == (50, 17)
    assert labels['rotations'].shape == (50, 3, 3, 3) and str(labels['mode']) == 'per_frame'
    assert osp.isfile(tmp_path / 'labels_summary.json')


def test_missing_key_is_named(tmp_path):
    path = _write(tmp_path / 'kp.npz', keypoints_2d=np.zeros((2, 3, 17, 3)))
    with pytest.raises(KeyError, match="'intrinsics'"):
        load_multiview_keypoints(path)


def test_wrong_shape_names_file_and_key(tmp_path):
    path = _write(tmp_path / 'kp.npz', keypoints_2d=np.zeros((2, 3, 17, 2)),
                  intrinsics=np.stack([np.eye(3)] * 2))
    with pytest.raises(ValueError, match=r"kp\.npz: key 'keypoints_2d'"):
        load_multiview_keypoints(path)


def test_wrong_joint_names_length(tmp_path):
    path = _write(tmp_path / 'kp.npz', keypoints_2d=np.zeros((2, 3, 17, 3)),
                  intrinsics=np.stack([np.eye(3)] * 2), joint_names=np.array(['a'] * 16))
    with pytest.raises(ValueError, match="'joint_names'"):
        load_multiview_keypoints(path)


def test_truncated_file(tmp_path):
    path = tmp_path / 'kp.npz'
    _write(path, keypoints_2d=np.zeros((2, 3, 17, 3)), intrinsics=np.stack([np.eye(3)] * 2))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match='not a readable'):
        load_multiview_keypoints(str(path))
