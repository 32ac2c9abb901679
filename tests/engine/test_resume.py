"""--resume works with the pinned torch (weights_only defaults to True since torch 2.6)."""
import pickle

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import epipolar_plugin  # noqa: F401  (installs the checkpoint loading fix)


class _LinearModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, targets, mode='tensor'):
        outputs = self.linear(torch.stack(inputs) if isinstance(inputs, list) else inputs)
        if mode == 'loss':
            return dict(loss=((outputs.squeeze(-1) - targets)**2).mean())
        return outputs


class _Points(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, index):
        x = torch.tensor([index / 8.0, 1.0])
        return dict(inputs=x, targets=torch.tensor(2 * index / 8.0))


def _runner(work_dir, max_epochs, resume=False):
    return Runner(
        model=_LinearModel(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=_Points(), sampler=dict(type='DefaultSampler', shuffle=False),
                              batch_size=4, collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        param_scheduler=dict(type='MultiStepLR', milestones=[1], gamma=0.5),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        resume=resume, default_scope='mmengine', env_cfg=dict(dist_cfg=dict(backend='gloo')))


def test_plain_torch_load_refuses_mmengine_checkpoints(tmp_path):
    _runner(tmp_path, max_epochs=1).train()
    with pytest.raises(pickle.UnpicklingError):
        torch.load(tmp_path / 'epoch_1.pth')  # the failure the plugin's loader avoids


def test_resume_restores_optimizer_and_scheduler(tmp_path):
    _runner(tmp_path, max_epochs=2).train()
    saved = torch.load(tmp_path / 'epoch_2.pth', weights_only=False)
    runner = _runner(tmp_path, max_epochs=3, resume=True)
    runner.train()
    assert runner.epoch == 3
    assert runner.iter == 6
    # the MultiStepLR milestone passed before the resume stays applied
    assert runner.optim_wrapper.get_lr()['lr'][0] == pytest.approx(0.005)
    assert saved['meta']['epoch'] == 2
