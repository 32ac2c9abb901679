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
