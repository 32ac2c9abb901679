"""The synthetic generator's structured detector failures do what they claim."""
import numpy as np
import pytest

from epipolar_plugin.synthetic import FLIP_PAIRS, DetectionNoise, DetectorFailures, make_scene

EXACT = DetectionNoise(pixel_sigma=0.0, outlier_fraction=0.0, low_confidence_fraction=0.0,
                       missing_view_fraction=0.0)


def pixel_error(scene):
    return np.linalg.norm(scene.keypoints_2d[..., :2] - scene.keypoints_clean, axis=-1)


def test_no_failures_by_default():
    scene = make_scene(50, 3, seed=1, noise=EXACT, failures=DetectorFailures())
    np.testing.assert_allclose(scene.keypoints_2d[..., :2], scene.keypoints_clean, atol=1e-9)
    assert not scene.failures['swapped'].any() and not scene.failures['bad'].any()


def test_swaps_exchange_left_and_right_only_when_seen_from_behind():
    scene = make_scene(400, 4, seed=2, noise=EXACT, action='turning',
                       failures=DetectorFailures(swap_probability=1.0))
    swapped = scene.failures['swapped']
    assert 0.1 < swapped.mean() < 0.9
    left, right = np.array(FLIP_PAIRS).T
    detected, clean = scene.keypoints_2d[..., :2], scene.keypoints_clean
    np.testing.assert_allclose(detected[swapped][:, left], clean[swapped][:, right], atol=1e-9)
    np.testing.assert_allclose(detected[~swapped], clean[~swapped], atol=1e-9)


def test_viewpoint_bias_moves_surface_joints_by_a_few_pixels():
    scene = make_scene(50, 4, seed=3, noise=EXACT, failures=DetectorFailures(viewpoint_bias_m=.06))
    error = pixel_error(scene)
    # mostly along the ray: a few pixels in the image, but a different 3D point per view
    assert np.all(error[..., [1, 4, 10, 11, 14]].mean(axis=(0, 1)) > 1.5)
    assert np.all(error[..., [1, 4, 10, 11, 14]] < 40)
    np.testing.assert_allclose(error[..., [0, 2, 3, 5, 6, 7, 8, 9, 12, 13, 15, 16]], 0, atol=1e-9)


def test_one_bad_view_in_stretches():
    scene = make_scene(1000, 4, seed=4, noise=DetectionNoise(),
                       failures=DetectorFailures(bad_view=2, bad_fraction=0.5))
    bad = scene.failures['bad']
    assert not bad[[0, 1, 3]].any()
    assert 0.45 < (bad[2] > 0).mean() < 0.75 and (bad[2] == 1).any() and (bad[2] == 2).any()
    error = pixel_error(scene)
    assert np.nanmedian(error[2][bad[2] == 1]) > 100          # another person
    assert np.isnan(scene.keypoints_2d[2][bad[2] == 2][:, [2, 3, 5, 6], :2]).all()  # no legs
    assert np.nanmedian(error[2][bad[2] == 0]) < 5


def test_sync_offset_delays_a_view():
    scene = make_scene(100, 3, seed=5, noise=EXACT, action='walking',
                       failures=DetectorFailures(sync_offsets=(0, 4, 0)))
    late = make_scene(100, 3, seed=5, noise=EXACT, action='walking')
    np.testing.assert_allclose(scene.keypoints_2d[1, 4:, :, :2], late.keypoints_clean[1, :-4],
                               atol=1e-9)
    with pytest.raises(ValueError, match='one delay per view'):
        make_scene(10, 3, failures=DetectorFailures(sync_offsets=(0, 1)))
    with pytest.raises(ValueError, match='bad_view'):
        make_scene(10, 3, failures=DetectorFailures(bad_view=3))


def test_small_depth_scene():
    scene = make_scene(200, 4, seed=6, camera_distance=4.5, area_radius=0.05, action='reaching')
    root = scene.joints_world[:, 0, :2]
    assert np.ptp(root, axis=0).max() < 0.2
    depth = scene.joints_camera[..., 2]
    assert 3.5 < depth.mean() < 5.5 and np.ptp(depth, axis=(1, 2)).max() < 1.5
