"""Integral3DHead, soft_argmax_3d and the IntegralVolumeLabel codec."""
import numpy as np
import pytest
import torch

from epipolar_plugin.models import Integral3DHead, IntegralVolumeLabel, soft_argmax_3d


def test_soft_argmax_recovers_a_known_peak():
    volume = torch.full((1, 2, 8, 16, 16), -50.0)
    volume[0, 0, 2, 5, 11] = 50.0                       # (z, y, x) bins
    volume[0, 1, 7, 0, 0] = 50.0
    coords = soft_argmax_3d(volume)[0].numpy()
    centre = lambda i, n: (i + 0.5) / n - 0.5         # noqa: E731
    np.testing.assert_allclose(coords[0], [centre(11, 16), centre(5, 16), centre(2, 8)],
                               atol=1e-5)
    np.testing.assert_allclose(coords[1], [centre(0, 16), centre(0, 16), centre(7, 8)],
                               atol=1e-5)
    # a flat volume has its expectation at the centre
    np.testing.assert_allclose(soft_argmax_3d(torch.zeros(1, 1, 4, 4, 4))[0, 0], 0.0, atol=1e-6)


def test_head_shapes():
    head = Integral3DHead(in_channels=32, num_joints=17, depth_bins=8,
                          deconv_out_channels=(16, 16), decoder=dict(type='IntegralVolumeLabel'))
    out = head((torch.randn(2, 32, 4, 4), ))
    assert out.shape == (2, 17, 3) and out.abs().max() <= 0.5


def test_skip_connections_join_earlier_stages_and_must_be_fed():
    head = Integral3DHead(in_channels=32, num_joints=17, depth_bins=8,
                          deconv_out_channels=(16, 16), skip_channels=(24, 8),
                          decoder=dict(type='IntegralVolumeLabel'))
    feats = (torch.randn(2, 8, 16, 16), torch.randn(2, 24, 8, 8), torch.randn(2, 32, 4, 4))
    out = head(feats)
    assert out.shape == (2, 17, 3) and out.abs().max() <= 0.5
    out.sum().backward()            # the skips are trained
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in head.skip_layers.parameters())
    with pytest.raises(ValueError, match='2 skip connections need'):
        head(feats[-1:])
    with pytest.raises(ValueError, match='3 skip_channels for only 2'):
        Integral3DHead(in_channels=32, deconv_out_channels=(16, 16), skip_channels=(8, 8, 8))
    # without skips the parameters are those of the paper's head (checkpoints stay loadable)
    plain = Integral3DHead(in_channels=32, deconv_out_channels=(16, 16))
    assert [k for k in plain.state_dict() if k.startswith('deconv_layers.')][:2] == [
        'deconv_layers.0.weight', 'deconv_layers.1.weight']


def test_codec_is_scale_free_zero_weights_invalid_and_decodes_to_pose_size():
    codec = IntegralVolumeLabel(pose_size=1.9)
    rng = np.random.default_rng(0)
    pose = rng.normal(0, 0.4, (1, 17, 3)) + 3.0
    visible = np.ones((1, 17))
    visible[0, 4] = 0
    a = codec.encode(None, None, pose, visible)
    b = codec.encode(None, None, 7.0 * pose - 1.0, visible)
    np.testing.assert_allclose(a['lifting_target_label'], b['lifting_target_label'], atol=1e-6)
    assert a['lifting_target_weight'][0, 4] == 0 and a['lifting_target_weight'].sum() == 16
    label = a['lifting_target_label']
    assert np.abs(label).max() <= 0.5 and label[0, 0].tolist() == [0, 0, 0]
    decoded, scores = codec.decode(label)
    size = np.sqrt(np.sum(decoded[0, visible[0] > 0] ** 2) * 17 / 16)
    np.testing.assert_allclose(size, 1.9, rtol=1e-5)
    # an invalid root or NaN target: zero weights, finite labels
    broken = pose.copy()
    broken[0, 0] = np.nan
    c = codec.encode(None, None, broken, np.ones((1, 17)))
    assert np.isfinite(c['lifting_target_label']).all() and c['lifting_target_weight'].sum() == 0


def _samples(target):
    from mmengine.structures import InstanceData

    from mmpose.structures import PoseDataSample
    samples = []
    for index, joints in enumerate(target):
        sample = PoseDataSample(metainfo=dict(img_path=f'frame_{index}.jpg'))
        sample.gt_instance_labels = InstanceData(
            lifting_target_label=torch.as_tensor(joints[None], dtype=torch.float32),
            lifting_target_weight=torch.ones(1, 17))
        samples.append(sample)
    return samples


def test_loss_is_finite_and_a_non_finite_one_stops_before_the_step():
    head = Integral3DHead(in_channels=32, num_joints=17, depth_bins=8,
                          deconv_out_channels=(16, 16), loss=dict(type='L1Loss',
                                                                  use_target_weight=True),
                          decoder=dict(type='IntegralVolumeLabel'))
    feats = (torch.randn(2, 32, 4, 4), )
    target = np.random.default_rng(0).uniform(-0.3, 0.3, (2, 17, 3))
    losses = head.loss(feats, _samples(target))
    assert torch.isfinite(losses['loss_pose3d']) and losses['loss_pose3d'] > 0
    target[1, 4] = np.nan
    with pytest.raises(FloatingPointError, match=r"non-finite targets: 1.*frame_1\.jpg"):
        head.loss(feats, _samples(target))
