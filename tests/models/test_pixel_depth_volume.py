"""PixelDepthVolumeLabel + ProjectTarget3D: crop pixels and relative depth, through MMPose's own
flip and crop transforms, decode back to the camera-frame pose of a known synthetic camera."""
import numpy as np
import pytest

from epipolar_plugin.datasets import FlipTarget3D, ProjectTarget3D
from epipolar_plugin.geometry import project_points, scale_align
from epipolar_plugin.labels import H36M_FLIP_PAIRS
from epipolar_plugin.labels.swaps import flip_permutation
from epipolar_plugin.models import PixelDepthVolumeLabel
from mmpose.datasets.transforms import GenerateTarget, RandomFlip, TopdownAffine

INTRINSICS = np.array([[[900.0, 0, 310], [0, 880.0, 250], [0, 0, 1]],
                       [[1000.0, 0, 320], [0, 1000.0, 240], [0, 0, 1]]])
DISTORTION = np.array([[-0.2, 0.05, 0.001, -0.002, 0.0], [0.0] * 5])
CODEC = dict(type='PixelDepthVolumeLabel', pose_size=1.9)


def scene(seed=0, view=0):
    """A pose 4 m in front of camera ``view``, off the optical axis, and its sample dict."""
    rng = np.random.default_rng(seed)
    pose = rng.normal(0, 0.35, (17, 3))
    root = np.array([0.6, -0.3, 4.0])
    pose[0] = 0.0
    pixels = project_points(pose + root, INTRINSICS[view], DISTORTION[view])
    centre = (pixels.min(0) + pixels.max(0)) / 2
    side = 1.25 * np.ptp(pixels, axis=0).max()
    results = dict(img=np.zeros((480, 640, 3), np.uint8), img_shape=(480, 640),
                   bbox_center=centre[None].astype(np.float32),
                   bbox_scale=np.array([[side, side]], np.float32),
                   lifting_target=pose[None].astype(np.float32),
                   lifting_target_root=root[None].astype(np.float32),
                   lifting_target_visible=np.ones((1, 17), np.float32),
                   intrinsics=INTRINSICS, distortion=DISTORTION, reference_view=view,
                   flip_indices=flip_permutation(17, H36M_FLIP_PAIRS))
    return pose, results


def encode(results, input_size=(64, 64)):
    results = ProjectTarget3D()(results)
    results = TopdownAffine(input_size=input_size)(results)
    return GenerateTarget(encoder=CODEC)(results)


def test_encode_decode_recovers_the_pose_under_perspective_and_distortion():
    for view in (0, 1):
        pose, results = scene(seed=view, view=view)
        results = encode(results)
        label = results['lifting_target_label']
        assert label.shape == (1, 17, 3) and np.abs(label).max() < 0.5
        assert results['lifting_target_weight'].sum() == 17
        # x, y are where MMPose's affine put the joints in the 64 x 64 crop
        np.testing.assert_allclose((label[0, :, :2] + 0.5) * 64,
                                   results['transformed_keypoints'][0], atol=1e-4)
        decoded, scores = PixelDepthVolumeLabel().decode(label, results)
        assert decoded.shape == (1, 17, 3) and scores.shape == (1, 17)
        size = np.sqrt(np.sum(decoded[0] ** 2))
        np.testing.assert_allclose(size, 1.9, rtol=1e-4)
        aligned = scale_align(decoded, pose[None], np.ones((1, 17), bool))
        np.testing.assert_allclose(aligned[0], pose, atol=2e-4)     # metres, float32 labels


def test_label_is_scale_free_and_depth_is_in_crop_widths():
    pose, results = scene()
    label = encode(dict(results))['lifting_target_label']
    scaled = dict(results, lifting_target=results['lifting_target'] * 0.3,
                  lifting_target_root=results['lifting_target_root'] * 0.3)
    np.testing.assert_allclose(encode(scaled)['lifting_target_label'], label, atol=1e-5)
    crop = encode(dict(results))['input_scale'][0]
    depth = 4.0 + pose[:, 2]
    np.testing.assert_allclose(label[0, :, 2], (depth / 4.0 - 1.0) * 900.0 / crop, atol=1e-5)


