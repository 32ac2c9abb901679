"""Refined focal lengths: an uncertainty for each, the prior kept where the detections do not
determine it, and intrinsics and distortion that stay consistent with the detections."""
import numpy as np
import pytest

from epipolar_plugin.geometry import (normalized_to_pixel, pinhole_from_image_size,
                                      pixel_to_normalized)
from epipolar_plugin.labels import LabelOptions, make_pseudo_labels
from epipolar_plugin.geometry.camera import refocus_normalized
from epipolar_plugin.synthetic import DetectionNoise, make_scene

EXACT = DetectionNoise(pixel_sigma=0.0, outlier_fraction=0.0, low_confidence_fraction=0.0,
                       missing_view_fraction=0.0)
LENS = np.array([-0.25, 0.0, 0.0, 0.0, 0.0])


def test_refocused_coordinates_are_the_pixels_seen_with_the_new_focal():
    # a 1000 px camera whose focal length 1000 is refined to 900, with k1 = -0.25
    old = np.array([[1000.0, 0.0, 500.0], [0.0, 1000.0, 500.0], [0.0, 0.0, 1.0]])
    new = old.copy()
    new[:2, :2] *= 0.9
    # the image's corners are past the lens model's fold (no undistortion exists there): the
    # corners of its central 700 x 700 pixels
    corners = np.array([[150.0, 150.0], [850.0, 150.0], [150.0, 850.0], [850.0, 850.0],
                        [500.0, 500.0]])
    seen_old = pixel_to_normalized(corners, old, LENS)
    refocused = refocus_normalized(seen_old, old, LENS, 0.9)
    np.testing.assert_allclose(refocused, pixel_to_normalized(corners, new, LENS), atol=1e-9)
    np.testing.assert_allclose(normalized_to_pixel(refocused, new, LENS), corners, atol=1e-6)
    # rescaling the old coordinates (the pinhole rule) misses these corners by about 9 px
    rescaled = normalized_to_pixel(seen_old / 0.9, new, LENS)
    assert 5.0 < np.linalg.norm(rescaled - corners, axis=1)[:4].min() < 15.0
    # without distortion the two rules agree
    np.testing.assert_allclose(refocus_normalized(seen_old, old, None, 0.9), seen_old / 0.9)


def test_refined_focal_keeps_the_stored_lens_consistent_with_the_detections():
    # true focal 900 px with k1 = -0.25; the given intrinsics say 1000 px and the true lens
    scene = make_scene(400, 4, seed=31, noise=EXACT, focal=900.0, distortion=LENS,
                       camera_distance=3.5, area_radius=0.8)
    given = scene.intrinsics.copy()
    given[:, :2, :2] *= 1000.0 / 900.0
    labels = make_pseudo_labels(scene.keypoints_2d, given, scene.distortion,
                                options=LabelOptions.from_flat(refine_focal=True))
    true_focal = scene.intrinsics[:, 0, 0]
    np.testing.assert_allclose(labels.focal[0], true_focal, rtol=0.01)
    assert labels.focal_determined.all()
    # the stored intrinsics and distortion take the labels back to the detections
    worst = []
    for view in range(4):
        camera = (labels.keypoints_3d @ labels.rotations[:, view].transpose(0, 2, 1)
                  + labels.translations[:, view, None])
        pixels = normalized_to_pixel(camera[..., :2] / camera[..., 2:], labels.intrinsics[0, view],
                                     labels.distortion[0, view])
        error = np.linalg.norm(pixels - scene.keypoints_clean[view], axis=-1)
        radius = np.linalg.norm(scene.keypoints_clean[view] - given[view, :2, 2], axis=-1)
        far = labels.valid & (radius > np.percentile(radius, 95))
        worst.append(np.nanmax(error[far]))
    assert max(worst) < 1.0


