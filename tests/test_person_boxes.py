"""Person boxes from an MMDetection detector: the one-person track, and precompute_2d with a tiny
randomly initialized RTMDet (nothing downloaded)."""
import argparse
import os
import os.path as osp
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from epipolar_plugin.apis import annotation_views
from epipolar_plugin.apis.person_boxes import PersonTrack, box_iou, select_person
from epipolar_plugin.fileio import load_multiview_keypoints
from .test_precompute_2d import TINY_2D_CONFIG
from .test_prepare_videos import load_tool

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# RTMDet with a tiny CSPNeXt; score_thr 0 so that random weights still propose people
TINY_DET_CONFIG = """
_base_ = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'
model = dict(
    backbone=dict(deepen_factor=0.167, widen_factor=0.125, init_cfg=None),
    neck=dict(in_channels=[32, 64, 128], out_channels=32, num_csp_blocks=1),
    bbox_head=dict(in_channels=32, feat_channels=32, num_classes=1),
    test_cfg=dict(nms_pre=100, score_thr=0.0, max_per_img=10))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(96, 96), keep_ratio=True),
    dict(type='Pad', size=(96, 96), pad_val=dict(img=(114, 114, 114))),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                                          'scale_factor'))]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline, metainfo=dict(classes=('person', ))))
"""

box = st.tuples(st.floats(0, 500), st.floats(0, 500), st.floats(5, 200), st.floats(5, 200)).map(
    lambda b: np.array([b[0], b[1], b[0] + b[2], b[1] + b[3]]))


@given(a=box, b=box)
def test_box_iou_is_a_symmetric_overlap(a, b):
    ab, ba = box_iou(a, b[None])[0], box_iou(b, a[None])[0]
    assert 0.0 <= ab <= 1.0 and ab == pytest.approx(ba)
    assert box_iou(a, a[None])[0] == pytest.approx(1.0)


def test_select_person_prefers_overlap_then_score():
    candidates = np.array([[0, 0, 10, 10, 0.9], [50, 50, 70, 80, 0.4], [52, 50, 72, 80, 0.5]])
    assert select_person(candidates[:0], None) is None
    assert select_person(candidates, None) == 0                     # first frame: best score
    assert select_person(candidates, np.array([51, 50, 71, 80])) == 2   # tie: the higher score
    assert select_person(candidates, np.array([50, 50, 70, 80])) == 1
    assert select_person(candidates, np.array([200, 200, 220, 230])) is None   # nobody there


def test_the_track_restarts_after_max_lost_frames():
    track = PersonTrack(max_lost=2)
    here, there = np.array([[0, 0, 10, 10, 0.9]]), np.array([[50, 50, 60, 60, 0.8]])
    assert (track.update(here) == here[0, :4]).all()
    assert np.isnan(track.update(there)).all() and np.isnan(track.update(there)).all()
    assert (track.update(there) == there[0, :4]).all()
    assert dict(track.counts) == {'frames without the person': 2,
                                  'restarts after 2 frames without the person': 1}


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2 ** 16), frames=st.integers(2, 30))
def test_the_track_follows_its_person_past_higher_scoring_people(seed, frames):
    rng = np.random.default_rng(seed)
    steps = rng.uniform(-4, 4, (frames, 2))
    corner = np.array([100.0, 100.0]) + np.cumsum(steps, axis=0)          # moves a few pixels
    person = np.concatenate([corner, corner + [40, 90]], axis=1)
    track, kept = PersonTrack(), []
    for f in range(frames):
        others = rng.uniform(300, 600, (rng.integers(0, 4), 2))            # never overlapping
        distractors = np.concatenate([others, others + [40, 90]], axis=1)
        score = 0.99 if f == 0 else 0.5                                    # later: outscored
        candidates = np.concatenate([np.append(person[f], score)[None],
                                     np.c_[distractors, np.full(len(others), 0.95)]])
        if f > 0 and rng.random() < 0.2:
            candidates = candidates[1:]                 # person missed: no bystander instead
            kept.append(np.full(4, np.nan))
        else:
            kept.append(person[f])
        np.testing.assert_array_equal(
            track.update(candidates[rng.permutation(len(candidates))]), kept[-1])


