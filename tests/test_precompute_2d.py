"""tools/precompute_2d.py with a small randomly initialized MMPose 2D model (nothing downloaded)
or the annotation's 2D, on the Human3.6M, MPI-INF-3DHP and folder layouts."""
import importlib.util
import os
import os.path as osp
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from epipolar_plugin.apis import (annotation_keypoints, annotation_views, folder_views,
                                  to_h36m_joints)
from epipolar_plugin.fileio import load_multiview_keypoints
from .mpi_inf_3dhp_layout import write_mpi_inf_3dhp_layout

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY_2D_CONFIG = """
default_scope = 'mmpose'
codec = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=2)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=18, base_channels=16),
    head=dict(type='HeatmapHead', in_channels=128, out_channels=17,
              deconv_out_channels=(32, 32), deconv_kernel_sizes=(4, 4),
              loss=dict(type='KeypointMSELoss', use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=False))
test_dataloader = dict(dataset=dict(
    type='CocoDataset', metainfo=dict(from_file='configs/_base_/datasets/coco.py'),
    pipeline=[dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
              dict(type='TopdownAffine', input_size=codec['input_size']),
              dict(type='PackPoseInputs')]))
"""


@pytest.fixture(scope='module')
def tiny_2d_model(tmp_path_factory):
    """(config path, checkpoint path) of a randomly initialized COCO top-down model."""
    from mmengine.config import Config
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    folder = tmp_path_factory.mktemp('model2d')
    config = folder / 'tiny_2d.py'
    config.write_text(TINY_2D_CONFIG)
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(config)).model)
    checkpoint = folder / 'tiny_2d.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    return str(config), str(checkpoint)


def run_tool(*args):
    return subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'precompute_2d.py'), *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_annotation_views_group_frames_and_boxes(tiny_dataset):
    root, _ = tiny_dataset
    views = annotation_views(str(root), 'annotation_body3d/fps10/h36m_train.npz')
    names = views['image_names']
    assert names.shape == (3, 50)
    for v, camera in enumerate(views['camera_names']):
        assert all(f'.{camera}_' in str(n) for n in names[v])
    # frame f of every view is the same instant
    stamps = np.vectorize(lambda n: str(n).split('.')[0] + str(n).rsplit('_', 1)[1])(names)
    assert (stamps == stamps[:1]).all()
    boxes = views['boxes']
    assert (boxes[..., 2] > boxes[..., 0]).all() and (boxes[..., 3] > boxes[..., 1]).all()
    assert views['intrinsics'].shape == (3, 3, 3) and (views['image_size'] == 96).all()
    # Human3.6M calibrated per subject: session = subject number (S1 -> 1, S5 -> 5)
    subjects = [int(str(n).split('/')[0][1:]) for n in names[0]]
    np.testing.assert_array_equal(views['session'], subjects)
    assert set(views['session']) == {1, 5, 6, 7, 8}


def test_coco_joints_map_to_h36m_order():
    coco = np.zeros((1, 17, 3))
    coco[0, :, 0] = np.arange(17)
    coco[0, :, 2] = 1.0
    h36m = to_h36m_joints(coco, 'coco')
    assert h36m.shape == (1, 17, 3)
    assert h36m[0, 0, 0] == pytest.approx((11 + 12) / 2)   # pelvis: mid-hips
    assert h36m[0, 1, 0] == 12 and h36m[0, 4, 0] == 11        # right hip, left hip
    with pytest.raises(ValueError, match='cannot be mapped'):
        to_h36m_joints(np.zeros((1, 21, 3)), 'onehand10k')


def test_cli_on_h36m_layout_writes_a_keypoints_file(tiny_dataset, tiny_2d_model, tmp_path):
    root, _ = tiny_dataset
    out = tmp_path / 'kpts.npz'
    result = run_tool(*tiny_2d_model, str(out), '--h36m', str(root),
                      '--ann-file', 'annotation_body3d/fps10/h36m_test.npz', '--batch-size', '16')
    assert result.returncode == 0, result.stderr
    data = load_multiview_keypoints(str(out))
    keypoints = data['keypoints_2d']
    assert keypoints.shape == (3, 20, 17, 3)
    detected = keypoints[..., 2] > 0
    assert detected.mean() > 0.5
    assert np.isfinite(keypoints[detected]).all() and np.isnan(keypoints[~detected][:, :2]).all()
    views = annotation_views(str(root), 'annotation_body3d/fps10/h36m_test.npz')
    boxes = views['boxes'][:, :, None]
    # a random network still decodes inside the crop of its person box (MMPose pads by 1.25
    # and makes it square)
    centre = (boxes[..., :2] + boxes[..., 2:]) / 2
    half = 1.25 * (boxes[..., 2:] - boxes[..., :2]).max(-1, keepdims=True) / 2
    ratio = np.abs(keypoints[..., :2] - centre) / half
    assert np.nanmax(ratio) <= 1.01
    assert np.ptp(keypoints[detected][:, 0]) > 10          # not all in one place
    assert (data['image_names'] == views['image_names']).all()
    assert 'images read: 58/60' in result.stdout      # S11's Walking_1 lacks a camera


