"""A tiny MMEngine training whose checkpoints are large (100 MB of buffer), so that writing one
takes long enough for a test to kill the process in the middle of it.

    python -m tests.engine.ballast_training WORK_DIR MAX_EPOCHS [--resume]
"""
import sys

import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import epipolar_plugin  # noqa: F401  (checkpoint loading and saving)

BALLAST_FLOATS = 25_000_000      # 100 MB of float32 in every checkpoint


class BallastModel(BaseModel):
    """A linear model with a large buffer that training never changes."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)
        self.register_buffer('ballast', torch.zeros(BALLAST_FLOATS))

    def forward(self, inputs, targets, mode='tensor'):
        outputs = self.linear(torch.stack(inputs) if isinstance(inputs, list) else inputs)
        if mode == 'loss':
            return dict(loss=((outputs.squeeze(-1) - targets)**2).mean())
        return outputs


class Points(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, index):
        return dict(inputs=torch.tensor([index / 8.0, 1.0]), targets=torch.tensor(index / 4.0))


def build_runner(work_dir: str, max_epochs: int, resume: bool) -> Runner:
    """Checkpoints every epoch, only the newest kept (MMEngine removes the older one)."""
    return Runner(
        model=BallastModel(), work_dir=work_dir,
        train_dataloader=dict(dataset=Points(), sampler=dict(type='DefaultSampler', shuffle=False),
                              batch_size=4, collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1)),
        resume=resume, default_scope='mmengine', env_cfg=dict(dist_cfg=dict(backend='gloo')))


if __name__ == '__main__':
    build_runner(sys.argv[1], int(sys.argv[2]), '--resume' in sys.argv[3:]).train()
