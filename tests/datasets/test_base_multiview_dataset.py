"""BaseMultiViewDataset: a layout is its hooks; the base finds, skips and builds the samples."""
import logging
import os.path as osp
import pickle

import numpy as np
import pytest
from mmengine.logging import MMLogger

from mmpose.registry import DATASETS

from epipolar_plugin.datasets import BaseMultiViewDataset, MultiViewFrame
from epipolar_plugin.fileio import save_pseudo_labels
from epipolar_plugin.labels import make_pseudo_labels
from epipolar_plugin.synthetic import make_scene

H36M = dict(from_file='configs/_base_/datasets/h36m.py')
J = 17
F, V = 40, 3                  # frames and cameras of the annotation-layout fixture


class ToyLayout(BaseMultiViewDataset):
    """Two sequences ('a': 5 frames, 'b': 3) of 3 cameras held in memory; frame 2 of 'a' is
    broken (skipped by :meth:`_read_frame`), view 1 of every frame has no person box."""
    METAINFO = H36M
    CAMERAS = ['left', 'middle', 'right']

    def _load_layout(self):
        frames = [('a', ('a', n)) for n in range(5)] + [('b', ('b', n)) for n in range(3)]
        return dict(name='toy.npz', frames=frames, keypoints=None, keypoints_file=None,
                    summary=f'{len(frames)} frames')

    def _read_frame(self, layout, key):
        sequence, number = key
        if key == ('a', 2):
            return None, 'broken frames'
        rng = np.random.default_rng(number)
        joints = rng.normal(size=(3, J, 3)).astype(np.float32) + [0, 0, 4]
        keypoints = np.concatenate([rng.uniform(0, 100, (3, J, 2)), np.ones((3, J, 1))], -1)
        keypoints[0, 3] = np.nan                           # a missing joint of view 0
        names = [f'{camera}/{sequence}_{number:03d}.jpg' for camera in self.CAMERAS]
        return MultiViewFrame(
            image_names=names, camera_names=list(self.CAMERAS),
            ids=[100 * number + v for v in range(3)],
            target_names=[f'{sequence}.{camera}_{number}' for camera in self.CAMERAS],
            keypoints_2d=keypoints, intrinsics=np.stack([np.eye(3)] * 3),
            distortion=np.zeros((3, 5)), bbox_centers=np.full((3, 2), 50.0),
            bbox_sides=[80.0, None, 90.0], joints_3d=joints if self.load_ground_truth else None), ''

    def _view_box(self, frame, view, label):
        if frame.bbox_sides[view] is None:
            return None, 'views without a box'
        return super()._view_box(frame, view, label)


def _toy(**kwargs):
    return ToyLayout(ann_file='', camera_param_file=None, data_prefix=dict(img='images/'),
                     **kwargs)


def test_hooks_give_one_sample_per_frame_and_boxed_reference_view():
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        dataset = _toy()
    finally:
        logger.removeHandler(handler)
    # 8 frames - 1 broken = 7, views 0 and 2 (view 1 has no box)
    assert len(dataset) == 7 * 2
    messages = {r.getMessage() for r in records}
    assert {'toy.npz: skipped 1 broken frames',
            'toy.npz: skipped 7 views without a box'} <= messages
    sample = dataset.get_data_info(0)
    assert sample['img_path'] == osp.join('images/', 'left/a_000.jpg')
    assert sample['img_paths'] == [osp.join('images/', f'{c}/a_000.jpg') for c in ToyLayout.CAMERAS]
    assert sample['id'] == sample['img_id'] == 0 and sample['reference_view'] == 0
    assert sample['target_img_path'] == ['a.left_0'] and sample['category_id'] == 1
    assert sample['bbox_center'].dtype == sample['bbox_scale'].dtype == np.float32
    np.testing.assert_array_equal(sample['bbox_center'], [[50, 50]])
    np.testing.assert_array_equal(sample['bbox_scale'], [[80, 80]])
    assert sample['keypoints'].shape == (1, J, 2) and sample['keypoints_visible'].shape == (1, J)
    assert sample['keypoints_visible'][0, 3] == 0 and np.all(sample['keypoints'][0, 3] == 0)
    assert sample['view_keypoints_2d'].shape == (3, J, 3)
    assert sample['intrinsics'].shape == (3, 3, 3) and sample['distortion'].shape == (3, 5)
    # the target: root-relative camera-frame joints of the reference view, the root kept
    frame, _ = dataset._read_frame(None, ('a', 0))
    np.testing.assert_allclose(sample['lifting_target'][0],
                               frame.joints_3d[0] - frame.joints_3d[0, :1])
    np.testing.assert_allclose(sample['lifting_target_root'], frame.joints_3d[0, :1])
    assert sample['lifting_target_visible'].shape == (1, J)
    assert sample['flip_indices'] == dataset.metainfo['flip_indices']    # metainfo per sample
    assert dataset.get_data_info(1)['reference_view'] == 2
    assert dataset.get_data_info(1)['bbox_scale'][0, 0] == 90


def test_frame_step_counts_per_sequence_and_reference_views_filter_by_camera():
    dataset = _toy(frame_step=2, reference_views=['right'], load_ground_truth=False)
    ids = [dataset.get_data_info(i)['id'] for i in range(len(dataset))]
    # 'a': frames 0, (2 broken), 4; 'b': frames 0, 2 -- view 2 ('right') only
    assert ids == [2, 402, 2, 202]
    assert 'lifting_target' not in dataset.get_data_info(0)
    with pytest.raises(ValueError, match='frame_step must be >= 1'):
        _toy(frame_step=0)


