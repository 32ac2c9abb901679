"""Shared test helpers: a CPU-sized version of the synthetic configs, a sample-recording hook."""
import json
import os.path as osp

from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
ANN = 'annotation_body3d/fps10/'


def tiny_config(name: str, root, work_dir, epochs: int = 3, batch_size: int = 8) -> Config:
    """``configs/<name>`` on the tiny synthetic dataset at ``root``, single-threaded loaders."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs', name))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(batch_size=batch_size, num_workers=0, persistent_workers=False)
        cfg[loader].dataset.data_root = str(root) + '/'
    for metric in cfg.val_evaluator:
        if metric.type == 'PSSMetric':
            metric.clusters_file = str(osp.join(root, 'pss_clusters.npz'))
    cfg.test_evaluator = cfg.val_evaluator
    cfg.train_cfg.update(max_epochs=epochs, val_interval=epochs)
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = str(work_dir)
    return cfg


@HOOKS.register_module()
class RecordSamplesHook(Hook):
    """Writes ``work_dir/samples_rank<r>.json``: the sample ids each training epoch saw."""

    def before_train_epoch(self, runner):
        self.seen = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.seen += [int(s.metainfo['id']) for s in data_batch['data_samples']]

    def after_train_epoch(self, runner):
        from mmengine.dist import get_rank
        path = osp.join(runner.work_dir, f'samples_rank{get_rank()}.json')
        epochs = json.load(open(path)) if osp.exists(path) else []
        json.dump(epochs + [self.seen], open(path, 'w'))