def test_cli_on_a_folder_counts_unreadable_images(tiny_dataset, tiny_2d_model, tmp_path):
    root, _ = tiny_dataset
    views = annotation_views(str(root), 'annotation_body3d/fps10/h36m_test.npz')
    folder = tmp_path / 'rig'
    for v, camera in enumerate(views['camera_names']):
        os.makedirs(folder / f'cam{camera}')
        for f, name in enumerate(views['image_names'][v, :4]):
            shutil.copy(root / 'images' / str(name), folder / f'cam{camera}' / f'{f:04d}.jpg')
    (folder / f"cam{views['camera_names'][1]}" / '0002.jpg').write_bytes(b'not a jpeg')
    out = tmp_path / 'kpts.npz'
    result = run_tool(*tiny_2d_model, str(out), '--folder', str(folder))
    assert result.returncode != 0 and '--guess-intrinsics' in result.stderr + result.stdout
    result = run_tool(*tiny_2d_model, str(out), '--folder', str(folder), '--guess-intrinsics')
    assert result.returncode == 0, result.stderr
    data = load_multiview_keypoints(str(out))
    keypoints = data['keypoints_2d']
    assert keypoints.shape == (3, 4, 17, 3)
    assert np.isnan(keypoints[1, 2, :, :2]).all() and (keypoints[1, 2, :, 2] == 0).all()
    others = np.delete(keypoints.reshape(12, 17, 3), 1 * 4 + 2, axis=0)
    assert (others[..., 2] > 0).any(-1).all()
    assert 'unreadable images' in result.stderr + result.stdout
    assert 'images read: 11/12' in result.stdout
    assert data['intrinsics'][0, 0, 0] == 96 and (data['image_size'] == 96).all()


def test_folder_with_unequal_cameras_is_named(tmp_path):
    for camera, count in (('a', 2), ('b', 3)):
        os.makedirs(tmp_path / camera)
        for i in range(count):
            (tmp_path / camera / f'{i}.jpg').write_bytes(b'')
    with pytest.raises(ValueError, match="same number of images.*'a': 2, 'b': 3"):
        folder_views(str(tmp_path))


