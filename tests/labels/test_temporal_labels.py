"""The temporal stage inside make_pseudo_labels: takes, frame rate, modes, what is recorded."""
import numpy as np
import pytest

from epipolar_plugin.labels import LabelOptions, make_pseudo_labels
from epipolar_plugin.labels.label_options import TemporalOptions
from epipolar_plugin.labels.temporal import smooth_trajectories
from epipolar_plugin.synthetic import DetectionNoise, make_scene
from tests.labels.test_pseudo_labels import n_mpjpe

#: a phone rig filming a walk: portrait full HD, focal 1680 px, 5 px of detector noise
PORTRAIT = dict(image_size=(1080, 1920), focal=1680.0, area_radius=1.5, action='walking',
                noise=DetectionNoise(pixel_sigma=5.0 / 1.92))


@pytest.fixture(scope='module')
def walk_60fps():
    return make_scene(480, 4, seed=5, fps=60, walking_speed=1.2, **PORTRAIT)


def _label(scene, **kwargs):
    mode = kwargs.pop('mode', 'robust')
    temporal = TemporalOptions(**kwargs.pop('temporal', {}))
    return make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                              options=LabelOptions(mode=mode, temporal=temporal), **kwargs)


def test_smoothing_at_60_fps_lowers_the_label_error(walk_60fps):
    truth = walk_60fps.joints_camera[0]
    for mode in ('robust', 'pooled'):
        raw = _label(walk_60fps, mode=mode)
        smooth = _label(walk_60fps, mode=mode, fps=60.0)
        np.testing.assert_array_equal(smooth.valid, raw.valid)       # invalid stays invalid
        assert np.isfinite(smooth.keypoints_3d[smooth.valid]).all()
        assert np.isnan(smooth.keypoints_3d[~smooth.valid]).all()
        before, after = n_mpjpe(raw, truth), n_mpjpe(smooth, truth)
        # measured 25.6 -> 12.2 mm (robust), 25.2 -> 11.7 mm (pooled)
        assert after < 0.7 * before, (mode, before, after)
        assert smooth.fps == 60.0 and smooth.smoothing_window_frames == 15
        assert np.isnan(raw.fps) and raw.smoothing_window_frames == 1


def test_frame_rate_from_the_options_overrides_the_file_and_unknown_means_off(walk_60fps):
    raw = _label(walk_60fps)
    assert 'frame rate is unknown' in raw.summary()['temporal']['note']
    overridden = _label(walk_60fps, fps=30.0, temporal=dict(fps=60.0))
    given = _label(walk_60fps, fps=60.0)
    np.testing.assert_array_equal(overridden.keypoints_3d, given.keypoints_3d)
    off = _label(walk_60fps, fps=60.0, temporal=dict(smoothing_window_s=0.0))
    np.testing.assert_array_equal(off.keypoints_3d, raw.keypoints_3d)
    assert off.summary()['temporal']['window_frames'] == 1
    summary = given.summary()['temporal']
    assert summary['window_frames'] == 15 and summary['window_s'] == pytest.approx(0.25)
    assert 'smoothed over time: 15 frames' in summary['note']


def test_takes_and_gaps_are_smoothed_apart(walk_60fps):
    """Labels of two takes in one session: each take's labels are its own frames smoothed
    alone, so no label uses a frame of the other take."""
    take = np.repeat([0, 1], 240)
    raw = _label(walk_60fps, take=take)
    smooth = _label(walk_60fps, take=take, fps=60.0)
    for t in (0, 1):
        frames = take == t
        alone = smooth_trajectories(raw.keypoints_3d[frames], raw.valid[frames], 15)
        np.testing.assert_allclose(smooth.keypoints_3d[frames], alone, atol=1e-12)
    # the same file without takes mixes the two (the case can show mixing)
    mixed = _label(walk_60fps, fps=60.0)
    near = slice(233, 247)
    assert not np.allclose(mixed.keypoints_3d[near], smooth.keypoints_3d[near], equal_nan=True)


def test_per_frame_mode_is_not_smoothed(walk_60fps):
    short = make_scene(40, 4, seed=6, fps=60, walking_speed=1.2, **PORTRAIT)
    raw = _label(short, mode='per_frame')
    given = _label(short, mode='per_frame', fps=60.0)
    np.testing.assert_array_equal(given.keypoints_3d, raw.keypoints_3d)
    assert given.smoothing_window_frames == 1
    assert 'per_frame mode' in given.summary()['temporal']['note']


def test_low_frame_rate_window_of_three_frames_changes_nothing():
    """At 10 fps, 0.25 s is 3 frames: a degree-2 polynomial through 3 frames is the data."""
    scene = make_scene(100, 4, seed=7, fps=10, action='walking')
    raw = _label(scene)
    at_10 = _label(scene, fps=10.0)
    np.testing.assert_array_equal(at_10.keypoints_3d, raw.keypoints_3d)
    assert 'fps the window' in at_10.summary()['temporal']['note']


def test_bad_frame_rates_are_named():
    scene = make_scene(20, 3, seed=8)
    with pytest.raises(ValueError, match='fps must be one positive number'):
        make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, fps=-5.0)
    with pytest.raises(ValueError, match='fps must be a positive number'):
        LabelOptions.from_flat(fps=0.0)
    with pytest.raises(ValueError, match='smoothing_window_s'):
        LabelOptions.from_flat(smoothing_window_s=-1.0)
