"""SIGKILL in the middle of an epoch, then ``tools/train.py --resume``: training finishes with the
optimizer and scheduler state of the last checkpoint, and no checkpoint is lost."""
import os
import re
import subprocess
import sys
import time

import torch

from ..helpers import ROOT, tiny_config

ITERS_PER_EPOCH = 150 // 4 + 1          # tiny training split: 150 samples, batch 4 (last: 2)


def test_sigkill_mid_epoch_then_resume_finishes_with_the_saved_state(prepared_tiny, tmp_path):
    cfg = tiny_config('epipolar_synthetic.py', prepared_tiny, tmp_path / 'work', epochs=3,
                      batch_size=4)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[1], gamma=0.1)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    config = str(tmp_path / 'tiny.py')
    cfg.dump(config)
    command = [sys.executable, 'tools/train.py', config, '--work-dir', str(tmp_path / 'work')]
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1')
    log = tmp_path / 'first.log'
    with open(log, 'w') as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                   env=env)
        deadline = time.time() + 300
        while time.time() < deadline and process.poll() is None:
            if re.search(r'Epoch\(train\) +\[2\]\[ *10/', log.read_text()):
                break
            time.sleep(0.2)
        assert process.poll() is None, log.read_text()[-3000:]
        process.kill()                                    # SIGKILL: no cleanup, no last save
        process.wait()
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
    assert not (tmp_path / 'work' / 'epoch_2.pth').exists()

    resumed = subprocess.run(command + ['--resume'], capture_output=True, text=True, cwd=ROOT,
                             env=env, timeout=600)
    output = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, output[-3000:]
    assert f'resumed epoch: 1, iter: {ITERS_PER_EPOCH}' in output
    # the resumed run starts at epoch 2 and at the learning rate after the milestone
    assert re.search(r'Epoch\(train\) +\[2\]\[ *1/\d+\] +lr: 1\.0+e-04', output), output[-3000:]
    final = torch.load(tmp_path / 'work' / 'epoch_3.pth', weights_only=False, map_location='cpu')
    assert final['meta']['epoch'] == 3 and final['meta']['iter'] == 3 * ITERS_PER_EPOCH
    # Adam's step counts continue from the checkpoint: every iteration is counted once
    steps = {float(state['step']) for state in final['optimizer']['state'].values()}
    assert steps == {3.0 * ITERS_PER_EPOCH}
    weights = torch.cat([v.flatten().float() for v in final['state_dict'].values()])
    assert torch.isfinite(weights).all()
