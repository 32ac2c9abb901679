"""tools/make_pseudo_labels.py and tools/benchmark_pseudo_labels.py from the command line."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from epipolar_plugin.synthetic import JOINT_NAMES, DetectorFailures, make_scene

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def run_tool(*args, check=True):
    return subprocess.run([sys.executable, osp.join(ROOT, 'tools', args[0]), *args[1:]],
                          capture_output=True, text=True, check=check)


def write_keypoints(path, scene, **extra):
    np.savez(path, keypoints_2d=scene.keypoints_2d, intrinsics=scene.intrinsics,
             distortion=scene.distortion, joint_names=np.array(JOINT_NAMES), **extra)


def test_bad_view_is_flagged_in_the_summary_and_quality_is_saved(tmp_path):
    scene = make_scene(300, 4, seed=21, failures=DetectorFailures(bad_view=2))
    write_keypoints(tmp_path / 'in.npz', scene)
    result = run_tool('make_pseudo_labels.py', str(tmp_path / 'in.npz'),
                      str(tmp_path / 'out.npz'), '--sync', 'estimate')
    assert 'FLAGGED' in result.stdout and 'flagged views [2]' in result.stdout
    assert 'worst frames' in result.stdout
    summary = json.loads((tmp_path / 'out_summary.json').read_text())
    assert summary['mode'] == 'robust' and summary['flagged_views'] == [2]
    assert [view['sync_offset'] for view in summary['sessions'][0]['views']] == [0, 0, 0, 0]
    with np.load(tmp_path / 'out.npz') as labels:
        assert labels['view_flagged'].tolist() == [[False, False, True, False]]
        assert labels['frame_view_error_px'].shape == (300, 4)
        assert labels['joint_status_names'][-1] == 'narrow_angle'
    plain = run_tool('make_pseudo_labels.py', str(tmp_path / 'in.npz'),
                     str(tmp_path / 'plain.npz'), '--mode', 'pooled', '--no-refine',
                     '--ransac-threshold', '3')
    assert 'pseudo labels (pooled)' in plain.stdout
    with np.load(tmp_path / 'plain.npz') as labels:
        assert str(labels['mode']) == 'pooled'
        # the flags reached the options: 3 noise sigmas instead of 2.5
        assert labels['ransac_threshold_px'][0] / labels['noise_px'][0] == pytest.approx(3.0)


def test_guess_intrinsics_needs_the_image_size(tmp_path):
    scene = make_scene(100, 3, seed=22)
    write_keypoints(tmp_path / 'in.npz', scene)
    result = run_tool('make_pseudo_labels.py', str(tmp_path / 'in.npz'),
                      str(tmp_path / 'out.npz'), '--guess-intrinsics', check=False)
    assert result.returncode != 0 and "needs the key 'image_size'" in result.stderr
    write_keypoints(tmp_path / 'sized.npz', scene, image_size=np.full((3, 2), 1000))
    result = run_tool('make_pseudo_labels.py', str(tmp_path / 'sized.npz'),
                      str(tmp_path / 'out.npz'), '--guess-intrinsics')
    focal = [view['focal_px'] for view in json.loads(
        (tmp_path / 'out_summary.json').read_text())['sessions'][0]['views']]
    assert all(1000 < f < 1250 for f in focal[1:])              # refined from the 1000 px guess


def test_benchmark_runs_one_failure_mode():
    result = run_tool('benchmark_pseudo_labels.py', '--frames', '120', '--tables', 'failures',
                      '--modes', 'bad_view')
    assert 'failure mode: bad_view' in result.stdout
    assert 'pooled robust' in result.stdout and 'paper loop' in result.stdout


def test_benchmark_scale_table_labels_in_fresh_processes():
    result = run_tool('benchmark_pseudo_labels.py', '--tables', 'scale', '--scale-frames', '200')
    rows = [line.split() for line in result.stdout.splitlines() if line.strip().startswith('200')]
    assert [row[1] for row in rows] == ['pooled', 'robust']
    for row in rows:        # frames mode seconds frames/s x-paper peak-MB N-MPJPE valid
        assert float(row[2]) > 0 and float(row[5]) > 100 and float(row[6]) < 40


def test_frame_rate_from_the_file_or_the_flag_smooths_the_labels(tmp_path):
    scene = make_scene(150, 4, seed=23, fps=60, action='walking')
    write_keypoints(tmp_path / 'in.npz', scene)
    unknown = run_tool('make_pseudo_labels.py', str(tmp_path / 'in.npz'),
                       str(tmp_path / 'plain.npz'))
    assert unknown.stdout.count('frame rate is unknown') == 1
    write_keypoints(tmp_path / 'fps.npz', scene, fps=np.float64(60))
    given = run_tool('make_pseudo_labels.py', str(tmp_path / 'fps.npz'),
                     str(tmp_path / 'smooth.npz'))
    assert given.stdout.count('labels smoothed over time: 15 frames (0.25 s at 60 fps)') == 1
    flag = run_tool('make_pseudo_labels.py', str(tmp_path / 'in.npz'),
                    str(tmp_path / 'flag.npz'), '--fps', '60')
    summary = json.loads((tmp_path / 'flag_summary.json').read_text())
    assert summary['temporal']['window_frames'] == 15 and summary['temporal']['fps'] == 60.0
    assert 'smoothed over time' in flag.stdout
    with np.load(tmp_path / 'plain.npz') as plain, np.load(tmp_path / 'smooth.npz') as smooth, \
            np.load(tmp_path / 'flag.npz') as by_flag:
        assert int(plain['smoothing_window_frames']) == 1 and np.isnan(plain['fps'])
        assert int(smooth['smoothing_window_frames']) == 15 and float(smooth['fps']) == 60.0
        np.testing.assert_array_equal(smooth['valid'], plain['valid'])
        np.testing.assert_array_equal(smooth['keypoints_3d'], by_flag['keypoints_3d'])
        assert not np.allclose(smooth['keypoints_3d'], plain['keypoints_3d'], equal_nan=True)
    bad = run_tool('make_pseudo_labels.py', str(tmp_path / 'in.npz'), str(tmp_path / 'x.npz'),
                   '--fps', '-1', check=False)
    assert bad.returncode != 0 and 'fps must be a positive number' in bad.stderr