@pytest.fixture(scope='module')
def tiny_models(tmp_path_factory):
    """(2D config, 2D checkpoint, detector config, detector checkpoint), random weights."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from mmdet.registry import MODELS as DET_MODELS
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    folder = tmp_path_factory.mktemp('models')
    (folder / 'tiny_2d.py').write_text(TINY_2D_CONFIG)
    (folder / 'tiny_det.py').write_text(TINY_DET_CONFIG)
    torch.manual_seed(0)
    pose = MODELS.build(Config.fromfile(str(folder / 'tiny_2d.py')).model)
    torch.save({'state_dict': pose.state_dict(), 'meta': {}}, folder / 'tiny_2d.pth')
    import mmdet.models  # noqa: F401  (registers the detectors)
    with DefaultScope.overwrite_default_scope('mmdet'):
        detector = DET_MODELS.build(Config.fromfile(str(folder / 'tiny_det.py')).model)
    for regression in detector.bbox_head.rtm_reg:      # boxes 2 strides wide, not points
        torch.nn.init.constant_(regression.bias, 1.0)
    torch.save({'state_dict': detector.state_dict(),
                'meta': {'dataset_meta': {'classes': ('person', )}}}, folder / 'tiny_det.pth')
    return tuple(str(folder / name) for name in ('tiny_2d.py', 'tiny_2d.pth', 'tiny_det.py',
                                                  'tiny_det.pth'))


@pytest.fixture
def rig_folder(tiny_dataset, tmp_path):
    """ROOT/<camera>/<frame>.jpg: 3 cameras x 4 frames of the tiny synthetic dataset."""
    root, _ = tiny_dataset
    views = annotation_views(str(root), 'annotation_body3d/fps10/h36m_test.npz')
    folder = tmp_path / 'rig'
    for v, camera in enumerate(views['camera_names']):
        os.makedirs(folder / f'cam{camera}')
        for f, name in enumerate(views['image_names'][v, :4]):
            shutil.copy(root / 'images' / str(name), folder / f'cam{camera}' / f'{f:04d}.jpg')
    return folder


def run_precompute(*args):
    return subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'precompute_2d.py'), *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_precompute_2d_keeps_each_cameras_detected_person(tiny_models, rig_folder, tmp_path):
    from epipolar_plugin.apis import folder_views
    from epipolar_plugin.apis.person_boxes import detect_person_boxes, init_person_detector
    pose_config, pose_checkpoint, det_config, det_checkpoint = tiny_models
    out = tmp_path / 'kpts.npz'
    detector_args = ['--det-config', det_config, '--det-checkpoint', det_checkpoint,
                     '--bbox-thr', '0.0']
    result = run_precompute(pose_config, pose_checkpoint, str(out), '--folder', str(rig_folder),
                            '--guess-intrinsics', *detector_args)
    assert result.returncode == 0, result.stderr
    keypoints = load_multiview_keypoints(str(out))['keypoints_2d']
    assert keypoints.shape == (3, 4, 17, 3) and (keypoints[..., 2] > 0).any(-1).all()
    # the same detector here gives the boxes the tool used: every pose lies in its padded box
    names = folder_views(str(rig_folder))['image_names']
    detector = init_person_detector(det_config, det_checkpoint)
    boxes = detect_person_boxes(detector, np.vectorize(lambda n: str(rig_folder / n))(names),
                                score_threshold=0.0, progress=False)
    assert np.isfinite(boxes).all() and (boxes[..., 2:] > boxes[..., :2]).all()
    centre = (boxes[..., None, :2] + boxes[..., None, 2:]) / 2
    half = 1.25 * (boxes[..., None, 2:] - boxes[..., None, :2]).max(-1, keepdims=True) / 2
    assert np.nanmax(np.abs(keypoints[..., :2] - centre) / half) <= 1.01
    assert (boxes[..., 2:] - boxes[..., :2]).max() < 96       # not the whole image
    # nobody above the threshold: every view is a counted skip, NaN with score 0
    nobody = detect_person_boxes(detector, np.vectorize(lambda n: str(rig_folder / n))(names),
                                 score_threshold=1.01, progress=False)
    assert np.isnan(nobody).all()
    precompute = load_tool('precompute_2d')
    cleared = precompute.drop_views_without_person(keypoints.copy(), nobody)
    assert np.isnan(cleared[..., :2]).all() and (cleared[..., 2] == 0).all()
    some = boxes.copy()
    some[1, 2] = np.nan
    cleared = precompute.drop_views_without_person(keypoints.copy(), some)
    assert (cleared[..., 2] == 0).all(-1).tolist() == (~np.isfinite(some).all(-1)).tolist()
    with pytest.raises(SystemExit, match='--det-config needs --det-checkpoint'):
        precompute.detector_boxes(argparse.Namespace(boxes=None, det_config=det_config,
                                                     det_checkpoint=None), names)


def test_demo_takes_its_boxes_from_the_detector(tiny_models, rig_folder, tmp_path):
    import json
    _, _, det_config, det_checkpoint = tiny_models
    config = osp.join(ROOT, 'configs', 'epipolar_synthetic.py')
    from mmengine.config import Config

    from mmpose.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, tmp_path / 'random.pth')
    camera = sorted(os.listdir(rig_folder))[0]
    load_tool('demo').main([str(rig_folder / camera), config, str(tmp_path / 'random.pth'),
                            '--det-config', det_config, '--det-checkpoint', det_checkpoint,
                            '--bbox-thr', '0.0', '--out', str(tmp_path / 'demo.mp4')])
    frames = json.loads((tmp_path / 'demo.json').read_text())['frames']
    boxes = np.array([f['box'] for f in frames])
    assert boxes.shape == (4, 4) and (boxes[:, 2:] - boxes[:, :2]).max() < 96
    assert all(len(f['joints']) == 17 for f in frames)
    # nobody found: the frames are still written, without a pose, and the JSON says so
    load_tool('demo').main([str(rig_folder / camera), config, str(tmp_path / 'random.pth'),
                            '--det-config', det_config, '--det-checkpoint', det_checkpoint,
                            '--bbox-thr', '1.01', '--out', str(tmp_path / 'nobody.mp4')])
    frames = json.loads((tmp_path / 'nobody.json').read_text())['frames']
    assert [(f['box'], f['joints']) for f in frames] == [(None, None)] * 4
    capture, count = cv2.VideoCapture(str(tmp_path / 'nobody.mp4')), 0
    while capture.read()[0]:
        count += 1
    assert count == 4
