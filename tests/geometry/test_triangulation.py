import numpy as np
from scipy.spatial.transform import Rotation

from epipolar_plugin.geometry import triangulate_dlt, triangulate_robust


def _rig(num_views=4):
    projections = [np.eye(3, 4)]
    for index in range(1, num_views):
        rotation = Rotation.from_euler('y', -40 * index, degrees=True).as_matrix()
        centre = np.array([0.0, 0.0, 4.0])
        projections.append(np.concatenate([rotation, (centre - rotation @ centre)[:, None]], 1))
    return np.stack(projections)


def _observe(points, projections):
    cam = np.einsum('vij,nj->nvi', projections[:, :, :3], points) + projections[:, :, 3]
    return cam[..., :2] / cam[..., 2:]


def test_exact_multiview_points():
    rng = np.random.default_rng(0)
    points = rng.uniform([-1, -1, 3], [1, 1, 5], (200, 3))
    projections = _rig()
    observed = _observe(points, projections)
    estimate, valid = triangulate_dlt(observed, projections, np.ones((200, 4)))
    assert valid.all()
    np.testing.assert_allclose(estimate, points, atol=1e-9)


def test_zero_weights_and_single_view_are_invalid():
    points = np.array([[0.2, 0.1, 4.0]])
    projections = _rig()
    observed = _observe(points, projections)
    weights = np.array([[1.0, 0.0, 0.0, 0.0]])
    estimate, valid = triangulate_dlt(observed, projections, weights)
    assert not valid[0] and np.isnan(estimate).all()
    observed[0, 1:] = np.nan                      # NaN observations behave like weight 0
    _, valid = triangulate_dlt(observed, projections, np.ones((1, 4)))
    assert not valid[0]


def test_point_behind_a_camera_is_invalid():
    projections = _rig(2)
    points = np.array([[0.0, 0.0, -4.0]])         # behind the reference camera
    observed = _observe(points, projections)
    _, valid = triangulate_dlt(observed, projections, np.ones((1, 2)))
    assert not valid[0]


def test_robust_drops_outlier_view():
    rng = np.random.default_rng(1)
    points = rng.uniform([-1, -1, 3], [1, 1, 5], (50, 3))
    projections = _rig()
    observed = _observe(points, projections)
    observed[:, 2] += 0.05                        # view 2 is off by ~57 px everywhere
    estimate, valid, weights = triangulate_robust(observed, projections, np.ones((50, 4)),
                                                  outlier_threshold=5 / 1150)
    assert valid.all() and np.all(weights[:, 2] == 0) and np.all(weights[:, [0, 1, 3]] == 1)
    np.testing.assert_allclose(estimate, points, atol=1e-9)
    two_views, valid2, _ = triangulate_robust(observed[:, :3], projections[:3],
                                              np.ones((50, 3))[:, :3] * [1, 0, 1],
                                              outlier_threshold=5 / 1150)
    assert not valid2.any() and np.isnan(two_views).all()   # 2 views cannot tell who is wrong
