"""The .npz exchange files and the make_pseudo_labels CLI."""
import os.path as osp
import re
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


def test_session_is_read_and_checked(tmp_path):
    arrays = dict(keypoints_2d=np.zeros((2, 4, 17, 3)), intrinsics=np.stack([np.eye(3)] * 2))
    assert load_multiview_keypoints(_write(tmp_path / 'none.npz', **arrays))['session'] is None
    data = load_multiview_keypoints(_write(tmp_path / 'kp.npz', **arrays,
                                           session=np.array([1, 1, 11, 11], np.int32)))
    assert data['session'].dtype == np.int64 and list(data['session']) == [1, 1, 11, 11]
    with pytest.raises(ValueError, match=r"short\.npz: key 'session' must have shape \(F,\) = "
                                         r"\(4,\).*got \(3,\)"):
        load_multiview_keypoints(_write(tmp_path / 'short.npz', **arrays,
                                        session=np.array([1, 1, 2])))
    with pytest.raises(ValueError, match=r"float\.npz: key 'session' must hold integers.*"
                                         r"float64, e\.g\. \[1\.5, nan\]"):
        load_multiview_keypoints(_write(tmp_path / 'float.npz', **arrays,
                                        session=np.array([1.0, 1.5, np.nan, 2.0])))
    with pytest.raises(ValueError, match=r"key 'session' must hold integers.*<U2"):
        load_multiview_keypoints(_write(tmp_path / 'names.npz', **arrays,
                                        session=np.array(['S1', 'S1', 'S5', 'S5'])))


def _run_labels(tmp_path, name, **arrays):
    source = _write(tmp_path / f'{name}.npz', **arrays)
    return subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'make_pseudo_labels.py'),
                           source, str(tmp_path / f'{name}_labels.npz'), '--mode', 'per_frame'],
                          capture_output=True, text=True, check=True)


def test_cli_states_how_it_chose_the_left_right_pairs(tmp_path):
    scene = make_scene(20, 3, seed=2)
    arrays = dict(keypoints_2d=scene.keypoints_2d, intrinsics=scene.intrinsics)
    result = _run_labels(tmp_path, 'unnamed', **arrays)
    assert "no joint_names: its 17 joints are taken in Human3.6M's order" in result.stdout
    openpose = ['MidHip', 'RHip', 'RKnee', 'RAnkle', 'LHip', 'LKnee', 'LAnkle', 'Spine',
                'Chest', 'Neck', 'Head', 'LShoulder', 'LElbow', 'LWrist', 'RShoulder',
                'RElbow', 'RWrist']
    result = _run_labels(tmp_path, 'openpose', **arrays, joint_names=np.array(openpose))
    assert 'left/right pairs from the joint names' in result.stdout
    assert 'LHip/RHip' in result.stdout and 'LWrist/RWrist' in result.stdout
    result = _run_labels(tmp_path, 'numbered', **arrays,
                         joint_names=np.array([f'joint{i}' for i in range(17)]))
    assert 'UserWarning: no left/right pair found in the joint names' in result.stderr
    assert "'joint0', 'joint1'" in result.stderr


def test_take_is_read_and_checked(tmp_path):
    arrays = dict(keypoints_2d=np.zeros((2, 4, 17, 3)), intrinsics=np.stack([np.eye(3)] * 2))
    data = load_multiview_keypoints(_write(tmp_path / 'kp.npz', **arrays,
                                           take=np.array([0, 0, 1, 1])))
    assert list(data['take']) == [0, 0, 1, 1]
    with pytest.raises(ValueError, match=r"bad\.npz: key 'take' must be a .*shape \(4,\)"):
        load_multiview_keypoints(_write(tmp_path / 'bad.npz', **arrays, take=np.zeros(3)))


def test_label_sessions_must_be_sorted_and_unique(tmp_path):
    """Each label's session is found by a sorted search of session_ids: unsorted ids would
    give labels another session's intrinsics without any error."""
    from epipolar_plugin.fileio import load_pseudo_labels_for, save_pseudo_labels
    from epipolar_plugin.labels import make_pseudo_labels
    scene = make_scene(20, 3, seed=1)
    session = np.repeat([5, 9], 10)
    labels = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                                session=session)
    path = save_pseudo_labels(str(tmp_path / 'labels.npz'), labels)
    assert list(load_pseudo_labels_for(path, 'kp.npz', 20)['session_ids']) == [5, 9]
    with np.load(path) as data:
        arrays = dict(data)
    for ids in ([9, 5], [5, 5]):
        arrays['session_ids'] = np.array(ids)
        _write(tmp_path / 'bad.npz', **arrays)
        with pytest.raises(ValueError, match=r"bad\.npz: key 'session_ids' must be sorted and "
                                             r"unique.*" + re.escape(str(ids))):
            load_pseudo_labels_for(str(tmp_path / 'bad.npz'), 'kp.npz', 20)


def test_fps_is_read_and_checked(tmp_path):
    arrays = dict(keypoints_2d=np.zeros((2, 4, 17, 3)), intrinsics=np.stack([np.eye(3)] * 2))
    data = load_multiview_keypoints(_write(tmp_path / 'kp.npz', **arrays, fps=np.float64(25)))
    assert data['fps'] == 25.0 and isinstance(data['fps'], float)
    assert load_multiview_keypoints(_write(tmp_path / 'none.npz', **arrays))['fps'] is None
    for bad in (np.float64(0), np.float64(np.nan), np.array([25.0, 25.0])):
        with pytest.raises(ValueError, match=r"bad\.npz: key 'fps' must"):
            load_multiview_keypoints(_write(tmp_path / 'bad.npz', **arrays, fps=bad))
