"""The procedural skeleton: fixed bones, limited angles, every action, real pose variety."""
import numpy as np
import pytest
from sklearn.cluster import KMeans

from epipolar_plugin.synthetic import ACTIONS, PARENTS, animate
from epipolar_plugin.synthetic.skeleton import random_body


def _bone_lengths(joints):
    return np.stack([np.linalg.norm(joints[:, j] - joints[:, p], axis=-1)
                     for j, p in enumerate(PARENTS) if p >= 0], axis=1)


@pytest.mark.parametrize('action', ACTIONS)
def test_every_action_moves_a_rigid_body_on_the_floor(action):
    joints = animate(120, seed=1, fps=10, action=action)
    assert joints.shape == (120, 17, 3) and np.isfinite(joints).all()
    bones = _bone_lengths(joints)
    np.testing.assert_allclose(bones, bones[:1].repeat(120, 0), atol=1e-9)
    np.testing.assert_allclose(joints[..., 2].min(axis=1), 0.0, atol=1e-9)
    assert np.ptp(joints - joints[:, :1], axis=0).max() > 0.2       # limbs really move
    assert np.abs(joints[..., :2]).max() < 2.5                       # stays in the studio


def test_feet_stay_lowest_and_body_proportions_vary():
    feet_lowest = []
    for action in ('walking', 'reaching', 'bending', 'turning'):
        joints = animate(100, seed=2, fps=10, action=action)
        feet_lowest.append(np.isin(joints[..., 2].argmin(axis=1), [3, 6]).mean())
    assert min(feet_lowest) > 0.95
    rng = np.random.default_rng(0)
    heights = [random_body(rng)[[2, 3, 7, 8]].mean() for _ in range(20)]
    assert np.ptp(heights) > 0.1


def test_bending_and_sitting_change_the_body_as_named():
    standing = animate(100, seed=3, fps=10, action='reaching')
    sitting = animate(100, seed=3, fps=10, action='sitting')
    bending = animate(200, seed=3, fps=10, action='bending')
    assert sitting[:, 0, 2].mean() < standing[:, 0, 2].mean() - 0.25  # pelvis lowered
    trunk = bending[:, 8] - bending[:, 0]
    lean = np.degrees(np.arccos(trunk[:, 2] / np.linalg.norm(trunk, axis=1)))
    assert lean.max() > 30.0                                          # leans forward


def test_seeded_and_varied_enough_for_100_clusters():
    np.testing.assert_array_equal(animate(30, seed=5, action='walking'),
                                  animate(30, seed=5, action='walking'))
    rng = np.random.default_rng(0)
    poses = np.concatenate([animate(80, seed=int(rng.integers(1 << 30)), fps=10, action=a,
                                    bone_scale=random_body(rng))
                            for _ in range(5) for a in ACTIONS[:5]])
    poses = poses - poses[:, :1]
    poses = poses.reshape(len(poses), -1)
    poses /= np.linalg.norm(poses, axis=1, keepdims=True)
    labels = KMeans(100, n_init=1, random_state=0).fit_predict(poses)
    sizes = np.bincount(labels, minlength=100)
    assert sizes.min() >= 3 and sizes.max() < 0.05 * len(poses)
