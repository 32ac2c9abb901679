"""tools/train.py and tools/test.py expose MMPose's flags."""
import functools
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


@functools.lru_cache(maxsize=None)
def _help(tool):
    result = subprocess.run([sys.executable, osp.join(ROOT, 'tools', tool), '--help'],
                            capture_output=True, text=True, check=True)
    return result.stdout


@pytest.mark.parametrize('flag', ['--work-dir', '--resume', '--amp', '--cfg-options', '--launcher',
                                  '--local_rank', '--no-validate', '--auto-scale-lr'])
def test_train_flags(flag):
    assert flag in _help('train.py')


@pytest.mark.parametrize('flag', ['--work-dir', '--show-dir', '--dump', '--cfg-options',
                                  '--launcher', '--local_rank', '--out'])
def test_test_flags(flag):
    assert flag in _help('test.py')


def test_launchers_listed():
    assert '{none,pytorch,slurm,mpi}' in _help('train.py')


def test_make_synthetic_cli_writes_the_h36m_layout(tmp_path):
    result = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'make_synthetic.py'),
                             str(tmp_path), '--frames', '5', '--cameras', '2', '--size', '64'],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / 'annotation_body3d' / 'cameras.pkl').is_file()
    assert (tmp_path / 'annotation_body3d' / 'fps10' / 'h36m_train.npz').is_file()
    assert len(list((tmp_path / 'images').rglob('*.jpg'))) == 5 * 2 * 7
    assert 'wrote' in result.stdout
