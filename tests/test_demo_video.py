"""tools/demo.py on a video and on a folder of frames: an mp4 with the image, the overlay and
the 3D skeleton side by side, and the per-frame JSON."""
import json
import os
import os.path as osp
import cv2
import numpy as np
import pytest
import torch

from epipolar_plugin.synthetic.video import write_sequence_videos
from .test_prepare_videos import load_tool

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(ROOT, 'configs', 'epipolar_synthetic.py')


@pytest.fixture(scope='module')
def random_checkpoint(tmp_path_factory):
    from mmengine.config import Config

    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    path = tmp_path_factory.mktemp('demo') / 'random.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return str(path)


demo = load_tool('demo')


def count_frames(path):
    capture, count = cv2.VideoCapture(str(path)), 0
    while capture.read()[0]:
        count += 1
    return count, (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                   int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))


def test_video_demo_writes_every_frame_side_by_side(random_checkpoint, tmp_path):
    videos = write_sequence_videos(str(tmp_path), num_frames=6, num_cameras=2, size=96, seed=1)
    calibration = tmp_path / 'intrinsics.npz'
    np.savez(calibration, intrinsics=videos['intrinsics'], distortion=videos['distortion'],
             camera_names=videos['camera_names'])
    out = tmp_path / 'demo.mp4'
    demo.main([videos['video_paths'][1], CONFIG, random_checkpoint, '--out', str(out),
               '--intrinsics', str(calibration), '--camera', 'camera2'])
    frames, (width, height) = count_frames(out)
    assert frames == 6 and (width, height) == (960, 480)    # image (scaled) | 3D panel
    record = json.loads((tmp_path / 'demo.json').read_text())
    assert record['fps'] == pytest.approx(25.0) and len(record['frames']) == 6
    for index, frame in enumerate(record['frames']):
        assert frame['frame'] == index and frame['box'] == [0, 0, 96, 96]
        pose = np.array(list(frame['joints'].values()))
        assert pose.shape == (17, 3) and np.isfinite(pose).all()
        np.testing.assert_allclose(pose[0], 0, atol=1e-6)            # root-relative
    with pytest.raises(SystemExit, match=r'with --camera \(got None\)'):
        demo.main([videos['video_paths'][1], CONFIG, random_checkpoint, '--out',
                   str(tmp_path / 'x.mp4'), '--intrinsics', str(calibration)])


def test_folder_demo_takes_boxes_per_frame(random_checkpoint, tmp_path):
    folder = tmp_path / 'frames'
    os.makedirs(folder)
    rng = np.random.default_rng(0)
    for index in range(3):
        cv2.imwrite(str(folder / f'{index:03d}.jpg'),
                    rng.integers(0, 255, (80, 120, 3), dtype=np.uint8))
    (folder / 'notes.txt').write_text('not a frame')
    boxes = np.array([[10, 5, 60, 75], [np.nan] * 4, [20, 10, 70, 78]])
    np.savez(tmp_path / 'boxes.npz', boxes=boxes)
    out = tmp_path / 'folder.mp4'
    demo.main([str(folder), CONFIG, random_checkpoint, '--boxes', str(tmp_path / 'boxes.npz'),
               '--out', str(out), '--fps', '5'])
    assert count_frames(out)[0] == 3
    record = json.loads((tmp_path / 'folder.json').read_text())
    assert [f['image'] for f in record['frames']] == ['000.jpg', '001.jpg', '002.jpg']
    assert [f['box'] for f in record['frames']] == [[10, 5, 60, 75], [0, 0, 120, 80],
                                                     [20, 10, 70, 78]]     # NaN: whole frame
    np.savez(tmp_path / 'boxes.npz', boxes=boxes[:2])
    with pytest.raises(SystemExit, match=r"'boxes' must have shape \(3, 4\)"):
        demo.main([str(folder), CONFIG, random_checkpoint, '--boxes',
                   str(tmp_path / 'boxes.npz'), '--out', str(out)])
