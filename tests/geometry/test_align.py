import numpy as np
from scipy.spatial.transform import Rotation

from epipolar_plugin.geometry import (mean_joint_error, procrustes_align, root_centre,
                                      scale_align)


def _poses():
    return np.random.default_rng(0).normal(0, 0.3, (5, 17, 3))


def test_scale_align_recovers_scale():
    gt = root_centre(_poses())
    np.testing.assert_allclose(scale_align(gt * 0.37, gt), gt, atol=1e-12)


def test_procrustes_recovers_similarity_and_ignores_masked_joints():
    gt = _poses()
    rotation = Rotation.from_euler('xyz', [20, -40, 70], degrees=True).as_matrix()
    pred = 2.5 * gt @ rotation.T + np.array([1.0, -2.0, 3.0])
    mask = np.ones(gt.shape[:2], bool)
    pred[:, 3] += 10.0                  # a corrupted joint, masked out
    mask[:, 3] = False
    aligned = procrustes_align(pred, gt, mask)
    np.testing.assert_allclose(aligned[mask], gt[mask], atol=1e-9)
    assert mean_joint_error(aligned, gt, mask) < 1e-9


def test_hand_computed_mean_error():
    pred = np.zeros((1, 2, 3))
    gt = np.array([[[3.0, 4.0, 0.0], [0.0, 0.0, 1.0]]])
    assert mean_joint_error(pred, gt) == 3.0
    assert mean_joint_error(pred, gt, np.array([[False, True]])) == 1.0
