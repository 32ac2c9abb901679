"""Robust self-calibration against synthetic rigs with known cameras and detector failures."""
import numpy as np
import pytest

from epipolar_plugin.geometry import (mean_joint_error, pinhole_from_image_size,
                                      pixel_to_normalized, root_centre, rotation_angle_deg,
                                      scale_align, triangulation_angle_deg)
from epipolar_plugin.labels import (JointStatus, LabelOptions, estimate_frame_offsets, find_swaps,
                                    flip_pairs_from_names, make_pseudo_labels, shift_frames,
                                    validated)
from epipolar_plugin.synthetic import JOINT_NAMES, DetectionNoise, DetectorFailures, make_scene

EXACT = DetectionNoise(pixel_sigma=0.0, outlier_fraction=0.0, low_confidence_fraction=0.0,
                       missing_view_fraction=0.0)


def n_mpjpe_mm(labels, scene):
    truth = root_centre(scene.joints_camera[0])
    mask = labels.valid & labels.valid[:, :1]
    return 1000 * mean_joint_error(scale_align(root_centre(labels.keypoints_3d), truth, mask),
                                   truth, mask)


def worst_rotation_error(labels, scene):
    return max(rotation_angle_deg(labels.rotations[0, v], scene.relative_pose(v)[0])
               for v in range(1, len(scene.cameras)))


def test_exact_data_is_recovered_exactly():
    scene = make_scene(60, 4, seed=3, noise=EXACT)
    labels = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion)
    assert labels.mode == 'robust' and not labels.view_flagged.any()
    assert worst_rotation_error(labels, scene) < 1e-4
    assert n_mpjpe_mm(labels, scene) < 0.01
    assert np.nanmax(labels.frame_view_error_px) < 0.01
    np.testing.assert_allclose(np.linalg.norm(labels.translations[0, labels.scale_view[0]]), 1.0)


def test_clean_noise_robust_is_as_good_as_plain_with_better_cameras():
    scene = make_scene(400, 4, seed=4)
    plain = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                               options=LabelOptions.from_flat(mode='pooled'))
    robust = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion)
    assert n_mpjpe_mm(robust, scene) < n_mpjpe_mm(plain, scene) + 1.0
    assert worst_rotation_error(robust, scene) < 0.3                # degrees, like plain
    assert not robust.view_flagged.any() and not plain.view_flagged.any()
    assert np.nanmedian(robust.view_error_px) < 4.0            # about the 3 px noise


@pytest.mark.parametrize('bad_view', [1, 0])
def test_one_bad_view_is_flagged_and_does_not_poison_the_labels(bad_view):
    scene = make_scene(400, 4, seed=11, failures=DetectorFailures(bad_view=bad_view))
    plain = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                               options=LabelOptions.from_flat(mode='pooled'))
    robust = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion)
    assert n_mpjpe_mm(plain, scene) > 40                         # poisoned (clean: ~22)
    assert n_mpjpe_mm(robust, scene) < min(32, 0.6 * n_mpjpe_mm(plain, scene))
    assert worst_rotation_error(robust, scene) < 0.5
    assert np.flatnonzero(robust.view_flagged).tolist() == [bad_view]
    bad = scene.failures['bad'][bad_view] > 0
    assert robust.frame_view_used[bad, bad_view].mean() < 0.2     # gated out where bad
    assert robust.frame_view_used[~bad, bad_view].mean() > 0.9    # kept where good
    summary = robust.summary()
    assert summary['flagged_views'] == [bad_view]
    views = summary['sessions'][0]['views']
    assert views[bad_view]['flagged'] and views[bad_view]['bad_fraction'] > .3


def test_swaps_are_undone():
    scene = make_scene(400, 4, seed=12, action='walking',
                       failures=DetectorFailures(swap_probability=0.5))
    plain = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                               options=LabelOptions.from_flat(mode='pooled'))
    robust = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion)
    assert n_mpjpe_mm(robust, scene) < 0.5 * n_mpjpe_mm(plain, scene)
    truth, found = scene.failures['swapped'].T, robust.swapped > 0
    assert truth.sum() > 100
    assert (truth & found).sum() > 0.9 * truth.sum()          # nearly all swaps found
    assert (found & ~truth).sum() < 0.35 * found.sum()         # some pairs flipped in vain
    assert (robust.joint_status == JointStatus.SWAP_AMBIGUOUS).any()
    assert not robust.valid[robust.joint_status != 0].any()


def test_find_swaps_single_view_exactly():
    scene = make_scene(50, 4, seed=13, noise=EXACT, action='walking')
    keypoints = scene.keypoints_2d.copy()
    left, right = 11, 14                               # shoulders of view 2, frames 10-19
    keypoints[2, 10:20, [left, right]] = keypoints[2, 10:20, [right, left]]
    points = np.stack([pixel_to_normalized(keypoints[v, ..., :2], scene.intrinsics[v],
                                           scene.distortion[v]) for v in range(4)], axis=2)
    projections = np.stack([np.concatenate([r, t[:, None]], axis=1)
                            for r, t in (scene.relative_pose(v) for v in range(4))])
    exchanged, ambiguous = find_swaps(points, projections, np.ones(points.shape[:3]),
                                      ((left, right), (4, 1)), outlier_threshold=15 / 1150)
    expected = np.zeros((50, 4), bool)
    expected[10:20, 2] = True
    np.testing.assert_array_equal(exchanged[:, :, 0], expected)
    assert not exchanged[:, :, 1].any() and not ambiguous.any()


def test_flip_pairs_from_names():
    assert flip_pairs_from_names(JOINT_NAMES) == ((4, 1), (5, 2), (6, 3), (11, 14), (12, 15),
                                                  (13, 16))
    assert flip_pairs_from_names(['nose', 'left_eye', 'right_eye']) == ((1, 2), )


