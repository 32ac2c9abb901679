"""The synthetic configs build, train a few iterations with the loss going down, and evaluate."""
import numpy as np
import pytest
from mmengine.runner import Runner

from .helpers import tiny_config


@pytest.mark.parametrize('name', ['epipolar_synthetic.py', 'supervised_synthetic.py'])
def test_a_few_epochs_reduce_the_loss_and_evaluate(name, prepared_tiny, tmp_path):
    runner = Runner.from_cfg(tiny_config(name, prepared_tiny, tmp_path))
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss_pose3d').data[0]
    assert len(losses) >= 40 and np.isfinite(losses).all()
    assert np.mean(losses[-8:]) < 0.8 * np.mean(losses[:8])
    metrics = runner.test()
    for key in ('MPJPE', 'N-MPJPE', 'P-MPJPE', 'PSS@50', 'PSS@100'):
        assert np.isfinite(metrics[key])


def test_self_supervised_training_data_hold_no_ground_truth(prepared_tiny, tmp_path):
    cfg = tiny_config('epipolar_synthetic.py', prepared_tiny, tmp_path)
    dataset = Runner.build_dataloader(cfg.train_dataloader).dataset
    info = dataset.get_data_info(0)
    assert not {'S', 'lifting_target', 'lifting_target_visible', 'lifting_target_root'} & set(info)
    assert 'pseudo_label' in info
    packed = dataset[0]['data_samples']
    assert packed.gt_instance_labels.lifting_target_label.shape == (1, 17, 3)