def test_flip_mirrors_pixels_and_keeps_depths_of_the_renamed_joints():
    pose, results = scene()
    plain = encode(dict(results))['lifting_target_label'][0]
    flipped = ProjectTarget3D()(dict(results))
    flipped = FlipTarget3D()(RandomFlip(prob=1.0, direction='horizontal')(flipped))
    flipped = GenerateTarget(encoder=CODEC)(TopdownAffine(input_size=(64, 64))(flipped))
    label = flipped['lifting_target_label'][0]
    indices = results['flip_indices']
    np.testing.assert_allclose(label[:, 2], plain[indices, 2], atol=1e-5)
    np.testing.assert_allclose(label[:, 1], plain[indices, 1], atol=1e-5)
    np.testing.assert_allclose(label[:, 0], -plain[indices, 0], atol=1.5 / 64)   # w - 1 pixel


def test_invalid_joints_and_root_are_zero_weighted_never_nan():
    _, results = scene()
    visible = np.ones((1, 17), np.float32)
    visible[0, 5] = 0
    encoded = encode(dict(results, lifting_target_visible=visible))
    assert encoded['keypoints_visible'][0, 5] == 0
    weight = encoded['lifting_target_weight']
    assert weight[0, 5] == 0 and weight.sum() == 16
    broken = results['lifting_target'].copy()
    broken[0, 0] = np.nan
    encoded = encode(dict(results, lifting_target=broken))
    assert np.isfinite(encoded['lifting_target_label']).all()
    assert encoded['lifting_target_weight'].sum() == 0
    behind = dict(results, lifting_target_root=np.array([[0.0, 0.0, -4.0]], np.float32))
    assert encode(behind)['lifting_target_weight'].sum() == 0


def test_missing_keys_are_named():
    _, results = scene()
    with pytest.raises(KeyError, match='lifting_target_root'):
        ProjectTarget3D()({k: v for k, v in results.items() if k != 'lifting_target_root'})
    projected = TopdownAffine(input_size=(64, 64))(ProjectTarget3D()(dict(results)))
    with pytest.raises(KeyError, match=r"\['intrinsics'\]"):
        GenerateTarget(encoder=CODEC)(dict(projected, intrinsics=None))
    with pytest.raises(KeyError, match='input_center'):
        PixelDepthVolumeLabel().decode(np.zeros((1, 17, 3)), {})


def test_decode_without_camera_is_weak_perspective():
    _, results = scene()
    results = encode(results)
    meta = dict(input_center=results['input_center'], input_scale=results['input_scale'])
    decoded, _ = PixelDepthVolumeLabel().decode(results['lifting_target_label'], meta)
    label = results['lifting_target_label'][0].astype(np.float64)
    expected = label - label[:1]
    expected *= 1.9 / np.sqrt(np.sum(expected ** 2))
    np.testing.assert_allclose(decoded[0], expected, atol=1e-6)


def test_joints_outside_the_volume_are_zero_weighted():
    pose, results = scene()
    tight = dict(results, bbox_scale=results['bbox_scale'] * 0.6)      # cuts off the extremities
    encoded = encode(tight)
    inside = np.all(np.abs(encoded['transformed_keypoints'][0] / 64 - 0.5) <= 0.5, -1)
    depth = (4.0 + pose[:, 2]) / 4.0 - 1.0
    inside &= np.abs(depth * 900.0 / encoded['input_scale'][0]) <= 0.5
    assert 0 < inside.sum() < 17
    np.testing.assert_array_equal(encoded['lifting_target_weight'][0] > 0, inside)
    assert np.abs(encoded['lifting_target_label']).max() <= 0.5
