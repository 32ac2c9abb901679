"""Checkpoints are loaded with PyTorch's safe loader: a crafted pickle runs nothing, checkpoints
that the runner writes for every project config load and resume, full unpickling only on the
documented opt-in."""
import glob
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.config import Config
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint

from epipolar_plugin.engine import CHECKPOINT_GLOBALS, UNSAFE_ENV, load_from_local
from ..helpers import ROOT, tiny_config


class _RunsCode:
    """Pickles as a call of ``os.system`` that creates ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


@pytest.fixture
def crafted(tmp_path):
    path = tmp_path / 'crafted.pth'
    torch.save(dict(state_dict={}, meta=_RunsCode(tmp_path / 'ran')), path)
    return str(path), tmp_path / 'ran'


def test_crafted_pickle_runs_nothing_and_the_error_says_why_and_how(crafted, monkeypatch):
    monkeypatch.delenv(UNSAFE_ENV, raising=False)
    path, marker = crafted
    with pytest.raises(pickle.UnpicklingError) as error:
        _load_checkpoint(path)            # the path of --resume, load_from and init_model
    message = str(error.value)
    assert path in message and 'system' in message and f'{UNSAFE_ENV}=1' in message
    assert not marker.exists()


class _Getattr:
    """Pickles as ``getattr(owner, name)``: a message hub's buffer uses it for its statistics
    methods, an attack for anything else."""

    def __init__(self, owner, name):
        self.owner, self.name = owner, name

    def __reduce__(self):
        return getattr, (self.owner, self.name)


@pytest.mark.parametrize('owner, name', [(HistoryBuffer, '__init__'), (HistoryBuffer, '__class__'),
                                         (np.ndarray, 'tofile'), (bytes, '__subclasses__')])
def test_getattr_is_allowed_for_the_buffer_statistics_only(tmp_path, monkeypatch, owner, name):
    monkeypatch.delenv(UNSAFE_ENV, raising=False)
    path = tmp_path / 'getattr.pth'
    torch.save(dict(ok=_Getattr(HistoryBuffer, 'mean'), attack=_Getattr(owner, name)), path)
    with pytest.raises(pickle.UnpicklingError, match='refused by the safe checkpoint loader'):
        load_from_local(str(path))
    torch.save(dict(ok=_Getattr(HistoryBuffer, 'mean')), path)
    assert load_from_local(str(path))['ok'] is HistoryBuffer.mean


def test_full_unpickling_only_on_the_opt_in(crafted, monkeypatch):
    path, marker = crafted
    monkeypatch.setenv(UNSAFE_ENV, '0')
    with pytest.raises(pickle.UnpicklingError):
        _load_checkpoint(path)
    assert not marker.exists()
    monkeypatch.setenv(UNSAFE_ENV, 'yes')
    with pytest.raises(ValueError, match=UNSAFE_ENV):
        _load_checkpoint(path)
    monkeypatch.setenv(UNSAFE_ENV, '1')
    _load_checkpoint(path)
    assert marker.exists()                # the opt-in really is full unpickling


def test_the_allowed_types_stay_scoped_to_the_loader(tmp_path):
    process_wide = torch.serialization.get_safe_globals()
    assert not set(CHECKPOINT_GLOBALS) & set(process_wide)
    path = tmp_path / 'hub.pth'
    torch.save(dict(buffer=CHECKPOINT_GLOBALS[0]()), path)
    load_from_local(str(path))
    # torch registers its own types process-wide when its modules are first imported (e.g.
    # torch._dynamo), so the list may grow; the loader's types must not be in it
    assert not set(CHECKPOINT_GLOBALS) & set(torch.serialization.get_safe_globals())
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)                  # plain torch.load is as strict as before


CONFIGS = sorted(osp.basename(p) for p in glob.glob(osp.join(ROOT, 'configs', '*.py')))


def _tiny_runner_config(name, root, work_dir, epochs):
    """``configs/<name>`` trained on 2 samples of the tiny synthetic dataset (one iteration an
    epoch) with 64 x 64 crops, without validation or pretrained weights. Configs of other
    layouts (MPI-INF-3DHP, folder rigs) keep their model, optimizer, schedule and pipeline and
    train on the synthetic Human3.6M split: a checkpoint's types do not depend on the data."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs', name))
    synthetic = tiny_config('epipolar_synthetic.py', root, work_dir).train_dataloader.dataset
    dataset = cfg.train_dataloader.dataset
    if dataset.type == 'MultiViewH36MDataset' and 'mpi_inf_3dhp' not in dataset.ann_file:
        dataset.data_root = str(root) + '/'
    else:
        synthetic.pipeline = dataset.pipeline
        cfg.train_dataloader.dataset = dataset = synthetic
    dataset.indices = 2
    for step in dataset.pipeline:
        if step.type == 'TopdownAffine':
            step.input_size = (64, 64)
    cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs)
    backbone = cfg.model.get('backbone', {})
    if backbone.get('init_cfg') is not None:
        backbone.init_cfg = None           # torchvision://resnet50 would be downloaded
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.work_dir = str(work_dir)
    return cfg


@pytest.mark.parametrize('name', CONFIGS)
def test_runner_checkpoints_of_every_config_load_safely_and_resume(name, prepared_tiny,
                                                                   tmp_path):
    work_dir = tmp_path / 'work'
    Runner.from_cfg(_tiny_runner_config(name, prepared_tiny, work_dir, epochs=1)).train()
    path = str(work_dir / 'epoch_1.pth')
    with torch.serialization.safe_globals(CHECKPOINT_GLOBALS):     # what it holds is allowed
        assert torch.serialization.get_unsafe_globals_in_checkpoint(path) == []
    checkpoint = load_from_local(path)
    assert checkpoint['meta']['epoch'] == 1 and checkpoint['message_hub']['log_scalars']

    # --resume (training on from a checkpoint is tested in test_resume.py and the kill tests)
    cfg = _tiny_runner_config(name, prepared_tiny, work_dir, epochs=1)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()                           # resumes at the end of epoch 1: nothing left
    assert runner.epoch == 1 and runner.iter == 1
    steps = [float(s['step']) for s in runner.optim_wrapper.optimizer.state.values()]
    assert steps and set(steps) == {1.0}      # Adam's state came back from the checkpoint
    assert runner.message_hub.get_scalar('train/loss').current() == pytest.approx(
        checkpoint['message_hub']['log_scalars']['train/loss'].current())
