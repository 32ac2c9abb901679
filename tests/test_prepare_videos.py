"""tools/prepare_videos.py: synchronized videos -> ROOT/<camera>/<frame>.jpg + intrinsics.npz."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from epipolar_plugin.apis import folder_views
from epipolar_plugin.synthetic.video import write_sequence_videos, write_video

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


prepare_videos = load_tool('prepare_videos')


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    """Two synthetic 12-frame videos (camera1.mp4, camera2.mp4) and the generator's truth."""
    return write_sequence_videos(str(tmp_path_factory.mktemp('videos')), num_frames=12,
                                 num_cameras=2, size=64, seed=5)


def video_frames(path):
    capture, frames = cv2.VideoCapture(str(path)), []
    while True:
        ok, frame = capture.read()
        if not ok:
            return np.stack(frames)
        frames.append(frame)


def test_kept_frames_are_written_in_the_folder_layout(videos, tmp_path, capsys):
    out = tmp_path / 'frames'
    # the generator's videos are listed in reverse: folders and intrinsics come out sorted
    prepare_videos.main([*videos['video_paths'][::-1], '--out', str(out), '--every', '3',
                         '--start', '1', '--max-frames', '3', '--guess-intrinsics'])
    views = folder_views(str(out))
    assert list(views['camera_names']) == ['camera1', 'camera2']
    assert views['image_names'][1].tolist() == ['camera2/000001.jpg', 'camera2/000004.jpg',
                                                'camera2/000007.jpg']
    for v, path in enumerate(videos['video_paths']):
        decoded = video_frames(path)
        assert len(decoded) == 12
        for name, index in zip(views['image_names'][v], (1, 4, 7)):
            image = cv2.imread(str(out / name)).astype(float)
            difference = np.abs(image - decoded).mean(axis=(1, 2, 3))
            assert difference.argmin() == index          # the JPEG of that very frame
    with np.load(out / 'intrinsics.npz') as calibration:
        assert calibration['camera_names'].tolist() == ['camera1', 'camera2']
        assert calibration['image_size'].tolist() == [[64, 64], [64, 64]]
        assert calibration['intrinsics'][0, 0, 0] == 64 and bool(calibration['intrinsics_guessed'])
        # one frame in 3 of the videos' rate: the rate of the kept frames
        rate = cv2.VideoCapture(str(videos['video_paths'][0])).get(cv2.CAP_PROP_FPS)
        assert float(calibration['fps']) == pytest.approx(rate / 3)
    assert 'wrote 3 frames x 2 cameras' in capsys.readouterr().out


def test_given_intrinsics_follow_the_camera_names(videos, tmp_path):
    calibration = tmp_path / 'calib.npz'
    # stored in the reverse order, matched by name
    np.savez(calibration, intrinsics=videos['intrinsics'][::-1],
             distortion=videos['distortion'][::-1], camera_names=np.array(['camera2', 'camera1']))
    prepare_videos.main([*videos['video_paths'], '--out', str(tmp_path / 'frames'),
                         '--intrinsics', str(calibration)])
    with np.load(tmp_path / 'frames' / 'intrinsics.npz') as written:
        np.testing.assert_allclose(written['intrinsics'], videos['intrinsics'])
        np.testing.assert_allclose(written['distortion'], videos['distortion'])
        assert not written['intrinsics_guessed']
    assert folder_views(str(tmp_path / 'frames'))['image_names'].shape == (2, 12)
    with pytest.raises(FileExistsError, match='camera1 already holds images'):
        prepare_videos.main([*videos['video_paths'], '--out', str(tmp_path / 'frames'),
                             '--intrinsics', str(calibration)])
    np.savez(calibration, intrinsics=videos['intrinsics'][:1])
    with pytest.raises(ValueError, match=r'calib.npz: intrinsics must have shape \(2, 3, 3\)'):
        prepare_videos.main([*videos['video_paths'], '--out', str(tmp_path / 'other'),
                             '--intrinsics', str(calibration)])


def test_unequal_lengths_are_trimmed_and_other_frame_rates_refused(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (10, 32, 48, 3), dtype=np.uint8)
    write_video(str(tmp_path / 'a.mp4'), frames, 10)
    write_video(str(tmp_path / 'b.mp4'), frames[:7], 10)
    write_video(str(tmp_path / 'c.mp4'), frames, 12.5)
    prepare_videos.main([str(tmp_path / 'a.mp4'), str(tmp_path / 'b.mp4'), '--out',
                         str(tmp_path / 'out'), '--guess-intrinsics'])
    printed = capsys.readouterr().out
    assert "{'a': 10, 'b': 7}; trimmed to the shortest, 7" in printed
    assert folder_views(str(tmp_path / 'out'))['image_names'].shape == (2, 7)
    with np.load(tmp_path / 'out' / 'intrinsics.npz') as calibration:
        assert calibration['image_size'].tolist() == [[48, 32], [48, 32]]
    with pytest.raises(ValueError, match=r'different frame rates.*a\.mp4: 10 fps.*c\.mp4: 12\.5'):
        prepare_videos.main([str(tmp_path / 'a.mp4'), str(tmp_path / 'c.mp4'), '--out',
                             str(tmp_path / 'out2'), '--guess-intrinsics'])
    (tmp_path / 'broken.mp4').write_bytes(b'not a video')
    with pytest.raises(ValueError, match='broken.mp4: OpenCV cannot open this video'):
        prepare_videos.main([str(tmp_path / 'a.mp4'), str(tmp_path / 'broken.mp4'), '--out',
                             str(tmp_path / 'out3'), '--guess-intrinsics'])
    with pytest.raises(SystemExit):          # argparse: calibration or an explicit guess
        prepare_videos.main([str(tmp_path / 'a.mp4'), str(tmp_path / 'b.mp4'), '--out',
                             str(tmp_path / 'out4')])


@given(length=st.integers(0, 60), start=st.integers(0, 70), every=st.integers(1, 7),
       max_frames=st.one_of(st.none(), st.integers(1, 20)))
def test_kept_frames_are_the_requested_slice(length, start, every, max_frames):
    frames = prepare_videos.kept_frames(length, start, every, max_frames)
    expected = list(range(length))[start::every][:max_frames]
    assert frames == expected
