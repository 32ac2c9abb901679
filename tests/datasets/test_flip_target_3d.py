"""FlipTarget3D: the 3D target mirrors exactly as MMPose's RandomFlip mirrors the image."""
import numpy as np
import pytest

from epipolar_plugin.datasets import FlipTarget3D
from epipolar_plugin.labels import H36M_FLIP_PAIRS
from epipolar_plugin.labels.swaps import flip_permutation
from mmpose.datasets.transforms import RandomFlip

FLIP_INDICES = flip_permutation(17, H36M_FLIP_PAIRS)
INTRINSICS = np.array([[1000.0, 0, 500], [0, 1000.0, 500], [0, 0, 1]])   # centred pinhole


def project(points):
    projected = points @ INTRINSICS.T
    return projected[:, :2] / projected[:, 2:]


def sample(flip):
    pose = np.random.default_rng(0).normal(0, 0.3, (17, 3)) + np.array([0.3, -0.1, 4.0])
    return dict(img=np.zeros((1000, 1000, 3), np.uint8), img_shape=(1000, 1000),
                keypoints=project(pose)[None].astype(np.float32),
                keypoints_visible=np.ones((1, 17), np.float32), flip_indices=FLIP_INDICES,
                lifting_target=(pose - pose[:1])[None].astype(np.float32),
                lifting_target_visible=np.linspace(0, 1, 17)[None], absolute=pose), pose


def test_flipped_target_is_the_scene_behind_the_flipped_image():
    results, pose = sample(True)
    results = RandomFlip(prob=1.0, direction='horizontal')(results)
    visible = results['lifting_target_visible'].copy()
    flipped = FlipTarget3D()(results)
    mirrored = pose[FLIP_INDICES] * np.array([-1.0, 1, 1])        # the mirror scene, renamed
    # the flipped image's keypoints are (up to MMPose's w - 1 pixel convention) its projection
    np.testing.assert_allclose(flipped['keypoints'][0], project(mirrored) - [1, 0], atol=1e-3)
    np.testing.assert_allclose(flipped['lifting_target'][0], mirrored - mirrored[:1], atol=1e-6)
    np.testing.assert_array_equal(flipped['lifting_target_visible'], visible[:, FLIP_INDICES])


def test_no_flip_no_change_and_twice_is_identity():
    results, _ = sample(False)
    before = results['lifting_target'].copy()
    results = RandomFlip(prob=0.0)(results)
    np.testing.assert_array_equal(FlipTarget3D()(results)['lifting_target'], before)
    results.update(flip=True, flip_direction='horizontal')
    twice = FlipTarget3D()(FlipTarget3D()(results))
    np.testing.assert_allclose(twice['lifting_target'], before, atol=1e-6)


def test_vertical_flip_and_joint_mismatch_are_errors():
    results, _ = sample(True)
    with pytest.raises(ValueError, match='horizontal flips only'):
        FlipTarget3D()(dict(results, flip=True, flip_direction='vertical'))
    with pytest.raises(ValueError, match='flip_indices 16'):
        FlipTarget3D()(dict(results, flip=True, flip_direction='horizontal',
                            flip_indices=FLIP_INDICES[:16]))
