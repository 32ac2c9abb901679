"""A synthetic sequence written as one video per camera."""
import cv2
import numpy as np

from epipolar_plugin.synthetic.video import write_sequence_videos


def test_every_camera_is_a_readable_video_of_the_sequence(tmp_path):
    first = write_sequence_videos(str(tmp_path / 'a'), num_frames=8, num_cameras=3, size=64,
                                  seed=4, fps=12.5)
    assert [p.rsplit('/', 1)[1] for p in first['video_paths']] == [
        'camera1.mp4', 'camera2.mp4', 'camera3.mp4']
    assert first['keypoints_2d'].shape == (3, 8, 17, 3)
    assert first['keypoints_clean'].shape == (3, 8, 17, 2)
    inside = (first['keypoints_clean'] > 0) & (first['keypoints_clean'] < 64)
    assert inside.all(-1).mean() > 0.95                  # the person is in every view
    for path in first['video_paths']:
        capture, frames = cv2.VideoCapture(path), []
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(frame)
        assert len(frames) == 8 and frames[0].shape == (64, 64, 3)
        assert capture.get(cv2.CAP_PROP_FPS) == 12.5
        assert np.abs(frames[0].astype(int) - frames[-1]).mean() > 1.0     # it moves
    again = write_sequence_videos(str(tmp_path / 'b'), num_frames=8, num_cameras=3, size=64,
                                  seed=4, fps=12.5)
    for key in ('keypoints_2d', 'intrinsics', 'joints_camera'):
        np.testing.assert_array_equal(first[key], again[key])          # deterministic
