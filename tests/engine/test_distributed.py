"""tools/dist_train.sh / dist_test.sh: two gloo processes on CPU, as MMEngine runs them."""
import json
import os
import os.path as osp
import re
import socket
import subprocess
import sys

import pytest

from mmpose.registry import DATASETS
from mmpose.utils import register_all_modules
from ..helpers import ROOT, tiny_config

METRICS = ('MPJPE', 'N-MPJPE', 'P-MPJPE', 'PSS@50', 'PSS@100')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def run(command, **kwargs):
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()), CUDA_VISIBLE_DEVICES='',
               OMP_NUM_THREADS='1')
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=600, **kwargs)


def metrics_from_log(output: str) -> dict:
    line = [ln for ln in output.splitlines() if 'Epoch(test)' in ln and 'MPJPE:' in ln][-1]
    return {key: float(re.search(rf'(?<![\w-]){re.escape(key)}: ([0-9.e-]+)', line).group(1))
            for key in METRICS}


@pytest.fixture(scope='module')
def distributed_run(prepared_tiny, tmp_path_factory):
    """Two epochs of the self-supervised config in two processes; the config file and work dir."""
    folder = tmp_path_factory.mktemp('dist')
    cfg = tiny_config('epipolar_synthetic.py', prepared_tiny, folder / 'work', epochs=2,
                      batch_size=4)
    cfg.custom_imports = dict(imports=['epipolar_plugin', 'tests.helpers'],
                              allow_failed_imports=False)
    cfg.custom_hooks = [dict(type='RecordSamplesHook')]
    cfg.env_cfg = dict(dist_cfg=dict(backend='gloo'), mp_cfg=dict(mp_start_method='fork'))
    config = str(folder / 'tiny_dist.py')
    cfg.dump(config)
    result = run(['bash', 'tools/dist_train.sh', config, '2', '--work-dir', str(folder / 'work')])
    assert result.returncode == 0, result.stderr[-3000:]
    return cfg, config, folder / 'work'


def test_each_training_sample_is_seen_once_per_epoch(distributed_run):
    cfg, _, work_dir = distributed_run
    register_all_modules()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    ids = sorted(dataset.get_data_info(i)['id'] for i in range(len(dataset)))
    ranks = [json.load(open(work_dir / f'samples_rank{r}.json')) for r in (0, 1)]
    assert len(ranks[0]) == len(ranks[1]) == 2                      # two epochs
    for epoch in range(2):
        assert sorted(ranks[0][epoch] + ranks[1][epoch]) == ids
        assert len(ranks[0][epoch]) == len(ranks[1][epoch])
    assert ranks[0][0] != ranks[0][1]                               # reshuffled per epoch


def test_two_process_evaluation_equals_one_process(distributed_run):
    _, config, work_dir = distributed_run
    checkpoint = str(work_dir / 'epoch_2.pth')
    assert osp.isfile(checkpoint)
    two = run(['bash', 'tools/dist_test.sh', config, checkpoint, '2',
               '--work-dir', str(work_dir / 'test2')])
    assert two.returncode == 0, two.stderr[-3000:]
    one = run([sys.executable, 'tools/test.py', config, checkpoint,
               '--work-dir', str(work_dir / 'test1')])
    assert one.returncode == 0, one.stderr[-3000:]
    metrics_two = metrics_from_log(two.stdout + two.stderr)
    metrics_one = metrics_from_log(one.stdout + one.stderr)
    print('2 processes:', metrics_two, '\n1 process:  ', metrics_one)
    for key in METRICS:
        assert metrics_two[key] == pytest.approx(metrics_one[key], abs=1e-6), key
