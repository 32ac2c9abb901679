"""The synthetic configs build, train a few iterations with the loss going down, and evaluate."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from epipolar_plugin.evaluation import fit_pose_clusters, save_pose_clusters
from epipolar_plugin.fileio import load_multiview_keypoints, save_pseudo_labels
from epipolar_plugin.geometry import make_pseudo_labels

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
ANN = 'annotation_body3d/fps10/'


@pytest.fixture(scope='module')
def prepared(tiny_dataset):
    root, _ = tiny_dataset
    keypoints = load_multiview_keypoints(str(root / ANN / 'h36m_train_multiview_2d.npz'))
    labels = make_pseudo_labels(keypoints['keypoints_2d'], keypoints['intrinsics'],
                                keypoints['distortion'], ransac_threshold_px=0.5,
                                outlier_threshold_px=3)
    save_pseudo_labels(str(root / ANN / 'h36m_train_pseudo_labels.npz'), labels)
    poses = np.load(root / ANN / 'h36m_train.npz')['S'][..., :3]
    save_pose_clusters(str(root / 'pss_clusters.npz'), {50: fit_pose_clusters(poses, 50),
                                                        100: fit_pose_clusters(poses, 100)},
                       [f'j{i}' for i in range(17)], 0, 'test', len(poses))
    return root


def _config(name, root, work_dir, epochs=3):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', name))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(batch_size=8, num_workers=0, persistent_workers=False)
        cfg[loader].dataset.data_root = str(root) + '/'
    for metric in cfg.val_evaluator:
        if metric.type == 'PSSMetric':
            metric.clusters_file = str(root / 'pss_clusters.npz')
    cfg.test_evaluator = cfg.val_evaluator
    cfg.train_cfg.update(max_epochs=epochs, val_interval=epochs)
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = str(work_dir)
    return cfg


@pytest.mark.parametrize('name', ['epipolar_synthetic.py', 'supervised_synthetic.py'])
def test_a_few_epochs_reduce_the_loss_and_evaluate(name, prepared, tmp_path):
    runner = Runner.from_cfg(_config(name, prepared, tmp_path))
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss_pose3d').data[0]
    assert len(losses) >= 40 and np.isfinite(losses).all()
    assert np.mean(losses[-8:]) < 0.8 * np.mean(losses[:8])
    metrics = runner.test()
    for key in ('MPJPE', 'N-MPJPE', 'P-MPJPE', 'PSS@50', 'PSS@100'):
        assert np.isfinite(metrics[key])


def test_self_supervised_training_data_hold_no_ground_truth(prepared, tmp_path):
    cfg = _config('epipolar_synthetic.py', prepared, tmp_path)
    dataset = Runner.build_dataloader(cfg.train_dataloader).dataset
    info = dataset.get_data_info(0)
    assert not {'S', 'lifting_target', 'lifting_target_visible'} & set(info)
    assert 'pseudo_label' in info
    packed = dataset[0]['data_samples']
    assert packed.gt_instance_labels.lifting_target_label.shape == (1, 17, 3)
