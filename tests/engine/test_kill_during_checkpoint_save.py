"""Training killed with SIGKILL while a checkpoint is being saved resumes from the last complete
checkpoint: every ``.pth`` under its final name is complete and ``last_checkpoint`` names one.

The training (``ballast_training.py``) keeps one checkpoint (``max_keep_ckpts=1``), the setting
in which MMEngine's own order (remove the old checkpoint, then write the new one in place)
loses both.
"""
import os
import subprocess
import sys
import time

import pytest
import torch

from epipolar_plugin.engine import load_from_local
from ..helpers import ROOT

ENV = dict(os.environ, CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1')


def _command(work_dir, max_epochs, *extra):
    return [sys.executable, '-m', 'tests.engine.ballast_training', str(work_dir),
            str(max_epochs), *extra]


def _checkpoint_entries(work_dir):
    """{name: (inode, size, mtime)} of the checkpoint files and temporaries in ``work_dir``."""
    out = {}
    for entry in os.scandir(work_dir):
        if entry.name.endswith('.pth') or 'last_checkpoint' in entry.name:
            try:
                stat = entry.stat()
            except FileNotFoundError:       # renamed or removed between listing and stat
                continue
            out[entry.name] = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    return out


def _read(path):
    try:
        with open(path) as file:
            return file.read()
    except FileNotFoundError:
        return ''


def _kill_during_second_save(work_dir, changes_before_kill):
    """Run 3 epochs; once epoch 1's checkpoint is complete and named by ``last_checkpoint``,
    SIGKILL at the ``changes_before_kill``-th change of the checkpoint files."""
    process = subprocess.Popen(_command(work_dir, 3), cwd=ROOT, env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last = os.path.join(work_dir, 'last_checkpoint')
    before, seen, deadline = None, 0, time.time() + 300
    while process.poll() is None and time.time() < deadline:
        if before is None:
            if _read(last).endswith('epoch_1.pth'):
                before = _checkpoint_entries(work_dir)
            continue
        now = _checkpoint_entries(work_dir)
        if now != before:
            seen, before = seen + 1, now
            if seen == changes_before_kill:
                process.kill()
                break
    process.wait()
    assert seen == changes_before_kill, 'the second save finished before it could be killed'


@pytest.mark.parametrize('changes_before_kill', [1, 2])
def test_kill_during_checkpoint_save_resumes_from_the_last_complete_one(
        tmp_path, changes_before_kill):
    work_dir = tmp_path / 'work'
    _kill_during_second_save(work_dir, changes_before_kill)
    # every checkpoint under its final name is complete, and last_checkpoint names one
    finals = sorted(p for p in os.listdir(work_dir) if p.endswith('.pth') and p[0] != '.')
    assert finals, os.listdir(work_dir)
    for name in finals:
        assert load_from_local(str(work_dir / name))['meta']['epoch'] >= 1
    named = (work_dir / 'last_checkpoint').read_text()
    assert os.path.basename(named) in finals

    resumed = subprocess.run(_command(work_dir, 3, '--resume'), cwd=ROOT, env=ENV,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, (resumed.stdout + resumed.stderr)[-3000:]
    final = load_from_local(str(work_dir / 'epoch_3.pth'))
    assert final['meta']['epoch'] == 3 and final['meta']['iter'] == 3 * 2
    assert torch.isfinite(final['state_dict']['linear.weight']).all()
    # the outdated checkpoints are removed (epoch_1.pth stays only when the kill came between
    # pointing last_checkpoint at epoch_2.pth and removing epoch_1.pth), and the killed
    # save's temporary is gone
    kept = sorted(p for p in os.listdir(work_dir) if p.endswith('.pth'))
    assert kept in (['epoch_3.pth'], ['epoch_1.pth', 'epoch_3.pth'])
    assert not [p for p in os.listdir(work_dir) if p.startswith('.')]


def _best_checkpoints(work_dir):
    """Names of the complete best checkpoints (final names; temporaries start with '.')."""
    return sorted(p for p in os.listdir(work_dir) if p.startswith('best_') and p.endswith('.pth'))


@pytest.mark.parametrize('kill_when', ['writing', 'written'])
def test_kill_during_best_checkpoint_save_leaves_a_complete_best(tmp_path, kill_when):
    """The second validation's best checkpoint is being saved: SIGKILL at the first change of
    the best checkpoints' files ('writing'), or once the new best is under its final name
    ('written': before the previous best is removed). At every moment watched, and after the
    kill, a best checkpoint exists under its final name and loads."""
    work_dir = tmp_path / 'work'
    process = subprocess.Popen(_command(work_dir, 3, '--save-best'), cwd=ROOT, env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last = os.path.join(work_dir, 'last_checkpoint')
    before, without_best, deadline = None, [], time.time() + 300
    while process.poll() is None and time.time() < deadline:
        if before is None:      # epoch 2's regular checkpoint saved, its validation next
            if _read(last).endswith('epoch_2.pth') and _best_checkpoints(work_dir):
                before = {k: v for k, v in _checkpoint_entries(work_dir).items() if 'best' in k}
            continue
        now = {k: v for k, v in _checkpoint_entries(work_dir).items() if 'best' in k}
        if not [name for name in now if name.startswith('best_')]:
            without_best.append(sorted(now))
        if now != before and (kill_when == 'writing' or 'best_mse_epoch_2.pth' in now):
            process.kill()
            break
    process.wait()
    assert process.returncode == -9, 'the second best checkpoint was saved before the kill'
    assert not without_best, f'moments without a best checkpoint: {without_best[:3]}'
    best = _best_checkpoints(work_dir)
    assert best, os.listdir(work_dir)
    for name in best:
        checkpoint = load_from_local(str(work_dir / name))
        assert name == f"best_mse_epoch_{checkpoint['meta']['epoch']}.pth"
        assert torch.isfinite(checkpoint['state_dict']['linear.weight']).all()
    if kill_when == 'writing':
        assert 'best_mse_epoch_1.pth' in best
    else:       # killed between saving the new best and removing the previous one
        assert best == ['best_mse_epoch_1.pth', 'best_mse_epoch_2.pth']


def test_previous_best_removed_only_after_the_new_one_is_saved(tmp_path, monkeypatch):
    """Two indicators, one improving every epoch (``mse``, less), one never after the first
    (``mse_copy``, greater): each previous best is removed only when its successor exists, and
    the indicator that does not improve keeps its first best checkpoint."""
    from mmengine.fileio import LocalBackend

    from . import ballast_training
    monkeypatch.setattr(ballast_training, 'BALLAST_FLOATS', 10)
    removals, remove = [], LocalBackend.remove

    def recording_remove(backend, path):
        removals.append((os.path.basename(path), _best_checkpoints(tmp_path)))
        remove(backend, path)

    monkeypatch.setattr(LocalBackend, 'remove', recording_remove)
    ballast_training.build_runner(str(tmp_path), 3, save_best=['mse', 'mse_copy'],
                                  rule=['less', 'greater']).train()
    best_removals = [(name, present) for name, present in removals if name.startswith('best_')]
    assert [name for name, _ in best_removals] == ['best_mse_epoch_1.pth', 'best_mse_epoch_2.pth']
    for (name, present), successor in zip(best_removals, ('best_mse_epoch_2.pth',
                                                          'best_mse_epoch_3.pth')):
        assert successor in present, (name, present)
    assert _best_checkpoints(tmp_path) == ['best_mse_copy_epoch_1.pth', 'best_mse_epoch_3.pth']
