import numpy as np
from scipy.spatial.transform import Rotation

from epipolar_plugin.geometry import (estimate_relative_pose, refine_relative_pose,
                                      rotation_angle_deg)
from epipolar_plugin.geometry.relative_pose import translation_scale
from epipolar_plugin.labels.statuses import ViewStatus

from .conftest import project

THRESHOLD = 3.0 / 1150


def _angle_rad(a, b):
    return np.radians(rotation_angle_deg(a, b))


def test_exact_data_recovers_pose(two_views):
    points, rotation, translation = two_views
    ref = project(points, np.eye(3), np.zeros(3))
    other = project(points, rotation, translation)
    pose = estimate_relative_pose(ref, other, THRESHOLD)
    assert pose.ok and pose.inliers.all()
    assert _angle_rad(pose.rotation, rotation) < 1e-6
    np.testing.assert_allclose(pose.translation, translation / np.linalg.norm(translation),
                               atol=1e-6)
    refined = refine_relative_pose(pose, ref, other, THRESHOLD, THRESHOLD)
    assert _angle_rad(refined.rotation, rotation) < 1e-6


def test_noise_degrades_gracefully(two_views):
    points, rotation, translation = two_views
    rng = np.random.default_rng(3)
    ref = project(points, np.eye(3), np.zeros(3))
    other = project(points, rotation, translation)
    errors = []
    for sigma_px in (0.5, 2.0):
        noisy = [p + rng.normal(0, sigma_px / 1150, p.shape) for p in (ref, other)]
        pose = estimate_relative_pose(*noisy, THRESHOLD * max(1, sigma_px))
        pose = refine_relative_pose(pose, *noisy, THRESHOLD, THRESHOLD)
        assert pose.ok
        errors.append(rotation_angle_deg(pose.rotation, rotation))
    assert errors[0] < 0.5 and errors[1] < 2.0


def test_pure_rotation_is_flagged(two_views):
    points, _, _ = two_views
    rotation = Rotation.from_euler('y', -20, degrees=True).as_matrix()
    ref = project(points, np.eye(3), np.zeros(3))
    other = project(points, rotation, np.zeros(3))
    pose = estimate_relative_pose(ref, other, THRESHOLD)
    assert not pose.ok
    assert pose.status in (ViewStatus.ZERO_BASELINE, ViewStatus.DEGENERATE,
                           ViewStatus.CHEIRALITY)
    assert not pose.inliers.any()


def test_collinear_joints_are_flagged(two_views):
    _, rotation, translation = two_views
    line = np.array([0.1, -0.2, 4.0]) + np.linspace(-1, 1, 17)[:, None] * np.array([0.3, 0.5, 0.1])
    pose = estimate_relative_pose(project(line, np.eye(3), np.zeros(3)),
                                  project(line, rotation, translation), THRESHOLD)
    assert pose.status == ViewStatus.COLLINEAR


def test_too_few_and_nan_points(two_views):
    points, rotation, translation = two_views
    ref = project(points, np.eye(3), np.zeros(3))
    other = project(points, rotation, translation)
    assert estimate_relative_pose(ref[:4], other[:4], THRESHOLD,
                                  min_points=4).status == ViewStatus.TOO_FEW_POINTS
    other_nan = other.copy()
    other_nan[4:] = np.nan
    assert estimate_relative_pose(ref, other_nan, THRESHOLD).status == ViewStatus.TOO_FEW_POINTS
    other_nan = other.copy()
    other_nan[:10] = np.nan                      # NaN rows are ignored, not fatal
    pose = estimate_relative_pose(ref, other_nan, THRESHOLD)
    assert pose.ok and not pose.inliers[:10].any()


def test_translation_scale(two_views):
    points, rotation, translation = two_views
    scale = np.linalg.norm(translation)
    observed = project(points, rotation, translation)
    assert abs(translation_scale(points, observed, rotation, translation / scale) - scale) < 1e-9


def test_recover_pose_matches_opencv(two_views):
    """The batched cheirality test picks OpenCV's pose and the same good points, also with
    points behind a camera, far away, outside the mask and noisy."""
    import cv2
    from epipolar_plugin.geometry.relative_pose import essential_from_pose, recover_pose
    points, rotation, translation = two_views
    rng = np.random.default_rng(3)
    points = np.concatenate([points, points[:5] * [1, 1, -1], points[5:8] * [1, 1, 80]])
    ref = project(points, np.eye(3), np.zeros(3)) + rng.normal(0, 1e-3, (len(points), 2))
    other = project(points, rotation, translation) + rng.normal(0, 1e-3, (len(points), 2))
    mask = rng.uniform(size=len(points)) > 0.1
    for sign in (1, -1):
        essential = sign * essential_from_pose(rotation, translation / np.linalg.norm(
            translation))
        expected = cv2.recoverPose(essential, ref, other, np.eye(3),
                                   mask=mask.astype(np.uint8)[:, None])
        count, found_rotation, found_translation, good = recover_pose(essential, ref, other,
                                                                      mask)
        assert count == expected[0] and 0 < count < mask.sum()
        np.testing.assert_allclose(found_rotation, expected[1], atol=1e-12)
        np.testing.assert_allclose(found_translation, expected[2].ravel(), atol=1e-12)
        np.testing.assert_array_equal(good, expected[3].ravel() > 0)
        assert _angle_rad(found_rotation, rotation) < 1e-2


def test_signed_sampson_jacobian_matches_finite_differences(two_views):
    from scipy.optimize._numdiff import approx_derivative
    from epipolar_plugin.geometry.relative_pose import (essential_from_pose, left_jacobian,
                                                        signed_sampson_error,
                                                        signed_sampson_jacobian, skew)
    points, rotation, translation = two_views
    rng = np.random.default_rng(4)
    ref = project(points, np.eye(3), np.zeros(3)) + rng.normal(0, 3e-3, (len(points), 2))
    other = project(points, rotation, translation) + rng.normal(0, 3e-3, (len(points), 2))
    direction = translation / np.linalg.norm(translation)
    rotvec = np.array([0.02, -0.03, 0.01])

    def pose(params):          # rotation exp(w) R0 exp(params) and a unit translation
        turned = Rotation.from_rotvec(params[:3]).as_matrix() @ rotation
        moved = direction + params[3:]
        return turned, moved / np.linalg.norm(moved)

    params = np.concatenate([rotvec, [0.05, -0.02, 0.01]])
    numeric = approx_derivative(lambda p: signed_sampson_error(essential_from_pose(*pose(p)),
                                                               ref, other), params,
                                method='3-point')
    turned, unit = pose(params)
    moved = direction + params[3:]
    d_rotations = skew(left_jacobian(rotvec).T) @ turned
    d_translations = (np.eye(3) - np.outer(unit, unit)) / np.linalg.norm(moved)
    analytic = signed_sampson_jacobian(
        turned, unit, np.concatenate([d_rotations, np.zeros((3, 3, 3))]),
        np.concatenate([np.zeros((3, 3)), d_translations]), ref, other)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)