def test_a_layout_without_samples_names_its_file():
    with pytest.raises(ValueError, match=r"toy\.npz: no samples \(8 frames, skipped"):
        _toy(reference_views=['middle'])


def test_base_is_abstract_and_not_registered():
    assert DATASETS.get('BaseMultiViewDataset') is None
    with pytest.raises(NotImplementedError):
        BaseMultiViewDataset.parse_imgname('S1_x.1_000001.jpg')
    with pytest.raises(NotImplementedError):
        BaseMultiViewDataset.camera_key('S1', 'x', '1')


class DashedLayout(BaseMultiViewDataset):
    """The default annotation layout with other image names (``<subject>-<sequence>-<camera>-
    <frame>.png``) and cameras keyed by camera only: parse_imgname, camera_key, target_name."""
    METAINFO = H36M

    @staticmethod
    def parse_imgname(imgname):
        subject, sequence, camera, number = osp.splitext(str(imgname))[0].split('-')
        return subject, sequence, camera, int(number)

    @staticmethod
    def camera_key(subject, sequence, camera):
        return camera

    @staticmethod
    def target_name(imgname, subject, sequence, camera, number):
        return f'{subject}_{sequence}.{camera}_{number:06d}.jpg'


@pytest.fixture
def dashed(tmp_path):
    """An annotation of F frames x V cameras (rows shuffled), a camera file, a keypoints file
    of the same frames and pooled pseudo labels."""
    scene = make_scene(F, V, seed=5)
    names, rows = [], []
    for frame in range(F):
        for view in range(V):
            names.append(f'S1-walk-cam{view}-{frame:03d}.png')
            rows.append((view, frame))
    order = np.random.default_rng(0).permutation(len(rows))
    names = np.array(names)[order]
    rows = [rows[i] for i in order]
    part = np.stack([scene.keypoints_2d[v, f] for v, f in rows])
    joints = np.stack([scene.joints_camera[v, f] for v, f in rows])
    np.savez(tmp_path / 'ann.npz', imgname=names, center=np.full((F * V, 2), 500.0),
             scale=np.full(F * V, 2.0), part=part,
             S=np.concatenate([joints, np.ones(joints.shape[:2] + (1, ))], -1))
    cameras = {f'cam{v}': dict(f=np.diag(scene.intrinsics[v])[:2], c=scene.intrinsics[v, :2, 2])
               for v in range(V)}
    with open(tmp_path / 'cameras.pkl', 'wb') as file:
        pickle.dump(cameras, file)
    image_names = np.array([[f'S1-walk-cam{v}-{f:03d}.png' for f in range(F)] for v in range(V)])
    np.savez(tmp_path / 'keypoints.npz', keypoints_2d=scene.keypoints_2d,
             intrinsics=scene.intrinsics, image_names=image_names,
             camera_names=np.array([f'cam{v}' for v in range(V)]))
    save_pseudo_labels(str(tmp_path / 'labels.npz'),
                       make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, None))
    return tmp_path, scene, names


def test_annotation_layout_hooks_group_rows_per_frame(dashed):
    root, scene, names = dashed
    dataset = DashedLayout(ann_file='ann.npz', camera_param_file='cameras.pkl',
                           data_root=str(root))
    assert len(dataset) == F * V
    for index in range(len(dataset)):
        sample = dataset.get_data_info(index)
        frame, view = divmod(index, V)
        assert sample['reference_view'] == view
        assert names[sample['id']] == f'S1-walk-cam{view}-{frame:03d}.png'
        assert [osp.basename(p) for p in sample['img_paths']] == [
            f'S1-walk-cam{v}-{frame:03d}.png' for v in range(V)]
        assert sample['target_img_path'] == [f'S1_walk.cam{view}_{frame:06d}.jpg']
        np.testing.assert_allclose(sample['view_keypoints_2d'][..., :2],
                                   scene.keypoints_2d[:, frame, :, :2])
        np.testing.assert_allclose(sample['intrinsics'], scene.intrinsics)
        np.testing.assert_array_equal(sample['bbox_scale'], [[400, 400]])
        truth = scene.joints_camera[view, frame]
        np.testing.assert_allclose(sample['lifting_target'][0], truth - truth[0], atol=1e-5)


def test_pseudo_labels_come_from_the_keypoints_file_column(dashed):
    root, scene, _ = dashed
    dataset = DashedLayout(ann_file='ann.npz', camera_param_file='cameras.pkl',
                           keypoints_2d_file='keypoints.npz', pseudo_label_file='labels.npz',
                           load_ground_truth=False, data_root=str(root))
    assert len(dataset) == F * V
    errors = []
    for index in range(len(dataset)):
        sample = dataset.get_data_info(index)
        frame, view = divmod(index, V)
        assert 'lifting_target' not in sample and sample['reference_view'] == view
        label = sample['pseudo_label']
        valid = label['valid'] & label['valid'][0]
        if valid.sum() < 8:
            continue
        # the label moved into the reference camera has the true shape (up to scale)
        target = label['keypoints_3d'] @ label['rotation'].T + label['translation']
        truth = scene.joints_camera[view, frame]
        target, truth = (target - target[:1])[valid], (truth - truth[:1])[valid]
        scale = np.sum(target * truth) / np.sum(target * target)
        errors.append(np.linalg.norm(scale * target - truth, axis=-1).mean())
    assert len(errors) > F * V / 2 and np.median(errors) < 0.05
