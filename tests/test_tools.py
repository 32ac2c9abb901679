"""tools/train.py and tools/test.py expose MMPose's flags."""
import functools
import os.path as osp
import subprocess
import sys

import numpy as np
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


def test_make_pss_clusters_from_a_dataset_config_and_from_poses(tiny_dataset, tmp_path):
    root, _ = tiny_dataset
    config = tmp_path / 'h36m_like.py'
    config.write_text(
        f"custom_imports = dict(imports=['epipolar_plugin'], allow_failed_imports=False)\n"
        f"train_dataloader = dict(dataset=dict(type='Human36mDataset', data_root={str(root)!r},\n"
        f"    ann_file='annotation_body3d/fps10/h36m_train.npz', data_prefix=dict(img='images/'),\n"
        f"    pipeline=[]))\n")
    outputs = []
    for source in (str(config), str(root / 'annotation_body3d' / 'fps10' / 'h36m_train.npz')):
        out = tmp_path / f'clusters_{len(outputs)}.npz'
        result = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'make_pss_clusters.py'),
                                 source, str(out), '--k', '5', '10'],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / f'{out.stem}_centers.png').is_file()
        outputs.append(np.load(out))
    from_config, from_poses = outputs
    assert list(from_config['ks']) == [5, 10] and from_config['centers_10'].shape == (10, 51)
    assert from_config['joint_names'][0] == 'root' and int(from_config['num_poses']) == 150
    # the config reads the same ground truth as the annotation file: the same clusters
    np.testing.assert_allclose(from_config['centers_10'], from_poses['centers_10'], atol=1e-5)


def test_demo_writes_a_picture_and_joints(tmp_path, tiny_dataset):
    import json

    import torch
    from mmengine.config import Config

    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    config = osp.join(ROOT, 'configs', 'epipolar_synthetic.py')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    checkpoint = tmp_path / 'random.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    root, _ = tiny_dataset
    image = sorted((root / 'images' / 'S9').rglob('*.jpg'))[0]
    out = tmp_path / 'demo.png'
    result = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'demo.py'), str(image),
                             config, str(checkpoint), '--box', '10', '5', '80', '90',
                             '--out', str(out)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 10_000
    joints = json.loads((tmp_path / 'demo.json').read_text())['joints']
    pose = np.array(list(joints.values()))
    assert pose.shape == (17, 3) and np.isfinite(pose).all()
    assert list(joints)[:2] == ['root', 'right_hip']      # names from the h36m metainfo
    bad = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'demo.py'),
                          str(tmp_path / 'missing.jpg'), config, str(checkpoint)],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode != 0 and 'cannot read image' in bad.stderr
