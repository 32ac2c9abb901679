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
    # 7 subjects x 5 frames x 2 cameras, less S11's Walking_1 frame of the missing camera
    assert len(list((tmp_path / 'images').rglob('*.jpg'))) == 5 * 2 * 7 - 1
    assert not list((tmp_path / 'images').rglob('S11_Walking_1.54138969*'))
    assert 'wrote' in result.stdout


def test_make_pss_clusters_from_a_dataset_config_and_from_poses(tiny_dataset, tmp_path):
    root, _ = tiny_dataset
    config = tmp_path / 'h36m_like.py'
    config.write_text(
        f"custom_imports = dict(imports=['epipolar_plugin'], allow_failed_imports=False)\n"
        f"train_dataloader = dict(dataset=dict(type='Human36mDataset', data_root={str(root)!r},\n"
        f"    ann_file='annotation_body3d/fps10/h36m_train.npz', data_prefix=dict(img='images/'),\n"
        f"    pipeline=[]))\n")
    self_supervised = tmp_path / 'self_supervised.py'     # trains on pseudo labels, no 3D
    self_supervised.write_text(
        f"_base_ = [{osp.join(ROOT, 'configs', 'epipolar_synthetic.py')!r}]\n"
        f"train_dataloader = dict(dataset=dict(data_root={str(root) + '/'!r}))\n")
    outputs = []
    for source in (str(config), str(root / 'annotation_body3d' / 'fps10' / 'h36m_train.npz'),
                   str(self_supervised)):
        out = tmp_path / f'clusters_{len(outputs)}.npz'
        result = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'make_pss_clusters.py'),
                                 source, str(out), '--k', '5', '10'],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / f'{out.stem}_centers.png').is_file()
        outputs.append(np.load(out))
    from_config, from_poses, from_self_supervised = outputs
    # a self-supervised config's training split (no 3D ground truth, pseudo labels that do not
    # exist here): its samples' ground truth, in the dataset's order
    from epipolar_plugin.datasets import MultiViewH36MDataset
    from epipolar_plugin.evaluation import fit_pose_clusters
    dataset = MultiViewH36MDataset(
        data_root=str(root), ann_file='annotation_body3d/fps10/h36m_train.npz',
        camera_param_file='annotation_body3d/cameras.pkl', data_prefix=dict(img='images/'))
    truth = np.stack([dataset.get_data_info(i)['lifting_target'][0] for i in range(len(dataset))])
    np.testing.assert_allclose(from_self_supervised['centers_10'],
                               fit_pose_clusters(truth, 10, seed=0), atol=1e-6)
    assert list(from_self_supervised['joint_names']) == list(from_poses['joint_names'])
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


def test_make_pss_clusters_reads_mpi_inf_3dhp_in_the_plugins_joint_order(tiny_dataset, tmp_path):
    """MPI-INF-3DHP's annotation lists head top first: its clusters come out in Human3.6M's
    order (the same centres as from the same poses in the Human3.6M layout), and PSSMetric
    refuses clusters of another joint order."""
    from epipolar_plugin.evaluation import PSSMetric, load_pose_clusters
    from .mpi_inf_3dhp_layout import write_mpi_inf_3dhp_layout
    root, _ = tiny_dataset
    write_mpi_inf_3dhp_layout(root, tmp_path / '3dhp')
    tool = osp.join(ROOT, 'tools', 'make_pss_clusters.py')
    sources = (str(tmp_path / '3dhp' / 'annotations' / 'mpi_inf_3dhp_train.npz'),
               str(root / 'annotation_body3d' / 'fps10' / 'h36m_train.npz'))
    for index, source in enumerate(sources):
        result = subprocess.run([sys.executable, tool, source, str(tmp_path / f'c{index}.npz'),
                                 '--k', '5'], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    from_3dhp, from_h36m = (load_pose_clusters(str(tmp_path / f'c{i}.npz'), [5]) for i in (0, 1))
    assert 'MPI-INF-3DHP' in from_3dhp['source']
    assert from_3dhp['joint_names'] == from_h36m['joint_names']
    np.testing.assert_allclose(from_3dhp['centers'][5], from_h36m['centers'][5], atol=1e-6)

    # clusters of poses in MPI-INF-3DHP's own order (what the tool fitted before) are refused
    poses = np.load(sources[0])['S'][..., :3]
    np.savez(tmp_path / 'raw.npz', poses=poses,
             joint_names=np.array(['head_top'] + [f'joint_{j}' for j in range(1, 17)]))
    result = subprocess.run([sys.executable, tool, str(tmp_path / 'raw.npz'),
                             str(tmp_path / 'raw_clusters.npz'), '--k', '5'],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    metric = PSSMetric(clusters_file=str(tmp_path / 'raw_clusters.npz'), k=5)
    metric.dataset_meta = dict(keypoint_id2name=dict(enumerate(from_h36m['joint_names'])))
    pose = np.asarray(poses[:1], np.float64)
    metric.process({}, [dict(pred_instances=dict(keypoints=pose),
                             gt_instances=dict(lifting_target=pose,
                                               lifting_target_visible=np.ones((1, 17))))])
    with pytest.raises(ValueError, match="first difference: joint 0, 'head_top' against 'root'"):
        metric.compute_metrics(metric.results)
    # poses without joint names need --layout to say their order
    np.savez(tmp_path / 'nameless.npz', poses=poses)
    result = subprocess.run([sys.executable, tool, str(tmp_path / 'nameless.npz'),
                             str(tmp_path / 'n.npz'), '--k', '5'], capture_output=True, text=True)
    assert result.returncode != 0 and '--layout' in result.stderr
