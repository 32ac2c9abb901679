import cv2
import numpy as np
import pytest

from epipolar_plugin.geometry import (distort_normalized, normalized_to_pixel,
                                      pinhole_from_image_size, pixel_to_normalized, project_points,
                                      view_camera)

K = np.array([[1150.0, 0, 510.0], [0, 1148.0, 495.0], [0, 0, 1]])
DIST = np.array([-0.05, 0.02, 0.001, -0.0005, 0.0])


def test_distortion_matches_opencv():
    rng = np.random.default_rng(1)
    points = np.concatenate([rng.uniform(-0.4, 0.4, (50, 2)), np.ones((50, 1))], axis=1)
    expected, _ = cv2.projectPoints(points, np.zeros(3), np.zeros(3), K, DIST)
    np.testing.assert_allclose(project_points(points, K, DIST), expected.reshape(-1, 2),
                               atol=1e-6)


def test_pixel_normalized_round_trip_with_distortion():
    rng = np.random.default_rng(2)
    normalized = rng.uniform(-0.4, 0.4, (100, 2))
    pixels = normalized_to_pixel(normalized, K, DIST)
    np.testing.assert_allclose(pixel_to_normalized(pixels, K, DIST), normalized, atol=1e-9)
    np.testing.assert_allclose(distort_normalized(normalized, None), normalized)


def test_nan_rows_stay_nan():
    pixels = np.array([[100.0, 200.0], [np.nan, 5.0]])
    out = pixel_to_normalized(pixels, K, DIST)
    assert np.all(np.isfinite(out[0])) and np.all(np.isnan(out[1]))


@pytest.mark.parametrize('bad', [np.eye(2), np.diag([0.0, 1.0, 1.0])])
def test_bad_intrinsics(bad):
    with pytest.raises(ValueError, match='intrinsics'):
        pixel_to_normalized(np.zeros((1, 2)), bad)


def test_pinhole_guess():
    K_guess = pinhole_from_image_size(1920, 1080)
    assert K_guess[0, 0] == 1920 and K_guess[0, 2] == 960 and K_guess[1, 2] == 540


def test_view_camera_picks_one_camera_of_a_rig():
    rig = np.stack([np.diag([900.0, 880.0, 1.0]), np.diag([1000.0, 1000.0, 1.0])])
    rig[:, :2, 2] = [[320, 240], [300, 200]]
    distortion = np.array([[0.1, 0, 0, 0, 0], [-0.2, 0, 0, 0, 0]])
    matrix, coefficients = view_camera(rig, distortion, 1)
    np.testing.assert_array_equal(matrix, rig[1])
    np.testing.assert_array_equal(coefficients, distortion[1])
    matrix, coefficients = view_camera(rig[0])               # one camera: as it is
    np.testing.assert_array_equal(matrix, rig[0])
    assert coefficients is None
    with pytest.raises(KeyError, match='camera index'):
        view_camera(rig, None)
    with pytest.raises(ValueError, match='positive focal'):
        view_camera(np.zeros((3, 3)))
