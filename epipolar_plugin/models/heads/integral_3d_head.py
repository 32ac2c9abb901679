"""``Integral3DHead``: deconvolutions, a volumetric heatmap and a soft-argmax (Sun et al. 2018)."""
from typing import Optional, Sequence, Tuple

import torch
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import KEYPOINT_CODECS, MODELS


def soft_argmax_3d(volumes: Tensor) -> Tensor:
    """Expected coordinates of softmax-normalized volumes.

    Args:
        volumes: (B, K, D, H, W) logits.

    Returns:
        (B, K, 3) (x, y, z) in [-0.5, 0.5]: x along W, y along H, z along D, each the
        expectation over bin centres ``(i + 0.5) / n - 0.5``.
    """
    batch, joints, depth, height, width = volumes.shape
    probs = torch.softmax(volumes.reshape(batch, joints, -1).float(), dim=-1)
    probs = probs.reshape(batch, joints, depth, height, width)

    def centres(n):
        return (torch.arange(n, device=volumes.device, dtype=probs.dtype) + 0.5) / n - 0.5

    x = (probs.sum(dim=(2, 3)) * centres(width)).sum(-1)
    y = (probs.sum(dim=(2, 4)) * centres(height)).sum(-1)
    z = (probs.sum(dim=(3, 4)) * centres(depth)).sum(-1)
    return torch.stack([x, y, z], dim=-1)


@MODELS.register_module()
class Integral3DHead(BaseHead):
    """Deconvolution layers, a 1x1 conv to K x D channels (a (D, H, W) volume per joint) and a
    soft-argmax over each whole volume: the integral regression of EpipolarPose / Sun et al.

    Targets are ``gt_instance_labels.lifting_target_label`` (B, K, 3) in [-0.5, 0.5] with
    weights ``lifting_target_weight`` (B, K) (from the codec); ``predict`` decodes
    with the codec into root-relative camera-frame keypoints (see the codec for depth and scale).

    Args:
        in_channels: channels of the backbone's last feature map.
        num_joints: K.
        depth_bins: D (the paper: 64).
        deconv_out_channels: channels of each deconvolution (stride 2, kernel 4); the paper
            uses (256, 256, 256), making a 8 x 8 feature map 64 x 64.
        skip_channels: channels of earlier backbone stages added to the deconvolutions'
            outputs of the same size (1x1 conv + BN each, as in U-Net / FPN), the deepest first:
            with ``out_indices=(0, 1, 2, 3)`` on a ResNet-18, ``(256, 128, 64)``
            (``configs/epipolar_synthetic.py``). The paper has none (its 256 x 256 crops leave
            an 8 x 8 map); small crops end in a 2 x 2 map that has lost where thin limbs are.
            None: no skips.
        loss: a weighted coordinate loss config (default ``L1Loss`` with target weights).
        decoder: codec config (``PixelDepthVolumeLabel`` or ``IntegralVolumeLabel``).
    """

    def __init__(self, in_channels: int, num_joints: int = 17, depth_bins: int = 64,
                 deconv_out_channels: Sequence[int] = (256, 256, 256),
                 skip_channels: Optional[Sequence[int]] = None,
                 loss: dict = dict(type='L1Loss', use_target_weight=True),
                 decoder: Optional[dict] = None, init_cfg: Optional[dict] = None) -> None:
        if init_cfg is None:
            init_cfg = [dict(type='Normal', layer=['ConvTranspose2d'], std=0.001),
                        dict(type='Normal', layer=['Conv2d'], std=0.001),
                        dict(type='Constant', layer='BatchNorm2d', val=1)]
        super().__init__(init_cfg)
        self.num_joints, self.depth_bins = num_joints, depth_bins
        skip_channels = tuple(skip_channels or ())
        if len(skip_channels) > len(deconv_out_channels):
            raise ValueError(f'{len(skip_channels)} skip_channels for only '
                             f'{len(deconv_out_channels)} deconvolutions')
        layers, self.skip_layers, channels = [], nn.ModuleList(), in_channels
        for index, out_channels in enumerate(deconv_out_channels):
            layers += [nn.ConvTranspose2d(channels, out_channels, 4, stride=2, padding=1,
                                          bias=False),
                       nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]
            if index < len(skip_channels):
                self.skip_layers.append(nn.Sequential(
                    nn.Conv2d(skip_channels[index], out_channels, 1, bias=False),
                    nn.BatchNorm2d(out_channels)))
            channels = out_channels
        self.deconv_layers = nn.Sequential(*layers)      # (deconv, BN, ReLU) per layer
        self.final_layer = nn.Conv2d(channels, num_joints * depth_bins, 1)
        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder is not None else None

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        """(B, K, 3) normalized coordinates from the last feature map (and, with skips, the
        earlier ones: ``feats[-2]`` joins the first deconvolution's output, and so on)."""
        if len(feats) < len(self.skip_layers) + 1:
            raise ValueError(f'{len(self.skip_layers)} skip connections need as many earlier '
                             f'backbone outputs, got {len(feats)} feature maps (out_indices)')
        x = feats[-1]
        for index in range(len(self.deconv_layers) // 3):
            deconv, norm, relu = self.deconv_layers[3 * index:3 * index + 3]
            x = norm(deconv(x))
            if index < len(self.skip_layers):
                x = x + self.skip_layers[index](feats[-2 - index])
            x = relu(x)
        volume = self.final_layer(x)
        batch, _, height, width = volume.shape
        volume = volume.reshape(batch, self.num_joints, self.depth_bins, height, width)
        return soft_argmax_3d(volume)

    def loss(self, feats: Tuple[Tensor], batch_data_samples, train_cfg: dict = {}) -> dict:
        pred = self.forward(feats)
        labels = [s.gt_instance_labels for s in batch_data_samples]
        target = torch.cat([d.lifting_target_label for d in labels]).to(pred)
        weight = torch.cat([d.lifting_target_weight for d in labels]).to(pred)
        loss = self.loss_module(pred, target, weight)
        if not torch.isfinite(loss):   # stop before the optimizer step: weights stay finite
            images = [s.metainfo.get('img_path') for s in batch_data_samples]
            raise FloatingPointError(
                f'non-finite 3D loss ({loss.item()}); non-finite targets: '
                f'{int((~torch.isfinite(target)).any(-1).sum())}, predictions: '
                f'{int((~torch.isfinite(pred)).any(-1).sum())} joints; batch images: {images}')
        with torch.no_grad():
            error = ((pred - target).norm(dim=-1) * weight).sum() / weight.sum().clamp(min=1)
        return dict(loss_pose3d=loss, mpjpe_normalized=error)

    def predict(self, feats: Tuple[Tensor], batch_data_samples, test_cfg: dict = {}):
        """InstanceData per sample: ``keypoints`` (1, K, 3) and ``keypoint_scores`` (1, K)."""
        pred = self.forward(feats).detach().cpu().numpy()
        results = []
        for coords, sample in zip(pred, batch_data_samples):
            keypoints, scores = self.decoder.decode(coords[None], sample.metainfo)
            results.append(InstanceData(keypoints=keypoints, keypoint_scores=scores))
        return results
