"""The synthetic dataset in MMPose's Human3.6M layout: readers, cameras, noise, determinism."""
import hashlib
import pickle

import numpy as np
import pytest
from mmpose.utils.camera import SimpleCamera

from epipolar_plugin.synthetic import DetectionNoise, make_synthetic_dataset
from ..conftest import TINY


def _load(root, split):
    return dict(np.load(root / 'annotation_body3d' / 'fps10' / f'h36m_{split}.npz'))


def test_mmpose_human36m_reader_loads_every_row(tiny_dataset):
    from mmpose.datasets import Human36mDataset
    root, summary = tiny_dataset
    for split in ('train', 'test'):
        dataset = Human36mDataset(ann_file=f'annotation_body3d/fps10/h36m_{split}.npz',
                                  camera_param_file='annotation_body3d/cameras.pkl',
                                  data_root=str(root), data_prefix=dict(img='images/'))
        # the test split: S11's Walking_1 (2 frames) lacks its first camera
        assert len(dataset) == summary['splits'][split]['rows'] == 10 * 3 * (
            5 if split == 'train' else 2) - (0 if split == 'train' else 2)
        item = dataset[len(dataset) // 2]
        assert item['keypoints_3d'].shape == (1, 17, 3)
        assert item['lifting_target'].shape == (1, 17, 3)
        assert (root / 'images' / item['target_img_path'][0]).is_file()
        assert set(item['camera_param']) >= {'R', 'T', 'f', 'c', 'k', 'p', 'w', 'h'}
        subject, action, camera = dataset._parse_h36m_imgname(item['target_img_path'][0])
        assert subject in summary['splits'][split]['subjects'] and action.endswith('_1')


def test_ground_truth_projects_onto_clean_2d_with_stored_cameras(tiny_dataset):
    root, _ = tiny_dataset
    with open(root / 'annotation_body3d' / 'cameras.pkl', 'rb') as file:
        cameras = pickle.load(file)
    data = _load(root, 'train')
    world = {}
    for name, part, joints in zip(data['imgname'], data['part'], data['S']):
        subject, rest = name.split('/')[-1].split('_', 1)
        camera_id = rest.split('.')[1].split('_')[0]
        camera = SimpleCamera(cameras[(subject, camera_id)])
        pixels = camera.camera_to_pixel(joints[:, :3].astype(np.float64))
        np.testing.assert_allclose(pixels, part[:, :2], atol=1e-3)
        # the extrinsics put every view's ground truth on the same world points
        frame = (subject, rest.split('.')[0], name[-10:])
        point = camera.camera_to_world(joints[:, :3].astype(np.float32))
        if frame in world:
            np.testing.assert_allclose(point, world[frame], atol=1e-4)
        world[frame] = point
    assert len(world) == len(data['imgname']) // 3


def test_annotation_matches_preprocess_h36m_conventions(tiny_dataset):
    root, _ = tiny_dataset
    data = _load(root, 'test')
    assert data['imgname'][0].startswith('S11/S11_') and data['imgname'][0].endswith('_000001.jpg')
    assert data['imgname'][1].endswith('_000006.jpg')            # fps10: every 5th 50 fps frame
    assert data['part'].shape[1:] == (17, 3) and data['S'].shape[1:] == (17, 4)
    assert np.all(data['S'][..., 2] > 2.0)                        # camera frame, metres
    low, high = data['part'][..., :2].min(1), data['part'][..., :2].max(1)
    np.testing.assert_allclose(data['center'], (low + high) / 2)
    np.testing.assert_allclose(data['scale'], 1.2 * (high - low).max(1) / 200)


def test_detections_follow_the_documented_error_model(tmp_path):
    noise = DetectionNoise()
    make_synthetic_dataset(str(tmp_path), frames=100, num_cameras=4, size=160, seed=3,
                           progress=False, noise=noise)
    scaled = noise.scaled(160 / 1000)
    multiview = np.load(tmp_path / 'annotation_body3d' / 'fps10' / 'h36m_train_multiview_2d.npz')
    data = _load(tmp_path, 'train')
    row = {name: index for index, name in enumerate(data['imgname'])}
    names = multiview['image_names']
    clean = data['part'][[row[n] for n in names.ravel()], :, :2].reshape(names.shape + (17, 2))
    detections = multiview['keypoints_2d']
    assert detections.shape == names.shape + (17, 3)
    assert multiview['fps'] == 10.0
    # one take per (subject, sequence), in the sorted order of precompute_2d.py
    sequences = [n.split('/')[1].split('.')[0] for n in names[1]]
    np.testing.assert_array_equal(
        multiview['take'], np.unique(np.array(sequences), return_inverse=True)[1].ravel())
    scores = detections[..., 2]
    error = np.linalg.norm(detections[..., :2] - clean, axis=-1)
    missing = np.isnan(detections[..., 0]).all(-1)
    assert 0.0 < missing.mean() < 0.03 and np.all(scores[missing] == 0)
    confident = (scores >= 0.6) & ~missing[..., None]
    # 2D Gaussian: the median of |error| is sigma * sqrt(2 ln 2)
    median = np.median(error[confident])
    assert median == pytest.approx(scaled.pixel_sigma * np.sqrt(2 * np.log(2)), rel=0.1)
    # outliers move >= outlier_radius[0]; the threshold stays above the Gaussian tail (4 sigma:
    # 0.03 % of inliers) and below most outliers
    threshold = max(scaled.outlier_radius[0] - 2 * scaled.pixel_sigma, 4 * scaled.pixel_sigma)
    outliers = (error > threshold) & (scores >= 0.3)
    assert 0.015 < outliers.mean() < 0.045, outliers.mean()
    low = (scores < 0.3) & ~missing[..., None]
    assert 0.05 < low.mean() < 0.5                                # occlusions + random
    np.testing.assert_allclose(multiview['intrinsics'][:, 0, 0], 1.15 * 160, rtol=0.04)


def _digest(root):
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob('*') if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(tiny_dataset, tmp_path):
    root, _ = tiny_dataset
    make_synthetic_dataset(str(tmp_path / 'again'), **TINY)
    assert _digest(tmp_path / 'again') == _digest(root)
    make_synthetic_dataset(str(tmp_path / 'other'), **dict(TINY, seed=8))
    assert _digest(tmp_path / 'other') != _digest(root)


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match='num_cameras=1'):
        make_synthetic_dataset(str(tmp_path), num_cameras=1, progress=False)