def test_sync_offset_is_estimated_and_applied_only_when_asked():
    scene = make_scene(300, 4, seed=14, action='walking',
                       failures=DetectorFailures(sync_offsets=(0, 0, 3, -2)))
    inputs = (scene.keypoints_2d, scene.intrinsics, scene.distortion)
    estimated = make_pseudo_labels(*inputs, options=LabelOptions.from_flat(sync='estimate'))
    applied = make_pseudo_labels(*inputs, options=LabelOptions.from_flat(sync='apply'))
    off = make_pseudo_labels(*inputs)
    assert estimated.sync_offset.tolist() == [[0, 0, 3, -2]] and not estimated.sync_applied
    assert applied.sync_applied and off.sync_offset.tolist() == [[0, 0, 0, 0]]
    assert n_mpjpe_mm(applied, scene) < n_mpjpe_mm(estimated, scene) - 1.0
    np.testing.assert_allclose(estimated.keypoints_3d, off.keypoints_3d, equal_nan=True)


def test_frame_offsets_and_shift():
    scene = make_scene(200, 3, seed=15, noise=EXACT, action='walking',
                       failures=DetectorFailures(sync_offsets=(0, 2, -1)))
    normalized = np.stack([pixel_to_normalized(scene.keypoints_2d[v, ..., :2],
                                               scene.intrinsics[v], scene.distortion[v])
                           for v in range(3)])
    offsets, costs, best, evidence = estimate_frame_offsets(
        normalized, np.ones((3, 200, 17), bool), 0, scene.intrinsics[:, 0, 0], max_offset=4)
    assert offsets.tolist() == best.tolist() == [0, 2, -1]
    assert costs.shape == (3, 9) and np.isnan(costs[0]).all() and np.isnan(evidence[0])
    assert (evidence[1:] > 5).all()
    array = np.arange(2 * 5, dtype=float).reshape(2, 5)
    np.testing.assert_array_equal(shift_frames(array, np.array([0, 2]))[1],
                                  [7, 8, 9, np.nan, np.nan])


def test_guessed_intrinsics_with_focal_refinement():
    scene = make_scene(400, 4, seed=16)
    guess = np.stack([pinhole_from_image_size(1000, 1000)] * 4)     # true focal about 1150
    plain = make_pseudo_labels(scene.keypoints_2d, guess, None,
                               options=LabelOptions.from_flat(mode='pooled'))
    refined = make_pseudo_labels(scene.keypoints_2d, guess, None,
                                 options=LabelOptions.from_flat(refine_focal=True))
    known = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion)
    true_focal = scene.intrinsics[:, 0, 0]
    assert np.all(np.abs(refined.focal[0, 1:] / true_focal[1:] - 1) < 0.03)
    assert n_mpjpe_mm(refined, scene) < n_mpjpe_mm(plain, scene)
    assert n_mpjpe_mm(refined, scene) < n_mpjpe_mm(known, scene) + 12


def test_triangulation_angle():
    point = np.array([0.0, 0.0, 5.0])
    facing = np.stack([np.eye(3, 4), np.concatenate([np.diag([-1.0, 1, -1]),
                                                     [[0.0], [0], [10]]], axis=1)])
    side = np.stack([np.eye(3, 4), np.concatenate([[[0.0, 0, -1], [0, 1, 0], [1, 0, 0]],
                                                   [[5.0], [0], [5]]], axis=1)])
    assert triangulation_angle_deg(point, facing, np.ones(2)) < 1e-6
    assert triangulation_angle_deg(point, side, np.ones(2)) == pytest.approx(90.0)
    assert triangulation_angle_deg(point, side, np.array([1.0, 0.0])) == 0.0


def test_robust_per_frame_is_an_error_and_bad_options_name_themselves():
    scene = make_scene(10, 3, seed=17, noise=EXACT)
    inputs = (scene.keypoints_2d, scene.intrinsics, scene.distortion)
    with pytest.raises(ValueError, match="refine_focal=True needs a self-calibrating mode"):
        make_pseudo_labels(*inputs, options=LabelOptions.from_flat(mode='per_frame',
                                                                   refine_focal=True))
    with pytest.raises(ValueError, match="mode must be one of .*'robust'.*got 'plain'"):
        validated(LabelOptions(mode='plain'))
    with pytest.raises(ValueError, match=r"unknown label option\(s\) \['gate_px'\] in 'robust'"):
        LabelOptions.from_dict(dict(robust=dict(gate_px=3)))
    with pytest.raises(ValueError, match='sync must be one of'):
        make_pseudo_labels(*inputs, options=LabelOptions.from_flat(sync='yes'))
    with pytest.raises(ValueError, match='flip_pairs must index 17 joints'):
        make_pseudo_labels(*inputs, options=LabelOptions.from_flat(flip_pairs=((1, 40), )))
    assert make_pseudo_labels(*inputs, options=LabelOptions(mode='per_frame')).mode == 'per_frame'


def test_many_cameras_try_few_exchanges():
    scene = make_scene(40, 12, seed=18, noise=EXACT, action='walking')
    keypoints = scene.keypoints_2d.copy()
    keypoints[5, 5:15, [4, 1]] = keypoints[5, 5:15, [1, 4]]          # hips of camera 5
    labels = make_pseudo_labels(keypoints, scene.intrinsics, scene.distortion)
    expected = np.zeros((40, 12), np.int8)
    expected[5:15, 5] = 1
    np.testing.assert_array_equal(labels.swapped, expected)
    assert n_mpjpe_mm(labels, scene) < 0.01