def test_refined_focal_comes_with_an_uncertainty_that_covers_the_truth():
    scene = make_scene(800, 4, seed=32, action='walking', fps=60, walking_speed=1.2,
                       image_size=(1080, 1920), focal=1680.0, area_radius=1.5,
                       noise=DetectionNoise(pixel_sigma=5.0 / 1.92))
    guess = np.stack([pinhole_from_image_size(1080, 1920)] * 4)       # 1920 px
    labels = make_pseudo_labels(scene.keypoints_2d, guess, None,
                                options=LabelOptions.from_flat(refine_focal=True))
    true_focal = scene.intrinsics[:, 0, 0]
    sigma = labels.focal_sigma_px[0]
    assert labels.focal_determined.tolist() == [[True] * 4]
    assert (sigma < 0.03 * true_focal).all() and (sigma > 0).all()
    assert (np.abs(labels.focal[0] - true_focal) < 3 * sigma).all()
    views = labels.summary()['sessions'][0]['views']
    assert all(view['focal_determined'] and view['focal_sigma_px'] > 0 for view in views)


def test_a_focal_the_detections_do_not_determine_stays_at_its_prior():
    # two cameras: their relative pose and both focal lengths trade off against each other
    scene = make_scene(600, 2, seed=33, action='walking')
    guess = np.stack([pinhole_from_image_size(1000, 1000)] * 2)        # truth about 1150
    labels = make_pseudo_labels(scene.keypoints_2d, guess, None,
                                options=LabelOptions.from_flat(refine_focal=True))
    assert labels.focal_determined.tolist() == [[False, False]]
    np.testing.assert_array_equal(labels.focal[0], [1000.0, 1000.0])
    np.testing.assert_array_equal(labels.intrinsics[0], guess)
    assert (labels.focal_sigma_px[0] > 0.1 * 1000.0).all()
    summary = labels.summary()['sessions'][0]['views']
    assert [view['focal_determined'] for view in summary] == [False, False]
    # calibrated intrinsics, not refined: the given focal, reported as not determined
    given = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion)
    assert not given.focal_determined.any() and np.isnan(given.focal_sigma_px).all()


def test_max_focal_uncertainty_is_validated():
    with pytest.raises(ValueError, match='max_focal_uncertainty must be a positive number'):
        LabelOptions.from_flat(max_focal_uncertainty=0.0)


def test_bundle_adjustment_focal_uncertainty_and_fixed_focals():
    from epipolar_plugin.geometry import bundle_adjust
    from tests.geometry.test_bundle_adjustment import exact_rig, observation_lists, perturb
    rotations, translations, points, observations = exact_rig(num_frames=60, seed=4)
    point_index, view_index, flat = observation_lists(observations)
    true_focal = np.array([1100.0, 1180.0, 1150.0, 1210.0])
    guessed = np.full(4, 1000.0)
    rng = np.random.default_rng(6)
    seen = flat * (true_focal / guessed)[view_index, None]
    estimates = []
    for trial in range(12):              # the curvature's spread against the estimates' spread
        noisy = seen + rng.normal(0.0, 2.0 / guessed[0], seen.shape)
        start = perturb(rotations, translations, points, rng, 0.01, 0.01)
        result = bundle_adjust(*start, point_index, view_index, noisy, np.ones(len(flat)),
                               guessed, reference_view=0, scale_view=1, refine_focal=True)
        estimates.append(np.log(result.focal_scale))
        assert (result.focal_sigma > 0).all()
    spread = np.std(estimates, axis=0, ddof=1)
    assert np.all((spread > 0.5 * result.focal_sigma) & (spread < 2.0 * result.focal_sigma))
    # a focal left out of the refinement (view 2, given right) keeps its value; the others
    # are still recovered
    fixed = np.array([True, True, False, True])
    known = seen.copy()
    known[view_index == 2] = flat[view_index == 2]
    result = bundle_adjust(*start, point_index, view_index, known, np.ones(len(flat)),
                           np.where(fixed, guessed, true_focal), reference_view=0, scale_view=1,
                           refine_focal=fixed)
    assert result.focal_scale[2] == 1.0 and np.isnan(result.focal_sigma[2])
    np.testing.assert_allclose((guessed * result.focal_scale)[fixed], true_focal[fixed],
                               rtol=1e-4)
