"""PSS functions: hand-computed values, invariances, chance level, determinism."""
import numpy as np
import pytest

from epipolar_plugin.evaluation import (assign_clusters, fit_pose_clusters, normalize_poses,
                                        pose_structure_score)
from epipolar_plugin.synthetic import ACTIONS, animate


def _pose(*points):
    return np.array(points, dtype=float)


def test_hand_computed_score_on_two_joint_poses():
    # two joints: the root and one joint; normalized poses are (0, 0, 0, unit vector)
    centers = np.array([[0, 0, 0, 1.0, 0, 0], [0, 0, 0, 0, 1.0, 0]])   # "right" and "down"
    gt = np.stack([_pose([0, 0, 0], [2, 0, 0]), _pose([1, 1, 1], [1, 3, 1]),
                   _pose([0, 0, 0], [0, 5, 0]), _pose([0, 0, 0], [1, 0.2, 0])])
    pred = np.stack([_pose([0, 0, 0], [1, 0.5, 0]),     # right: same cluster as gt 0
                     _pose([0, 0, 0], [3, 0, 0]),       # right, gt 1 is down: miss
                     _pose([5, 5, 5], [5, 9, 5]),       # down: hit
                     _pose([0, 0, 0], [0.1, 1, 0])])    # down, gt 3 is right: miss
    np.testing.assert_array_equal(assign_clusters(gt, centers), [0, 1, 1, 0])
    assert pose_structure_score(pred, gt, centers) == 0.5


def _poses(n_per_action=60, seed=0):
    rng = np.random.default_rng(seed)
    return np.concatenate([animate(n_per_action, seed=int(rng.integers(1 << 30)), fps=10,
                                   action=a) for a in ACTIONS])


def test_normalization_removes_translation_and_scale():
    poses = _poses(5)
    moved = 3.7 * poses + np.array([1.0, -2.0, 5.0])
    np.testing.assert_allclose(normalize_poses(moved), normalize_poses(poses), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(normalize_poses(poses), axis=1), 1.0)


def test_pss_is_one_for_the_truth_and_invariant_to_scale_and_translation():
    poses = _poses()
    centers = fit_pose_clusters(poses, 20, seed=0)
    assert pose_structure_score(poses, poses, centers) == 1.0
    noisy = poses + np.random.default_rng(1).normal(0, 0.03, poses.shape)
    score = pose_structure_score(noisy, poses, centers)
    assert 0.3 < score < 1.0
    assert pose_structure_score(0.01 * noisy + 4.0, poses, centers) == score


def test_shuffled_predictions_score_near_chance():
    poses = _poses(120)
    k = 50
    centers = fit_pose_clusters(poses, k, seed=0)
    shuffled = poses[np.random.default_rng(2).permutation(len(poses))]
    labels = assign_clusters(poses, centers)
    chance = np.sum((np.bincount(labels, minlength=k) / len(poses)) ** 2)   # sum of p_i^2
    score = pose_structure_score(shuffled, poses, centers)
    assert chance < 3 / k and score < chance + 0.03


def test_clusters_are_deterministic_for_a_seed():
    poses = _poses(20)
    np.testing.assert_array_equal(fit_pose_clusters(poses, 10, seed=3),
                                  fit_pose_clusters(poses, 10, seed=3))


def test_bad_inputs_are_named():
    poses = _poses(3)
    centers = fit_pose_clusters(poses, 5)
    with pytest.raises(ValueError, match='pred must have shape'):
        pose_structure_score(poses[0], poses, centers)
    bad = poses.copy()
    bad[2, 4, 1] = np.nan
    with pytest.raises(ValueError, match='gt has non-finite values'):
        pose_structure_score(poses, bad, centers)
    with pytest.raises(ValueError, match=r'centers must have shape \(k, 48\)'):
        pose_structure_score(poses[:, :16], poses[:, :16], centers)
    with pytest.raises(ValueError, match='k must be in'):
        fit_pose_clusters(poses[:4], 5)


def test_hand_computed_assignment_on_the_visible_joints():
    # three joints: root, a joint that decides the cluster, a joint that is hidden
    centers = np.array([[0, 0, 0, 1.0, 0, 0, 0, 0, 0],     # "right"
                        [0, 0, 0, 0, 0, 0, 0, 1.0, 0]])    # "down" (on the hidden joint)
    pose = _pose([0, 0, 0], [1, 0, 0], [0, 9, 0])          # the hidden joint says "down"
    visible = np.array([[True, True, False]])
    assert assign_clusters(pose[None], centers)[0] == 1
    assert assign_clusters(pose[None], centers, visible=visible)[0] == 0
    assert assign_clusters(pose[None], centers, visible=np.zeros((1, 3)))[0] == -1


def test_invisible_joints_do_not_change_the_score():
    """As MMPose's MPJPE masks lifting_target_visible: whatever a prediction puts at a joint
    that the ground truth marks invisible, the score stays; every joint visible is the
    unmasked score; a pose with no visible joint is left out of the fraction."""
    rng = np.random.default_rng(3)
    gt = _poses(20)
    centers = fit_pose_clusters(gt, 10)
    pred = gt + rng.normal(0, 0.03, gt.shape)
    visible = rng.random(gt.shape[:2]) > 0.3
    visible[:, 0] = True
    wild = np.where(visible[..., None], pred, rng.normal(0, 2.0, gt.shape))
    masked = pose_structure_score(pred, gt, centers, visible=visible)
    assert pose_structure_score(wild, gt, centers, visible=visible) == masked
    assert pose_structure_score(wild, gt, centers) < masked          # the hidden joints count
    assert pose_structure_score(pred, gt, centers, visible=np.ones(gt.shape[:2])) == \
        pose_structure_score(pred, gt, centers)
    none = visible.copy()
    none[:10] = False
    same = (assign_clusters(pred, centers, visible=none) == assign_clusters(gt, centers,
                                                                           visible=none))
    assert pose_structure_score(pred, gt, centers, visible=none) == same[10:].mean()
    with pytest.raises(ValueError, match='no pose has a visible joint'):
        pose_structure_score(pred, gt, centers, visible=np.zeros(gt.shape[:2]))
    with pytest.raises(ValueError, match=r'visible must have shape \(N, J\)'):
        pose_structure_score(pred, gt, centers, visible=visible[:, :5])
