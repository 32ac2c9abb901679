"""CropRotation3D: the 3D target turns exactly as TopdownAffine turns the crop."""
import numpy as np
import pytest

from epipolar_plugin.datasets import CropRotation3D
from mmpose.datasets.transforms import TopdownAffine

RNG = np.random.default_rng(3)


def _crop_and_target(rotation_deg):
    """2D joints in a rotated crop and the rotated root-relative target of a far-away pose."""
    pose = RNG.normal(0, 0.3, (17, 3)) + np.array([0.2, -0.1, 30.0])   # 30 m: near-orthographic
    intrinsics = np.array([[1000.0, 0, 500], [0, 1000.0, 500], [0, 0, 1]])
    projected = pose @ intrinsics.T
    pixels = projected[:, :2] / projected[:, 2:]
    results = dict(img=np.zeros((1000, 1000, 3), np.uint8), img_shape=(1000, 1000),
                   bbox_center=pixels[:1].astype(np.float32),
                   bbox_scale=np.array([[80.0, 80.0]], np.float32),
                   bbox_rotation=np.array([rotation_deg], np.float32),
                   keypoints=pixels[None].astype(np.float32),
                   lifting_target=(pose - pose[:1])[None].astype(np.float32))
    results = TopdownAffine(input_size=(64, 64))(results)
    return results['transformed_keypoints'][0], results


def _orthographic_residual(crop_points, target):
    """Relative residual of the best similarity-free scale fit crop ~ s * target_xy."""
    a = crop_points - crop_points[0]
    b = target[:, :2] - target[0, :2]
    scale = (a * b).sum() / (b * b).sum()
    return np.linalg.norm(a - scale * b) / np.linalg.norm(a)


@pytest.mark.parametrize('rotation', [25.0, -40.0, 90.0])
def test_rotated_target_projects_onto_the_rotated_crop(rotation):
    crop, results = _crop_and_target(rotation)
    unrotated = results['lifting_target'][0].copy()
    assert _orthographic_residual(crop, unrotated) > 0.2             # the mismatch it fixes
    rotated = CropRotation3D()(results)['lifting_target'][0]
    assert _orthographic_residual(crop, rotated) < 0.02
    np.testing.assert_allclose(rotated[:, 2], unrotated[:, 2], atol=1e-6)  # depth unchanged
    np.testing.assert_allclose(np.linalg.norm(rotated, axis=1), np.linalg.norm(unrotated, axis=1),
                               rtol=1e-5)


def test_no_rotation_changes_nothing():
    crop, results = _crop_and_target(0.0)
    before = results['lifting_target'].copy()
    np.testing.assert_array_equal(CropRotation3D()(results)['lifting_target'], before)
    assert _orthographic_residual(crop, before[0]) < 0.02
