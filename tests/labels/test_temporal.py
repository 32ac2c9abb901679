"""The temporal stage: segment-aware Savitzky-Golay smoothing of triangulated joints."""
import numpy as np
import pytest
from scipy.signal import savgol_coeffs, savgol_filter

from epipolar_plugin.labels.temporal import smooth_trajectories, window_frames_of
from epipolar_plugin.synthetic.skeleton import animate


def test_window_in_seconds_becomes_odd_frames():
    assert window_frames_of(0.25, 60) == 15        # +-7 frames = +-0.117 s
    assert window_frames_of(0.25, 25) == 7
    assert window_frames_of(0.25, 10) == 3
    assert window_frames_of(0.25, None) == 1       # unknown frame rate: off
    assert window_frames_of(0.0, 60) == 1


def test_one_run_is_scipy_savgol_filter():
    points = np.random.default_rng(0).normal(size=(40, 5, 3))
    out = smooth_trajectories(points, np.ones((40, 5), bool), 9, order=2)
    np.testing.assert_allclose(out, savgol_filter(points, 9, 2, axis=0, mode='interp'),
                               atol=1e-12)


def test_polynomial_motion_is_reproduced_exactly_with_gaps_and_short_runs():
    time = np.arange(60) / 60.0
    start = np.random.default_rng(1).normal(size=(1, 4, 3))
    speed, acceleration = np.array([1.2, -0.4, 0.3]), np.array([0.5, 2.0, -1.0])
    points = start + (speed * time[:, None] + acceleration * time[:, None] ** 2)[:, None]
    valid = np.ones((60, 4), bool)
    valid[[10, 30, 31, 35, 37], 1] = False      # runs of 10, 19, 3, 1 and 22 frames
    valid[5:58, 2] = False                      # runs of 5 and 2 frames
    out = smooth_trajectories(points, valid, 15, order=2)
    np.testing.assert_allclose(out[valid], points[valid], atol=1e-9)


def test_never_mixes_two_takes_or_frames_across_a_gap():
    # a joint at rest at 0 in take 0, at 100 in take 1 (same session, consecutive rows):
    # any window that mixed the two would move the value
    points = np.zeros((30, 2, 3))
    points[15:] = 100.0
    take = np.repeat([0, 1], 15)
    out = smooth_trajectories(points, np.ones((30, 2), bool), 11, order=2, segment=take)
    np.testing.assert_allclose(out, points, atol=1e-9)
    mixed = smooth_trajectories(points, np.ones((30, 2), bool), 11, order=2)
    assert np.abs(mixed - points).max() > 1.0          # the case would show mixing
    # the same step across a gap of one invalid frame, in one take
    valid = np.ones((30, 2), bool)
    valid[15, 0] = False
    points[15, 0] = 50.0                                # ignored: not valid
    out = smooth_trajectories(points, valid, 11, order=2)
    np.testing.assert_allclose(out[:15, 0], 0.0, atol=1e-9)
    np.testing.assert_allclose(out[16:, 0], 100.0, atol=1e-9)
    assert np.isnan(out[15, 0]).all()


def test_invalid_joints_stay_invalid_and_valid_ones_are_finite():
    rng = np.random.default_rng(2)
    points = rng.normal(size=(200, 17, 3))
    valid = rng.random((200, 17)) > 0.2
    points[~valid] = np.where(rng.random(((~valid).sum(), 3)) > 0.5, np.nan, 1e6)
    take = np.repeat(np.arange(5), 40)
    out = smooth_trajectories(points, valid, 7, order=3, segment=take)
    assert np.isfinite(out[valid]).all()
    assert np.isnan(out[~valid]).all()
    # a non-finite point marked valid counts as invalid
    points[3, 0] = np.nan
    valid[3, 0] = True
    assert np.isnan(smooth_trajectories(points, valid, 7)[3, 0]).all()


def test_noise_on_a_walk_at_60_fps_shrinks_by_the_filters_factor():
    fps, sigma, window = 60.0, 0.02, 15
    truth = animate(1200, seed=3, fps=fps, action='walking', speed=1.4)          # metres
    noisy = truth + np.random.default_rng(4).normal(0.0, sigma, truth.shape)
    everything = np.ones(truth.shape[:2], bool)
    out = smooth_trajectories(noisy, everything, window, order=2)
    bias = smooth_trajectories(truth, everything, window, order=2) - truth
    # linear: the noise goes through the centred weights c alone, sigma * |c| (0.39 for 15
    # frames), and the filter's error on the walk itself (bias) adds to it
    factor = np.linalg.norm(savgol_coeffs(window, 2))
    inner = slice(window, -window)
    assert 0.38 < factor < 0.40

    def rms(error):
        return np.sqrt(np.mean(error[inner] ** 2))

    assert rms(out - truth - bias) == pytest.approx(sigma * factor, rel=0.05)
    assert rms(noisy - truth) == pytest.approx(sigma, rel=0.02)
    assert rms(bias) < 0.25 * sigma                  # 0.25 s of a walk is nearly a parabola
    assert rms(out - truth) < 0.5 * sigma            # the noise is more than halved


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='window_frames'):
        smooth_trajectories(np.zeros((5, 2, 3)), np.ones((5, 2), bool), 4)
    with pytest.raises(ValueError, match='valid'):
        smooth_trajectories(np.zeros((5, 2, 3)), np.ones((5, 3), bool), 3)
    with pytest.raises(ValueError, match='segment'):
        smooth_trajectories(np.zeros((5, 2, 3)), np.ones((5, 2), bool), 3, segment=np.zeros(4))