def _load_tool():
    """tools/precompute_2d.py as a module (its argument checks, in process)."""
    spec = importlib.util.spec_from_file_location('precompute_2d',
                                                  osp.join(ROOT, 'tools', 'precompute_2d.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('argv, message', [
    (['--from-annotation', '--folder', 'rig', 'out.npz'], 'needs an annotation'),
    (['--from-annotation', '--h36m', 'd', 'cfg.py', 'ckpt.pth', 'out.npz'], 'OUTPUT alone'),
    (['out.npz', '--h36m', 'd'], 'expected CONFIG CHECKPOINT OUTPUT'),
    (['--from-annotation', '--h36m', 'd', '--session-per-folder', 'out.npz'], '--folder options'),
    (['c.py', 'c.pth', 'out.npz', '--folder', 'rig', '--ann-file', 'a.npz'], 'options of --h36m'),
])
def test_arguments_of_another_source_are_refused(argv, message, capsys):
    tool = _load_tool()
    with pytest.raises(SystemExit) as exit_:
        tool.parse_args(argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err
    args = tool.parse_args(['--from-annotation', '--h36m', 'd', '--ann-file', 'a.npz', 'o.npz'])
    assert (args.output, args.config, args.layout, args.data_root) == ('o.npz', None, 'h36m', 'd')
    args = tool.parse_args(['--h36m', 'd', 'c.py', 'c.pth', 'o.npz'])
    assert (args.config, args.checkpoint, args.output) == ('c.py', 'c.pth', 'o.npz')


@pytest.fixture(scope='module')
def mmpose_layout_only(tiny_dataset, tmp_path_factory):
    """The tiny dataset as MMPose's preprocess_h36m.py leaves it: no multi-view 2D files."""
    root = tmp_path_factory.mktemp('h36m_layout') / 'h36m'
    shutil.copytree(tiny_dataset[0], root,
                    ignore=shutil.ignore_patterns('*_multiview_2d.npz', '*_pseudo_labels.npz'))
    return root


def test_from_annotation_writes_the_annotation_2d_without_a_model(mmpose_layout_only):
    """--from-annotation: the annotation's exact 2D, score 1, session = subject; no model, no
    image read; then the pseudo labels from it match the 3D ground truth."""
    from epipolar_plugin.geometry import mean_joint_error, root_centre, scale_align
    from epipolar_plugin.labels import LabelOptions, make_pseudo_labels
    root = mmpose_layout_only
    out = root / 'annotation_body3d' / 'fps10' / 'h36m_train_multiview_2d.npz'
    result = run_tool('--from-annotation', '--h36m', str(root), '--ann-file',
                      'annotation_body3d/fps10/h36m_train.npz', str(out))
    assert result.returncode == 0, result.stderr
    assert "annotation's 2D" in result.stdout and 'images read' not in result.stdout
    assert 'sessions: 5 [1, 5, 6, 7, 8]' in result.stdout
    data = load_multiview_keypoints(str(out))
    views = annotation_views(str(root), 'annotation_body3d/fps10/h36m_train.npz')
    ann = np.load(root / 'annotation_body3d' / 'fps10' / 'h36m_train.npz')
    keypoints = data['keypoints_2d']
    assert keypoints.shape == (3, 50, 17, 3)
    np.testing.assert_array_equal(keypoints[..., :2], ann['part'][views['rows']][..., :2])
    assert (keypoints[..., 2] == 1).all()
    np.testing.assert_array_equal(data['session'], views['session'])
    assert (data['image_names'] == views['image_names']).all()
    assert list(data['joint_names'][:2]) == ['root', 'right_hip']
    assert data['fps'] == 10.0                    # the annotation folder's name, fps10
    # the labels of one subject (one session) from the annotation's 2D: exact up to scale
    # (measured: 0.000 mm N-MPJPE, every joint valid)
    frames = np.flatnonzero(data['session'] == 1)
    labels = make_pseudo_labels(keypoints[:, frames], data['intrinsics'], data['distortion'],
                                options=LabelOptions(mode='pooled'))
    truth = root_centre(ann['S'][views['rows'][0, frames], :, :3])
    assert labels.valid.mean() > 0.9
    aligned = scale_align(root_centre(labels.keypoints_3d), truth, labels.valid)
    error_mm = 1000 * mean_joint_error(aligned, truth, labels.valid)
    assert error_mm < 0.5, error_mm


def test_from_annotation_feeds_the_h36m_config(mmpose_layout_only, tmp_path):
    """configs/epipolar_h36m.py's training set reads the keypoints file written from the
    annotation and pseudo labels made from it (the preprocess_h36m.py layout alone)."""
    from mmengine.config import Config
    from mmpose.registry import DATASETS
    import epipolar_plugin  # noqa: F401
    from epipolar_plugin.fileio import save_pseudo_labels
    from epipolar_plugin.labels import LabelOptions, make_pseudo_labels
    root = mmpose_layout_only
    annotations = root / 'annotation_body3d' / 'fps10'
    out = annotations / 'h36m_train_multiview_2d.npz'
    if not out.exists():
        assert run_tool('--from-annotation', '--h36m', str(root), str(out)).returncode == 0
    data = load_multiview_keypoints(str(out))
    save_pseudo_labels(str(annotations / 'h36m_train_pseudo_labels.npz'),
                       make_pseudo_labels(data['keypoints_2d'], data['intrinsics'],
                                          data['distortion'],
                                          options=LabelOptions(mode='per_frame')))
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'epipolar_h36m.py'))
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.data_root = str(root) + '/'
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == 3 * 50
    info = dataset.get_data_info(0)
    assert 'pseudo_label' in info and 'lifting_target' not in info
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (3, 256, 256)
    assert sample['data_samples'].gt_instance_labels.lifting_target_label.shape == (1, 17, 3)


