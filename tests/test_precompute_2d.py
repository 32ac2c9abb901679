"""tools/precompute_2d.py with a small randomly initialized MMPose 2D model (nothing downloaded)."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from epipolar_plugin.apis import folder_views, h36m_layout_views, to_h36m_joints
from epipolar_plugin.fileio import load_multiview_keypoints

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY_2D_CONFIG = """
default_scope = 'mmpose'
codec = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=2)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=18, base_channels=16),
    head=dict(type='HeatmapHead', in_channels=128, out_channels=17,
              deconv_out_channels=(32, 32), deconv_kernel_sizes=(4, 4),
              loss=dict(type='KeypointMSELoss', use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=False))
test_dataloader = dict(dataset=dict(
    type='CocoDataset', metainfo=dict(from_file='configs/_base_/datasets/coco.py'),
    pipeline=[dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
              dict(type='TopdownAffine', input_size=codec['input_size']),
              dict(type='PackPoseInputs')]))
"""


@pytest.fixture(scope='module')
def tiny_2d_model(tmp_path_factory):
    """(config path, checkpoint path) of a randomly initialized COCO top-down model."""
    from mmengine.config import Config
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    folder = tmp_path_factory.mktemp('model2d')
    config = folder / 'tiny_2d.py'
    config.write_text(TINY_2D_CONFIG)
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(config)).model)
    checkpoint = folder / 'tiny_2d.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    return str(config), str(checkpoint)


def run_tool(*args):
    return subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'precompute_2d.py'), *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_h36m_layout_views_group_frames_and_boxes(tiny_dataset):
    root, _ = tiny_dataset
    views = h36m_layout_views(str(root), 'annotation_body3d/fps10/h36m_train.npz')
    names = views['image_names']
    assert names.shape == (3, 50)
    for v, camera in enumerate(views['camera_names']):
        assert all(f'.{camera}_' in str(n) for n in names[v])
    # frame f of every view is the same instant
    stamps = np.vectorize(lambda n: str(n).split('.')[0] + str(n).rsplit('_', 1)[1])(names)
    assert (stamps == stamps[:1]).all()
    boxes = views['boxes']
    assert (boxes[..., 2] > boxes[..., 0]).all() and (boxes[..., 3] > boxes[..., 1]).all()
    assert views['intrinsics'].shape == (3, 3, 3) and (views['image_size'] == 96).all()


def test_coco_joints_map_to_h36m_order():
    coco = np.zeros((1, 17, 3))
    coco[0, :, 0] = np.arange(17)
    coco[0, :, 2] = 1.0
    h36m = to_h36m_joints(coco, 'coco')
    assert h36m.shape == (1, 17, 3)
    assert h36m[0, 0, 0] == pytest.approx((11 + 12) / 2)   # pelvis: mid-hips
    assert h36m[0, 1, 0] == 12 and h36m[0, 4, 0] == 11        # right hip, left hip
    with pytest.raises(ValueError, match='cannot be mapped'):
        to_h36m_joints(np.zeros((1, 21, 3)), 'onehand10k')


def test_cli_on_h36m_layout_writes_a_keypoints_file(tiny_dataset, tiny_2d_model, tmp_path):
    root, _ = tiny_dataset
    out = tmp_path / 'kpts.npz'
    result = run_tool(*tiny_2d_model, str(out), '--h36m', str(root),
                      '--ann-file', 'annotation_body3d/fps10/h36m_test.npz', '--batch-size', '16')
    assert result.returncode == 0, result.stderr
    data = load_multiview_keypoints(str(out))
    keypoints = data['keypoints_2d']
    assert keypoints.shape == (3, 20, 17, 3)
    detected = keypoints[..., 2] > 0
    assert detected.mean() > 0.5
    assert np.isfinite(keypoints[detected]).all() and np.isnan(keypoints[~detected][:, :2]).all()
    views = h36m_layout_views(str(root), 'annotation_body3d/fps10/h36m_test.npz')
    boxes = views['boxes'][:, :, None]
    # a random network still decodes inside the crop of its person box (MMPose pads by 1.25
    # and makes it square)
    centre = (boxes[..., :2] + boxes[..., 2:]) / 2
    half = 1.25 * (boxes[..., 2:] - boxes[..., :2]).max(-1, keepdims=True) / 2
    ratio = np.abs(keypoints[..., :2] - centre) / half
    assert np.nanmax(ratio) <= 1.01
    assert np.ptp(keypoints[detected][:, 0]) > 10          # not all in one place
    assert (data['image_names'] == views['image_names']).all()
    assert 'images read: 60/60' in result.stdout


def test_cli_on_a_folder_counts_unreadable_images(tiny_dataset, tiny_2d_model, tmp_path):
    root, _ = tiny_dataset
    views = h36m_layout_views(str(root), 'annotation_body3d/fps10/h36m_test.npz')
    folder = tmp_path / 'rig'
    for v, camera in enumerate(views['camera_names']):
        os.makedirs(folder / f'cam{camera}')
        for f, name in enumerate(views['image_names'][v, :4]):
            shutil.copy(root / 'images' / str(name), folder / f'cam{camera}' / f'{f:04d}.jpg')
    (folder / f"cam{views['camera_names'][1]}" / '0002.jpg').write_bytes(b'not a jpeg')
    out = tmp_path / 'kpts.npz'
    result = run_tool(*tiny_2d_model, str(out), '--folder', str(folder))
    assert result.returncode != 0 and '--guess-intrinsics' in result.stderr + result.stdout
    result = run_tool(*tiny_2d_model, str(out), '--folder', str(folder), '--guess-intrinsics')
    assert result.returncode == 0, result.stderr
    data = load_multiview_keypoints(str(out))
    keypoints = data['keypoints_2d']
    assert keypoints.shape == (3, 4, 17, 3)
    assert np.isnan(keypoints[1, 2, :, :2]).all() and (keypoints[1, 2, :, 2] == 0).all()
    others = np.delete(keypoints.reshape(12, 17, 3), 1 * 4 + 2, axis=0)
    assert (others[..., 2] > 0).any(-1).all()
    assert 'unreadable images' in result.stderr + result.stdout
    assert 'images read: 11/12' in result.stdout
    assert data['intrinsics'][0, 0, 0] == 96 and (data['image_size'] == 96).all()


def test_folder_with_unequal_cameras_is_named(tmp_path):
    for camera, count in (('a', 2), ('b', 3)):
        os.makedirs(tmp_path / camera)
        for i in range(count):
            (tmp_path / camera / f'{i}.jpg').write_bytes(b'')
    with pytest.raises(ValueError, match="same number of images.*'a': 2, 'b': 3"):
        folder_views(str(tmp_path))
