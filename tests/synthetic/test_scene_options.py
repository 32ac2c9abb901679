"""The generator's recording options: frame rate, walking speed, portrait cameras, a given lens."""
import numpy as np
import pytest

from epipolar_plugin.geometry import pixel_to_normalized
from epipolar_plugin.synthetic import DetectionNoise, animate, make_scene

EXACT = DetectionNoise(pixel_sigma=0.0, outlier_fraction=0.0, low_confidence_fraction=0.0,
                       missing_view_fraction=0.0)


@pytest.mark.parametrize('speed', [0.6, 1.2, 1.8])
def test_walking_speed_is_the_roots_speed(speed):
    for fps in (25, 60):
        root = animate(600, seed=3, fps=fps, action='walking', speed=speed)[:, 0, :2]
        measured = np.linalg.norm(np.diff(root, axis=0), axis=1).mean() * fps
        assert measured == pytest.approx(speed, rel=0.01)


def test_frame_rate_is_the_time_step():
    # the same walk filmed at 50 and at 25 fps: every second frame is the same instant
    fast = animate(200, seed=4, fps=50, action='walking', speed=1.3)
    slow = animate(100, seed=4, fps=25, action='walking', speed=1.3)
    np.testing.assert_allclose(fast[::2], slow, atol=1e-9)
    # without a speed, the walk is the one drawn from the seed, as before
    np.testing.assert_array_equal(animate(50, seed=4, action='walking'),
                                  animate(50, seed=4, action='walking', speed=None))
    with pytest.raises(ValueError, match='speed needs action walking'):
        animate(10, action='free', speed=1.0)


def test_portrait_full_hd_cameras():
    scene = make_scene(60, 4, seed=5, noise=EXACT, image_size=(1080, 1920), focal=1680.0,
                       action='walking', fps=60, walking_speed=1.4)
    for camera in scene.cameras:
        assert (camera.width, camera.height) == (1080, 1920)
        assert abs(camera.intrinsics[0, 2] - 540) <= 10 and abs(camera.intrinsics[1, 2] - 960) <= 10
        assert camera.intrinsics[0, 0] == pytest.approx(1680.0, rel=0.03)
    inside = ((scene.keypoints_clean[..., 0] > 0) & (scene.keypoints_clean[..., 0] < 1080)
              & (scene.keypoints_clean[..., 1] > 0) & (scene.keypoints_clean[..., 1] < 1920))
    assert inside.all()
    # the noise is given for 1000 pixels and scales with the longer side
    noisy = make_scene(60, 4, seed=5, noise=DetectionNoise(pixel_sigma=5.0 / 1.92,
                                                           outlier_fraction=0.0,
                                                           low_confidence_fraction=0.0,
                                                           missing_view_fraction=0.0),
                       image_size=(1080, 1920), focal=1680.0, action='walking', fps=60)
    error = noisy.keypoints_2d[..., :2] - noisy.keypoints_clean
    assert error.std() == pytest.approx(5.0, rel=0.05)


def test_a_given_lens_films_every_camera():
    distortion = np.array([-0.25, 0.05, 0.0, 0.0, 0.0])
    scene = make_scene(20, 3, seed=6, noise=EXACT, focal=900.0, distortion=distortion)
    for camera in scene.cameras:
        np.testing.assert_array_equal(camera.distortion, distortion)
    np.testing.assert_array_equal(scene.distortion, np.stack([distortion] * 3))
    # the detections are the truth seen through that lens
    camera = scene.joints_camera[1]
    expected = camera[..., :2] / camera[..., 2:]
    undistorted = pixel_to_normalized(scene.keypoints_2d[1, ..., :2], scene.intrinsics[1],
                                      distortion)
    np.testing.assert_allclose(undistorted, expected, atol=1e-6)