def test_mpi_inf_3dhp_layout_end_to_end(tiny_dataset, tiny_2d_model, tmp_path):
    """preprocess_mpi_inf_3dhp.py's layout: the 2D model and --from-annotation both write the
    keypoints file (session = 100 x subject + sequence), and the 3DHP dataset reads it."""
    from epipolar_plugin.datasets import MultiViewMPIINF3DHPDataset
    from epipolar_plugin.fileio import save_pseudo_labels
    from epipolar_plugin.labels import LabelOptions, make_pseudo_labels
    root, _ = tiny_dataset
    h36m = write_mpi_inf_3dhp_layout(root, tmp_path, images=True)
    model_file = tmp_path / 'annotations' / 'model_2d.npz'
    result = run_tool(*tiny_2d_model, str(model_file), '--mpi-inf-3dhp', str(tmp_path),
                      '--batch-size', '50')
    assert result.returncode == 0, result.stderr
    assert 'images read: 150/150' in result.stdout
    detected = load_multiview_keypoints(str(model_file))
    assert detected['keypoints_2d'].shape == (3, 50, 17, 3)
    assert (detected['keypoints_2d'][..., 2] > 0).mean() > 0.5
    assert list(detected['camera_names']) == ['Cam0', 'Cam1', 'Cam2']

    out = tmp_path / 'annotations' / 'mpi_inf_3dhp_train_multiview_2d.npz'
    result = run_tool('--from-annotation', '--mpi-inf-3dhp', str(tmp_path), str(out))
    assert result.returncode == 0, result.stderr
    data = load_multiview_keypoints(str(out))
    assert (data['image_names'] == detected['image_names']).all()
    names = data['image_names'][0]
    subject = np.array([int(str(n).split('_')[0][1:]) for n in names])
    sequence = np.array([int(str(n).split('_')[1][3:]) for n in names])
    np.testing.assert_array_equal(data['session'], 100 * subject + sequence)
    # back in Human3.6M's joint order: the synthetic annotation's 2D at the same rows
    views = annotation_views(str(tmp_path), layout='mpi_inf_3dhp')
    np.testing.assert_array_equal(data['keypoints_2d'][..., :2],
                                  h36m['part'][views['rows']][..., :2])
    save_pseudo_labels(str(tmp_path / 'annotations' / 'mpi_inf_3dhp_train_pseudo_labels.npz'),
                       make_pseudo_labels(data['keypoints_2d'], data['intrinsics'],
                                          data['distortion'],
                                          options=LabelOptions(mode='per_frame')))
    common = dict(data_root=str(tmp_path), ann_file='annotations/mpi_inf_3dhp_train.npz',
                  camera_param_file='annotations/cameras_train.pkl',
                  data_prefix=dict(img='images/'), load_ground_truth=False)
    with_file = MultiViewMPIINF3DHPDataset(
        keypoints_2d_file='annotations/mpi_inf_3dhp_train_multiview_2d.npz',
        pseudo_label_file='annotations/mpi_inf_3dhp_train_pseudo_labels.npz', **common)
    without = MultiViewMPIINF3DHPDataset(**common)      # the dataset's own annotation 2D
    assert len(with_file) == len(without) == 150
    for index in (0, 77, 149):
        a, b = with_file.get_data_info(index), without.get_data_info(index)
        np.testing.assert_array_equal(a['view_keypoints_2d'], b['view_keypoints_2d'])
        assert a['pseudo_label']['keypoints_3d'].shape == (17, 3)
    assert osp.isfile(with_file.get_data_info(0)['img_path'])


def _image_tree(root, layout, count):
    """Empty .jpg files at root/<folder>/.../<index>.jpg for each folder path in ``layout``."""
    for folder in layout:
        os.makedirs(root / folder)
        for index in range(count):
            (root / folder / f'{index:04d}.jpg').write_bytes(b'')


def test_folder_sessions_are_the_top_level_folders(tmp_path):
    _image_tree(tmp_path / 'a', ['day2/cam0', 'day2/cam1', 'day1/cam0', 'day1/cam1'], 3)
    views = folder_views(str(tmp_path / 'a'), session_per_folder=True)
    assert views['image_names'].shape == (2, 6)
    assert list(views['session']) == [0, 0, 0, 1, 1, 1]
    assert views['session_names'] == ['day1', 'day2']
    assert views['image_names'][1, 3] == 'day2/cam1/0000.jpg'
    assert folder_views(str(tmp_path / 'a' / 'day1'))['session'] is None
    _image_tree(tmp_path / 'b', ['s1/cam0', 's1/cam1', 's2/cam0', 's2/cam2'], 2)
    with pytest.raises(ValueError, match=r"session s2 has the cameras \['cam0', 'cam2'\]"):
        folder_views(str(tmp_path / 'b'), session_per_folder=True)


