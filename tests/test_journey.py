"""Your own cameras, end to end on synthetic videos: videos -> frames (prepare_videos) -> 2D
(precompute_2d --folder; the keypoints then replaced by the generator's detections, as a random
2D model's are noise) -> pseudo labels (make_pseudo_labels) -> a few training iterations of
configs/epipolar_folder.py with its data path overridden -> the demo on a video. The tools run
in this process (their ``main``), as their command lines would."""
import json
import os.path as osp
import sys

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

from epipolar_plugin.synthetic.video import write_sequence_videos, write_video
from .test_precompute_2d import tiny_2d_model  # noqa: F401  (the fixture)
from .test_prepare_videos import load_tool

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(ROOT, 'configs', 'epipolar_folder.py')
FRAMES, EVERY, TAKE = 60, 2, 5


def run_cli(monkeypatch, tool, *args):
    """``tools/<tool>.py ARGS`` in this process."""
    monkeypatch.setattr(sys, 'argv', [tool, *map(str, args)])
    load_tool(tool).main()


def test_videos_to_a_trained_model_and_a_video_demo(tiny_2d_model, tmp_path,  # noqa: F811
                                                    monkeypatch, capsys):
    videos = write_sequence_videos(str(tmp_path / 'videos'), num_frames=FRAMES, num_cameras=3,
                                   size=96, seed=2, fps=10)
    rig = tmp_path / 'my_rig'
    np.savez(tmp_path / 'calib.npz', intrinsics=videos['intrinsics'],
             distortion=videos['distortion'])
    load_tool('prepare_videos').main([*videos['video_paths'], '--out', str(rig / 'frames'),
                                      '--every', str(EVERY), '--intrinsics',
                                      str(tmp_path / 'calib.npz')])
    keypoints_file = rig / 'keypoints_2d.npz'
    run_cli(monkeypatch, 'precompute_2d', *tiny_2d_model, keypoints_file, '--folder',
            rig / 'frames', '--intrinsics', rig / 'frames' / 'intrinsics.npz')
    with np.load(keypoints_file) as written:
        data = dict(written)
    assert data['image_names'][2, 1] == 'camera3/000002.jpg'
    np.testing.assert_allclose(data['intrinsics'], videos['intrinsics'])
    data['keypoints_2d'] = videos['keypoints_2d'][:, ::EVERY]          # the detections there
    np.savez(keypoints_file, **data)
    run_cli(monkeypatch, 'make_pseudo_labels', keypoints_file, rig / 'pseudo_labels.npz')
    assert 'FLAGGED' not in capsys.readouterr().out
    assert (rig / 'pseudo_labels_quality.png').is_file()
    with np.load(rig / 'pseudo_labels.npz') as labels:
        assert labels['valid'].mean() > 0.8

    cfg = Config.fromfile(CONFIG)        # tools/train.py CONFIG --cfg-options ... does this
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': f'{rig}/',
                         'train_dataloader.dataset.reference_views': ['camera2'],
                         'train_dataloader.batch_size': 8, 'train_cfg.max_epochs': 1,
                         'default_hooks.logger.interval': 1, 'work_dir': str(tmp_path / 'work')})
    runner = Runner.from_cfg(cfg)
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss_pose3d').data[0]
    assert len(losses) == 4 and np.isfinite(losses).all()     # 30 frames of camera2, batch 8

    # a new take of camera1: its first frames, as another video
    capture, frames = cv2.VideoCapture(videos['video_paths'][0]), []
    while len(frames) < TAKE and capture.read()[0]:
        frames.append(capture.retrieve()[1])
    write_video(str(tmp_path / 'camera1_take2.mp4'), np.stack(frames), 10)
    demo = tmp_path / 'demo.mp4'
    load_tool('demo').main([str(tmp_path / 'camera1_take2.mp4'), CONFIG,
                            str(tmp_path / 'work' / 'epoch_1.pth'), '--intrinsics',
                            str(rig / 'frames' / 'intrinsics.npz'), '--camera', 'camera1',
                            '--out', str(demo)])
    capture, count = cv2.VideoCapture(str(demo)), 0
    while capture.read()[0]:
        count += 1
    assert count == TAKE
    frames = json.loads((tmp_path / 'demo.json').read_text())['frames']
    assert len(frames) == TAKE and all(len(f['joints']) == 17 for f in frames)
