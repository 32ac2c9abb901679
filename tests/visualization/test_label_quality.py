"""The label-quality picture: its pieces (runs of frames, camera centres) and the CLI's file."""
import os.path as osp
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from epipolar_plugin.synthetic import JOINT_NAMES, DetectorFailures, make_scene
from epipolar_plugin.visualization.label_quality import (camera_centres, frame_runs,
                                                         plot_label_quality,
                                                         quality_picture_path,
                                                         save_label_quality)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@given(st.lists(st.booleans(), max_size=40))
def test_frame_runs_cover_exactly_the_true_frames(mask):
    mask = np.array(mask, bool)
    covered = np.zeros(len(mask), bool)
    runs = frame_runs(mask)
    for first, last in runs:
        assert first < last and mask[first:last].all() and not covered[first:last].any()
        covered[first:last] = True
    assert (covered == mask).all()
    assert all(a[1] < b[0] for a, b in zip(runs, runs[1:]))        # separate runs


def test_camera_centres_are_the_rigs_true_centres():
    scene = make_scene(5, 4, seed=3)
    poses = [scene.relative_pose(v) for v in range(4)]
    rotations = np.stack([np.stack([r for r, _ in poses])] * 5)
    translations = np.stack([np.stack([t for _, t in poses])] * 5)
    translations[:, 2] = np.nan                                       # view 2: no pose
    centres, axes = camera_centres(rotations, translations)
    reference = scene.cameras[0]
    for v in (0, 1, 3):
        world_centre = -scene.cameras[v].rotation.T @ scene.cameras[v].translation
        expected = reference.rotation @ world_centre + reference.translation
        np.testing.assert_allclose(centres[v], expected, atol=1e-9)
        looking = reference.rotation @ scene.cameras[v].rotation.T @ [0, 0, 1]
        np.testing.assert_allclose(axes[v], looking, atol=1e-9)
    assert np.isnan(centres[2]).all()
    np.testing.assert_allclose(centres[0], 0, atol=1e-9)


def test_plot_names_disagreeing_arrays(tmp_path):
    with pytest.raises(ValueError, match=r'frame_view_used \(4, 2\)'):
        plot_label_quality(str(tmp_path / 'q.png'), np.zeros((5, 2)), np.zeros(2, bool),
                           np.zeros(2, int), np.zeros((5, 2, 3, 3)), np.zeros((5, 2, 3)),
                           np.ones((4, 2), bool))


def test_make_pseudo_labels_writes_the_picture_beside_the_labels(tmp_path):
    scene = make_scene(120, 3, seed=21, failures=DetectorFailures(bad_view=2))
    np.savez(tmp_path / 'in.npz', keypoints_2d=scene.keypoints_2d, intrinsics=scene.intrinsics,
             distortion=scene.distortion, joint_names=np.array(JOINT_NAMES),
             camera_names=np.array(['left', 'right', 'back']))
    result = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'make_pseudo_labels.py'),
                             str(tmp_path / 'in.npz'), str(tmp_path / 'labels.npz'),
                             '--sync', 'estimate'], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    picture = tmp_path / 'labels_quality.png'
    assert quality_picture_path(str(tmp_path / 'labels.npz')) == str(picture)
    assert f'quality: {picture}' in result.stdout
    image = matplotlib.image.imread(str(picture))
    assert image.shape[0] > 400 and image.shape[1] > 1000
    # the frames where the labels left the bad camera out are shaded (tab:red at alpha 0.25)
    shading = np.abs(image[..., :3] - [0.96, 0.79, 0.79]).max(-1) < 0.03
    assert shading.sum() > 500


def test_one_picture_per_session(tmp_path):
    frames, views = 12, 3
    session = np.repeat([4, 9], 6)
    rotations = np.tile(np.eye(3), (frames, views, 1, 1))
    translations = np.tile([[0.0, 0, 0], [1, 0, 0], [0, 0, 2]], (frames, 1, 1))
    arrays = dict(frame_view_error_px=np.ones((frames, views)), frame_view_used=np.ones(
        (frames, views), bool), view_flagged=np.zeros((2, views), bool),
        sync_offset=np.zeros((2, views), int), rotations=rotations, translations=translations,
        reference_view=0, session=session, session_ids=np.array([4, 9]))
    paths = save_label_quality(str(tmp_path / 'labels.npz'), arrays, ['a', 'b', 'c'])
    assert paths == [str(tmp_path / 'labels_quality_session4.png'),
                     str(tmp_path / 'labels_quality_session9.png')]
    assert all(osp.isfile(p) for p in paths)
    one = dict(arrays, session=None, session_ids=None, view_flagged=np.zeros(views, bool),
               sync_offset=np.zeros(views, int))
    assert save_label_quality(str(tmp_path / 'one.npz'), one) == [
        str(tmp_path / 'one_quality.png')]


def test_sync_curves_get_their_own_column(tmp_path):
    frames, views = 30, 3
    arrays = (np.ones((frames, views)), np.zeros(views, bool), np.array([0, 0, 2]),
              np.tile(np.eye(3), (frames, views, 1, 1)), np.zeros((frames, views, 3)),
              np.ones((frames, views), bool))
    curves = np.array([[np.nan] * 5, [3.0, 2.5, 2.0, 2.5, 3.0], [4.0, 3.5, 3.0, 2.5, 2.0]])
    plot_label_quality(str(tmp_path / 'plain.png'), *arrays)
    plot_label_quality(str(tmp_path / 'sync.png'), *arrays, sync_error_px=curves,
                       sync_evidence=np.array([np.nan, 0.0, 8.0]))
    plain = matplotlib.image.imread(str(tmp_path / 'plain.png'))
    with_sync = matplotlib.image.imread(str(tmp_path / 'sync.png'))
    assert with_sync.shape[1] > plain.shape[1] + 200
    with pytest.raises(ValueError, match=r'sync_error_px \(2, 5\) for 3 cameras'):
        plot_label_quality(str(tmp_path / 'bad.png'), *arrays, sync_error_px=curves[:2])