def test_cli_on_session_folders_writes_the_session(tiny_dataset, tiny_2d_model, tmp_path):
    root, _ = tiny_dataset
    views = annotation_views(str(root), 'annotation_body3d/fps10/h36m_test.npz')
    folder = tmp_path / 'rig'
    for session, frames in (('monday', range(0, 2)), ('tuesday', range(2, 5))):
        for v, camera in enumerate(views['camera_names']):
            os.makedirs(folder / session / f'cam{camera}')
            for f in frames:
                shutil.copy(root / 'images' / str(views['image_names'][v, f]),
                            folder / session / f'cam{camera}' / f'{f:04d}.jpg')
    out = tmp_path / 'kpts.npz'
    result = run_tool(*tiny_2d_model, str(out), '--folder', str(folder), '--guess-intrinsics',
                      '--session-per-folder')
    assert result.returncode == 0, result.stderr
    assert 'sessions: 2 (0 = monday, 1 = tuesday)' in result.stdout
    data = load_multiview_keypoints(str(out))
    assert list(data['session']) == [0, 0, 1, 1, 1]
    assert list(data['take']) == [0, 0, 1, 1, 1]               # a session folder: one recording
    assert data['keypoints_2d'].shape == (3, 5, 17, 3)
    assert str(data['image_names'][0, 2]).startswith('tuesday/')


def test_annotation_keypoints_reject_a_wrong_part(tiny_dataset, tmp_path):
    root, _ = tiny_dataset
    views = annotation_views(str(root), 'annotation_body3d/fps10/h36m_test.npz')
    bad = tmp_path / 'ann.npz'
    np.savez(bad, part=np.zeros((5, 16, 3)))
    with pytest.raises(ValueError, match=r"ann\.npz: key 'part' must have shape"):
        annotation_keypoints(dict(views, ann_path=str(bad)))


def test_a_sequence_without_a_camera_is_kept_with_that_view_missing(tiny_dataset, tmp_path,
                                                                    tiny_2d_model):
    """Human3.6M's test split lacks camera 54138969 in S11's Directions (the generator's
    S11 Walking_1 too): its frames are kept with that view NaN, score 0, image name ''."""
    root, summary = tiny_dataset
    assert summary['missing_cameras'] == [dict(subject='S11', sequence='Walking_1',
                                               camera='54138969')]
    out = tmp_path / 'test_2d.npz'
    result = run_tool('--from-annotation', '--h36m', str(root), '--ann-file',
                      'annotation_body3d/fps10/h36m_test.npz', str(out))
    assert result.returncode == 0, result.stderr
    assert '54138969: 2' in result.stdout               # Walking_1: 2 of S11's 10 frames
    data = load_multiview_keypoints(str(out))
    assert data['keypoints_2d'].shape == (3, 20, 17, 3)             # S9 and S11, every frame
    lacking = data['image_names'][0] == ''
    assert lacking.sum() == 2 and all('S11_Walking_1' in n for n in data['image_names'][1, lacking])
    assert np.isnan(data['keypoints_2d'][0, lacking, :, :2]).all()
    assert (data['keypoints_2d'][0, lacking, :, 2] == 0).all()
    assert np.isfinite(data['keypoints_2d'][1:, lacking, :, :2]).all()
    assert len(np.unique(data['take'])) == 10                       # 2 subjects x 5 sequences
    # the 2D model reads the other views' images and skips the missing view's, counted
    detected = tmp_path / 'detected.npz'
    result = run_tool(*tiny_2d_model, str(detected), '--h36m', str(root), '--ann-file',
                      'annotation_body3d/fps10/h36m_test.npz')
    assert result.returncode == 0, result.stderr
    assert 'images read: 58/60' in result.stdout
    assert "'views their sequence lacks': 2" in result.stdout + result.stderr
    model = load_multiview_keypoints(str(detected))
    assert (model['keypoints_2d'][0, lacking, :, 2] == 0).all()


def test_frame_rate_from_the_annotation_folder_or_the_intrinsics_file(tmp_path):
    tool = _load_tool()
    assert tool.annotation_fps('data/h36m/annotation_body3d/fps50/h36m_test.npz') == 50.0
    assert tool.annotation_fps('data/3dhp/annotations/mpi_inf_3dhp_train.npz') is None
    np.savez(tmp_path / 'calibration.npz', intrinsics=np.stack([np.eye(3)] * 2),
             fps=np.float64(20))
    assert tool.calibration_fps(str(tmp_path / 'calibration.npz')) == 20.0
    np.savez(tmp_path / 'none.npz', intrinsics=np.stack([np.eye(3)] * 2))
    assert tool.calibration_fps(str(tmp_path / 'none.npz')) is None
    np.savez(tmp_path / 'bad.npz', intrinsics=np.stack([np.eye(3)] * 2), fps=np.float64(-1))
    with pytest.raises(ValueError, match=r"bad\.npz: key 'fps' must be one positive number"):
        tool.calibration_fps(str(tmp_path / 'bad.npz'))
