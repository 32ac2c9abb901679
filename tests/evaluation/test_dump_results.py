"""``tools/test.py --dump``: the predictions' pickle is written atomically (AtomicDumpResults,
also under MMEngine's name DumpResults)."""
import os
import pickle
import subprocess
import sys

import pytest
import torch
from mmengine.fileio import LocalBackend

from epipolar_plugin.evaluation import AtomicDumpResults
from mmpose.registry import DATASETS, METRICS, MODELS
from ..helpers import ROOT, tiny_config

PREVIOUS = [{'pred_instances': {'keypoints': [[0.0, 1.0, 2.0]]}}]


def _failing_put(backend, obj, filepath):
    """A write that stops halfway (a full disk): half of the bytes, then an error."""
    with open(filepath, 'wb') as file:
        file.write(obj[:len(obj) // 2])
    raise OSError(28, 'No space left on device')


@pytest.mark.parametrize('name', ['AtomicDumpResults', 'DumpResults'])
def test_a_failed_dump_keeps_the_previous_pickle(tmp_path, monkeypatch, name):
    path = tmp_path / 'predictions.pkl'
    path.write_bytes(pickle.dumps(PREVIOUS))
    metric = METRICS.build(dict(type=name, out_file_path=str(path)))
    assert isinstance(metric, AtomicDumpResults)
    monkeypatch.setattr(LocalBackend, 'put', _failing_put)
    with pytest.raises(OSError, match='No space left'):
        metric.compute_metrics([{'pred_instances': {'keypoints': torch.zeros(1, 17, 3)}}] * 50)
    assert pickle.loads(path.read_bytes()) == PREVIOUS
    assert os.listdir(tmp_path) == ['predictions.pkl']     # no temporary left


def test_dump_writes_into_a_new_folder(tmp_path):
    path = tmp_path / 'new' / 'predictions.pkl'
    metric = AtomicDumpResults(str(path))
    assert metric.compute_metrics(PREVIOUS) == {}
    assert pickle.loads(path.read_bytes()) == PREVIOUS


def test_test_tool_dumps_every_prediction(prepared_tiny, tmp_path):
    from mmpose.utils import register_all_modules
    register_all_modules()
    cfg = tiny_config('epipolar_synthetic.py', prepared_tiny, tmp_path / 'work')
    config = str(tmp_path / 'tiny.py')
    cfg.dump(config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    checkpoint = tmp_path / 'random.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    dump = tmp_path / 'out' / 'predictions.pkl'
    result = subprocess.run(
        [sys.executable, 'tools/test.py', config, str(checkpoint), '--dump', str(dump)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr[-3000:]
    predictions = pickle.loads(dump.read_bytes())
    assert len(predictions) == len(DATASETS.build(cfg.test_dataloader.dataset)) > 0
    assert predictions[0]['pred_instances']['keypoints'].shape == (1, 17, 3)
    assert os.listdir(dump.parent) == ['predictions.pkl']
    bad = subprocess.run([sys.executable, 'tools/test.py', config, str(checkpoint), '--dump',
                          str(tmp_path / 'predictions.json')],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert bad.returncode != 0 and '--dump must name a .pkl or .pickle file' in bad.stderr
