"""tools/demo.py without a person box (the whole frame: a warning, and a refusal for a frame much
larger than the model's input unless --whole-image) and its colours (MMPose's: left and right
limbs apart, the same in the overlay and in the 3D panel)."""
import logging

import cv2
import numpy as np
import pytest
from mmengine.logging import MMLogger

from epipolar_plugin.synthetic import make_synthetic_dataset
from epipolar_plugin.synthetic.video import write_sequence_videos
from epipolar_plugin.visualization.skeleton_plot import skeleton_style
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from .test_demo_video import CONFIG, demo, random_checkpoint  # noqa: F401  (fixture)

GREEN, ORANGE, BLUE = (0, 255, 0), (255, 128, 0), (51, 153, 255)   # RGB, MMPose's h36m.py
LEFT_LINKS, RIGHT_LINKS = ((4, 5), (5, 6), (11, 12), (12, 13)), ((1, 2), (2, 3), (14, 15), (15, 16))
#: a person facing the camera (x right, y down, metres): their left side at x > 0
FACING_POSE = np.array([
    (0, 0, 0), (-.15, 0, 0), (-.15, .45, .05), (-.15, .9, 0), (.15, 0, 0), (.15, .45, .05),
    (.15, .9, 0), (0, -.25, 0), (0, -.5, 0), (0, -.6, 0), (0, -.75, 0), (.2, -.5, 0),
    (.5, -.5, .1), (.8, -.5, 0), (-.2, -.5, 0), (-.5, -.5, .1), (-.8, -.5, 0)])


@pytest.fixture(scope='module')
def large_frame(tmp_path_factory):
    """A 160 x 160 test image of the synthetic dataset (the model's input: 64 x 64) with its
    person about 40 % of the frame's height, and that fraction (from the annotation)."""
    root = tmp_path_factory.mktemp('synthetic160')
    make_synthetic_dataset(str(root), frames=5, num_cameras=2, size=160, seed=0, progress=False)
    with np.load(root / 'annotation_body3d' / 'fps10' / 'h36m_test.npz') as annotation:
        heights = np.ptp(annotation['part'][..., 1], axis=1) / 160
        row = int(np.argmax(heights))
        return str(root / 'images' / annotation['imgname'][row]), float(heights[row])


@pytest.fixture(scope='module')
def style():
    return skeleton_style(parse_pose_metainfo(dict(from_file='configs/_base_/datasets/h36m.py')),
                          17)


class Warnings(logging.Handler):
    """The warnings of MMEngine's current logger while in use."""

    def __enter__(self):
        super().__init__(logging.WARNING)
        self.messages = []
        MMLogger.get_current_instance().addHandler(self)
        return self

    def emit(self, record):
        self.messages.append(record.getMessage())

    def __exit__(self, *error):
        MMLogger.get_current_instance().removeHandler(self)


def _near(picture_bgr, rgb, tolerance=40):
    """(H, W) mask of the pixels within ``tolerance`` of the colour ``rgb``."""
    return (np.abs(picture_bgr.astype(int) - rgb[::-1]) <= tolerance).all(-1)


def test_a_large_frame_without_a_box_is_refused_unless_whole_image(large_frame,
                                                                    random_checkpoint, tmp_path):
    image, height_fraction = large_frame
    assert 0.3 < height_fraction < 0.5
    out = tmp_path / 'demo.png'
    with pytest.raises(SystemExit, match=r"frame \(160 x 160 px\) is more than 2x the model's "
                       r'input \(64 x 64 px\).*--box X1 Y1 X2 Y2.*--boxes BOXES\.npz.*'
                       r'--det-config.*--whole-image to use the whole frame'):
        demo.main([image, CONFIG, random_checkpoint, '--out', str(out)])
    assert not list(tmp_path.iterdir())                      # nothing written
    with Warnings() as caught:
        demo.main([image, CONFIG, random_checkpoint, '--out', str(out), '--whole-image'])
    assert out.is_file() and (tmp_path / 'demo.json').is_file()
    assert len(caught.messages) == 1
    assert "the whole frame (160 x 160 px) is taken as the person's box (--whole-image)" in \
        caught.messages[0] and '--box X1 Y1 X2 Y2' in caught.messages[0]
    with Warnings() as caught:
        demo.main([image, CONFIG, random_checkpoint, '--out', str(out), '--box', '30', '55',
                   '105', '135'])
    assert not [m for m in caught.messages if 'whole frame' in m]


def test_a_video_without_a_box_is_warned_about_once(random_checkpoint, tmp_path):
    videos = write_sequence_videos(str(tmp_path), num_frames=3, num_cameras=2, size=96, seed=1)
    with Warnings() as caught:
        demo.main([videos['video_paths'][0], CONFIG, random_checkpoint,
                   '--out', str(tmp_path / 'demo.mp4')])
    whole = [m for m in caught.messages if 'whole frame' in m]
    assert len(whole) == 1 and '(96 x 96 px)' in whole[0] and '(no --box, --boxes or ' \
        '--det-config given)' in whole[0]


def test_overlay_draws_left_limbs_green_and_right_limbs_orange(style):
    canvas = demo.draw_overlay(np.full((200, 200, 3), 255, np.uint8), FACING_POSE,
                               np.array([0.0, 0.0, 200.0, 200.0]), style)
    points = demo.overlay_2d(FACING_POSE, np.array([0.0, 0.0, 200.0, 200.0]))
    for links, colour in ((LEFT_LINKS, GREEN), (RIGHT_LINKS, ORANGE), (((7, 8), ), BLUE)):
        for a, b in links:
            x, y = np.round((points[a] + points[b]) / 2).astype(int)
            assert _near(canvas, colour)[y, x], ((a, b), canvas[y, x])
    left, right = _near(canvas, GREEN), _near(canvas, ORANGE)
    # the person faces the camera: their left limbs on the picture's right
    assert np.nonzero(left)[1].mean() > 100 > np.nonzero(right)[1].mean()


@pytest.mark.parametrize('side', ['left', 'right'])
def test_the_3d_panel_draws_each_side_in_its_colour(style, side):
    pose = FACING_POSE.copy()
    other = [1, 2, 3, 14, 15, 16] if side == 'left' else [4, 5, 6, 11, 12, 13]
    pose[other] = np.nan                                # only this side's limbs drawn
    panel = demo.SkeletonPanel(style)
    try:
        picture = panel.render(pose)
    finally:
        panel.close()
    drawn, absent = (GREEN, ORANGE) if side == 'left' else (ORANGE, GREEN)
    assert _near(picture, drawn).sum() > 100 and _near(picture, absent).sum() == 0


def test_the_picture_uses_the_same_colours_in_both_panels(random_checkpoint, tmp_path):
    image = np.full((96, 96, 3), 255, np.uint8)
    cv2.imwrite(str(tmp_path / 'white.png'), image)
    out = tmp_path / 'demo.png'
    demo.main([str(tmp_path / 'white.png'), CONFIG, random_checkpoint, '--out', str(out)])
    picture = cv2.imread(str(out))
    overlay, panel = picture[:, :picture.shape[0]], picture[:, picture.shape[0]:]
    for colour in (GREEN, ORANGE, BLUE):
        assert _near(overlay, colour).sum() > 50 and _near(panel, colour).sum() > 50, colour
