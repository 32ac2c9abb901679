"""Bundle adjustment against a synthetic rig with a known answer."""
import numpy as np
import pytest
from scipy.optimize._numdiff import approx_derivative
from scipy.spatial.transform import Rotation

from epipolar_plugin.geometry import bundle_adjust, rotation_angle_deg
from epipolar_plugin.geometry.bundle_adjustment import _Problem
from epipolar_plugin.synthetic import make_scene

FOCAL = 1150.0


def exact_rig(num_frames=30, seed=0):
    """True rig relative to view 0 (|t_1| = 1), points in that unit, and their projections."""
    scene = make_scene(num_frames, 4, seed=seed)
    poses = [scene.relative_pose(v) for v in range(4)]
    unit = np.linalg.norm(poses[1][1])
    rotations = np.stack([r for r, _ in poses])
    translations = np.stack([t for _, t in poses]) / unit
    points = scene.joints_camera[0].reshape(-1, 3) / unit
    camera = np.einsum('vij,pj->pvi', rotations, points) + translations       # (P, V, 3)
    observations = camera[..., :2] / camera[..., 2:]
    return rotations, translations, points, observations


def observation_lists(observations):
    num_points, num_views = observations.shape[:2]
    point_index = np.repeat(np.arange(num_points), num_views)
    view_index = np.tile(np.arange(num_views), num_points)
    return point_index, view_index, observations.reshape(-1, 2)


def perturb(rotations, translations, points, rng, angle=0.02, shift=0.02):
    rotations = rotations.copy()
    translations = translations.copy()
    for view in range(1, len(rotations)):
        rotations[view] = Rotation.from_rotvec(rng.normal(0, angle, 3)).as_matrix() @ \
            rotations[view]
        translations[view] += rng.normal(0, shift, 3)
    return rotations, translations, points + rng.normal(0, shift, points.shape)


def test_exact_data_recovers_rig_and_points():
    rotations, translations, points, observations = exact_rig()
    point_index, view_index, flat = observation_lists(observations)
    start = perturb(rotations, translations, points, np.random.default_rng(1))
    result = bundle_adjust(*start, point_index, view_index, flat, np.ones(len(flat)),
                           np.full(4, FOCAL), reference_view=0, scale_view=1)
    assert result.success and result.final_cost < 1e-8 * result.initial_cost
    assert np.all(rotation_angle_deg(result.rotations, rotations) < 1e-5)
    np.testing.assert_allclose(result.rotations[0], np.eye(3), atol=1e-12)  # reference fixed
    np.testing.assert_allclose(np.linalg.norm(result.translations[1]), 1.0)  # gauge: |t_scale_view|
    np.testing.assert_allclose(result.translations, translations, atol=1e-6)
    np.testing.assert_allclose(result.points_3d, points, atol=1e-6)
    assert np.max(result.residuals_px) < 1e-4


def test_outlier_observations_do_not_move_the_rig():
    rotations, translations, points, observations = exact_rig(seed=2)
    point_index, view_index, flat = observation_lists(observations)
    rng = np.random.default_rng(3)
    noisy = flat + rng.normal(0, 1.0 / FOCAL, flat.shape)
    outliers = rng.random(len(flat)) < 0.05
    noisy[outliers] += rng.uniform(40, 100, (outliers.sum(), 1)) / FOCAL
    start = perturb(rotations, translations, points, rng)
    result = bundle_adjust(*start, point_index, view_index, noisy, np.ones(len(flat)),
                           np.full(4, FOCAL), reference_view=0, scale_view=1, loss_scale_px=2.0)
    assert np.max(rotation_angle_deg(result.rotations, rotations)) < 0.1          # degrees
    assert np.median(result.residuals_px[~outliers]) < 1.5


def test_focal_lengths_are_recovered():
    rotations, translations, points, observations = exact_rig(num_frames=60, seed=4)
    point_index, view_index, flat = observation_lists(observations)
    true_focal = np.array([1100.0, 1180.0, 1150.0, 1210.0])
    guessed = np.full(4, 1000.0)
    # pixels with the true focal, normalized with the guessed one
    seen = flat * (true_focal / guessed)[view_index, None]
    start = perturb(rotations, translations, points, np.random.default_rng(5), 0.01, 0.01)
    result = bundle_adjust(*start, point_index, view_index, seen, np.ones(len(flat)), guessed,
                           reference_view=0, scale_view=1, refine_focal=True)
    np.testing.assert_allclose(guessed * result.focal_scale, true_focal, rtol=1e-4)
    assert np.all(rotation_angle_deg(result.rotations, rotations) < 1e-3)


@pytest.mark.parametrize('refine_focal', [False, True])
def test_analytic_jacobian_matches_finite_differences(refine_focal):
    rotations, translations, points, observations = exact_rig(num_frames=2)
    point_index, view_index, flat = observation_lists(observations)
    rng = np.random.default_rng(6)
    problem = _Problem(rotations, translations, points, point_index, view_index, flat,
                       rng.uniform(0.3, 1.0, len(flat)), np.array([1000.0, 1100, 900, 1200]), 0,
                       1, refine_focal)
    params = problem.x0 + rng.normal(0, 0.03, len(problem.x0))
    cameras, own_points = problem.jacobian_blocks(params)
    numeric = approx_derivative(problem.residuals, params, method='3-point').reshape(
        len(flat), 2, -1)
    rows = np.arange(len(flat))
    dense = np.zeros((len(flat), 2, problem.point_start + 1))    # the padding column last
    for k in range(cameras.shape[-1]):
        dense[rows, :, problem.view_columns[view_index, k]] = cameras[:, :, k]
    np.testing.assert_allclose(dense[:, :, :-1], numeric[:, :, :problem.point_start], atol=1e-5)
    padded = problem.view_columns[view_index] == problem.point_start
    assert np.all(cameras.transpose(0, 2, 1)[padded] == 0)
    for k in range(3):
        np.testing.assert_allclose(
            own_points[:, :, k], numeric[rows, :, problem.point_start + 3 * point_index + k],
            atol=1e-5)


def test_scale_view_must_differ_from_reference():
    rotations, translations, points, observations = exact_rig(num_frames=2)
    with pytest.raises(ValueError, match='scale_view'):
        bundle_adjust(rotations, translations, points, *observation_lists(observations)[:2],
                      observations.reshape(-1, 2), np.ones(observations.size // 2),
                      np.full(4, FOCAL), reference_view=0, scale_view=0)
