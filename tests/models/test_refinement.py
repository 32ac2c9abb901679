"""The refinement unit: MMPose's PoseLifter trained on pseudo labels, never on 3D ground truth."""
import os.path as osp
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from epipolar_plugin.datasets import AttachImagePrediction, RefinementInput
from ..helpers import ANN, ROOT


@pytest.fixture(scope='module')
def without_ground_truth(prepared_tiny, tmp_path_factory):
    """The tiny dataset with the training split's 3D ground truth deleted, and the image
    model's predictions (a randomly initialized image model) for both splits."""
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    root = tmp_path_factory.mktemp('no_truth')
    shutil.copytree(prepared_tiny / 'annotation_body3d', root / 'annotation_body3d')
    shutil.copy(prepared_tiny / 'pss_clusters.npz', root / 'pss_clusters.npz')
    (root / 'images').symlink_to(prepared_tiny / 'images')
    train = root / ANN / 'h36m_train.npz'
    with np.load(train) as data:
        arrays = {k: data[k] for k in data.files if k != 'S'}
    np.savez(train, **arrays)
    image_config = Config.fromfile(osp.join(ROOT, 'configs', 'epipolar_synthetic.py'))
    image_config.test_dataloader.dataset.data_root = str(root) + '/'
    image_config.dump(str(root / 'image_model.py'))
    torch.manual_seed(0)
    checkpoint = root / 'image_model.pth'
    torch.save({'state_dict': MODELS.build(image_config.model).state_dict(), 'meta': {}},
               checkpoint)
    for split in ('train', 'test'):
        result = subprocess.run(
            [sys.executable, 'tools/predict_3d.py', str(root / 'image_model.py'), str(checkpoint),
             str(root / ANN / f'h36m_{split}_image_pred.npz'), '--ann-file',
             ANN + f'h36m_{split}.npz'], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, result.stderr[-3000:]
    return root


def _config(root, work_dir, epochs=8, image_inputs=False):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'refine_synthetic.py'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = str(root) + '/'
        cfg[loader].batch_size = 16
    if image_inputs:                       # the variant that also reads the image model's 3D
        cfg.model.backbone.in_channels = 5 * 17
        for loader, split in (('train_dataloader', 'train'), ('val_dataloader', 'test')):
            pipeline = cfg[loader].dataset.pipeline
            position = [t['type'] for t in pipeline].index('RefinementInput')
            pipeline[position]['use_image_pose'] = True
            pipeline.insert(position, dict(type='AttachImagePrediction', predictions_file=str(
                root / ANN / f'h36m_{split}_image_pred.npz')))
        cfg.test_dataloader = cfg.val_dataloader
    for metric in cfg.val_evaluator:
        if metric.type == 'PSSMetric':
            metric.clusters_file = str(root / 'pss_clusters.npz')
    cfg.test_evaluator = cfg.val_evaluator
    cfg.train_cfg.update(max_epochs=epochs, val_interval=epochs)
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = str(work_dir)
    return cfg


def test_predictions_cover_every_sample_without_ground_truth(without_ground_truth):
    with np.load(without_ground_truth / ANN / 'h36m_train_image_pred.npz') as data:
        assert data['keypoints_3d'].shape == (150, 17, 3)
        assert np.isfinite(data['keypoints_3d']).all() and len(set(data['ids'])) == 150


@pytest.mark.parametrize('image_inputs', [False, True])
def test_lifter_trains_on_pseudo_labels_with_ground_truth_deleted(without_ground_truth, tmp_path,
                                                                  image_inputs):
    runner = Runner.from_cfg(_config(without_ground_truth, tmp_path, image_inputs=image_inputs))
    dataset = runner.train_dataloader.dataset
    assert not {'lifting_target', 'S'} & set(dataset.get_data_info(0))
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss_pose3d').data[0]
    assert len(losses) >= 70 and np.isfinite(losses).all()
    assert np.mean(losses[-10:]) < 0.7 * np.mean(losses[:10])
    metrics = runner.test()
    for key in ('N-MPJPE', 'P-MPJPE', 'PSS@50'):
        assert np.isfinite(metrics[key])


def test_refinement_input_is_scale_free():
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(0, 100, (1, 17, 2))
    pose = rng.normal(0, 0.3, (17, 3))
    target = rng.normal(0, 0.3, (1, 17, 3))

    def run(scale):
        results = dict(keypoints=keypoints * scale, keypoints_visible=np.ones((1, 17)),
                       bbox_scale=np.array([[120.0 * scale] * 2]), image_pose_3d=pose * scale,
                       lifting_target=target * scale, lifting_target_visible=np.ones((1, 17)))
        return RefinementInput(normalize_target=True, pose_size=1.9, use_image_pose=True)(results)

    one, two = run(1.0), run(3.0)
    assert one['keypoints'].shape == (1, 17, 5)
    planar = RefinementInput()(dict(keypoints=keypoints, keypoints_visible=np.ones((1, 17)),
                                    bbox_scale=np.array([[120.0] * 2])))
    assert planar['keypoints'].shape == (1, 17, 2)
    np.testing.assert_allclose(planar['keypoints'], one['keypoints'][..., :2], atol=1e-6)
    np.testing.assert_allclose(one['keypoints'], two['keypoints'], atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(one['lifting_target']), 1.9, rtol=1e-5)
    np.testing.assert_allclose(one['lifting_target'][0, 0], 0.0, atol=1e-6)


def test_missing_predictions_say_how_to_make_them(tmp_path):
    transform = AttachImagePrediction(str(tmp_path / 'missing.npz'))
    with pytest.raises(FileNotFoundError, match='tools/predict_3d.py'):
        transform(dict(id=0))
    np.savez(tmp_path / 'preds.npz', ids=np.array([1, 2]), keypoints_3d=np.zeros((2, 17, 3)))
    with pytest.raises(KeyError, match='no prediction for sample id 7'):
        AttachImagePrediction(str(tmp_path / 'preds.npz'))(dict(id=7, img_path='x.jpg'))
