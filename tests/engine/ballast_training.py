"""A tiny MMEngine training whose checkpoints are large (100 MB of buffer), so that writing one
takes long enough for a test to kill the process in the middle of it.

    python -m tests.engine.ballast_training WORK_DIR MAX_EPOCHS [--resume] [--save-best]

``--save-best``: validation after every epoch and the best checkpoint by the mean squared error
(``save_best='mse'``), which falls with every epoch.
"""
import sys

import torch
from mmengine.evaluator import BaseMetric, Evaluator
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


class SquaredError(BaseMetric):
    """``mse``: the mean squared error of the predictions; ``mse_copy``: the same number."""

    def process(self, data_batch, data_samples):
        for prediction, target in zip(data_samples, data_batch['targets']):
            self.results.append(float((prediction.squeeze() - target)**2))

    def compute_metrics(self, results):
        mse = sum(results) / len(results)
        return dict(mse=mse, mse_copy=mse)


def build_runner(work_dir: str, max_epochs: int, resume: bool = False, save_best=None,
                 rule=None) -> Runner:
    """Checkpoints every epoch, only the newest kept (MMEngine removes the older one);
    ``save_best`` and ``rule`` (CheckpointHook's): validation after every epoch."""
    loader = dict(dataset=Points(), sampler=dict(type='DefaultSampler', shuffle=False),
                  batch_size=4, collate_fn=dict(type='default_collate'))
    validation = {} if save_best is None else dict(
        val_dataloader=loader, val_cfg=dict(), val_evaluator=Evaluator(SquaredError()))
    return Runner(
        model=BallastModel(), work_dir=work_dir, train_dataloader=loader,
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=1),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1,
                                           save_best=save_best, rule=rule)),
        resume=resume, default_scope='mmengine', randomness=dict(seed=0),
        env_cfg=dict(dist_cfg=dict(backend='gloo')), **validation)


if __name__ == '__main__':
    build_runner(sys.argv[1], int(sys.argv[2]), '--resume' in sys.argv[3:],
                 save_best='mse' if '--save-best' in sys.argv[3:] else None, rule='less').train()
