"""The capsule renderer and the self-occlusion test against hand-made scenes."""
import numpy as np

from epipolar_plugin.synthetic import random_appearance, render_frames, self_occlusion
from epipolar_plugin.synthetic.render import capsule_surface

K = np.array([[200.0, 0, 100], [0, 200.0, 100], [0, 0, 1]])
NO_DISTORTION = np.zeros(5)


def test_capsule_surface_depth_of_a_limb_across_the_view():
    # a capsule from (-0.5, 0, 4) to (0.5, 0, 4) m, radius 0.1 m: 50 px long, 5 px radius
    ends = np.array([[[[75.0, 100.0], [125.0, 100.0]]]])
    depth = np.array([[[4.0, 4.0]]])
    radius_px = np.full((1, 1, 2), 5.0)
    points = np.array([[[100.0, 100.0], [100.0, 103.0], [100.0, 106.0], [130.0, 100.0]]])
    surface, normal = capsule_surface(points, ends, depth, radius_px, np.array([0.1]),
                                      with_normal=True)
    np.testing.assert_allclose(surface[0, 0, 0], 3.9, atol=1e-6)          # axis: z - r
    np.testing.assert_allclose(surface[0, 0, 1], 4.0 - 0.1 * 0.8, atol=1e-6)  # 3/5 off axis
    assert np.isinf(surface[0, 0, 2]) and np.isinf(surface[0, 0, 3])     # outside
    np.testing.assert_allclose(normal[0, 0, 1], [0.0, 0.6, -0.8], atol=1e-6)


def _standing_person(depth=4.0):
    joints = np.zeros((1, 17, 3))
    joints[0, :, 2] = depth
    layout = {0: (0, 0.0), 1: (-0.13, 0), 2: (-0.13, 0.45), 3: (-0.13, 0.9), 4: (0.13, 0),
              5: (0.13, 0.45), 6: (0.13, 0.9), 7: (0, -0.23), 8: (0, -0.48), 9: (0, -0.58),
              10: (0, -0.7), 11: (0.15, -0.48), 12: (0.22, -0.22), 13: (0.3, 0.02),
              14: (-0.15, -0.48), 15: (-0.22, -0.22), 16: (-0.3, 0.02)}
    for joint, (x, y) in layout.items():
        joints[0, joint, :2] = x, y            # camera frame: x right, y down
    return joints


def test_a_hand_behind_the_body_is_occluded_and_in_front_it_is_not():
    joints = _standing_person()
    assert not self_occlusion(joints, K, NO_DISTORTION).any()
    behind = joints.copy()
    behind[0, 13] = [0.0, -0.3, 4.3]           # left wrist behind the chest
    front = joints.copy()
    front[0, 13] = [0.0, -0.3, 3.7]            # in front of the chest
    assert self_occlusion(behind, K, NO_DISTORTION)[0, 13]
    assert not self_occlusion(front, K, NO_DISTORTION)[0, 13]


def test_render_draws_the_body_over_the_background_left_and_right_apart():
    joints = _standing_person()
    background = np.full((200, 200, 3), 128, np.uint8)
    rng = np.random.default_rng(0)
    appearance = random_appearance(rng)
    image = render_frames(joints, K, NO_DISTORTION, background, appearance, rng)[0].astype(float)
    assert np.abs(image[100, 100] - 128).max() > 20                       # the pelvis is drawn
    assert np.abs(image[10, 10] - 128).max() < 15                         # the corner is not
    left_shin = image[100 + int(200 * 0.7 / 4), 100 + int(200 * 0.13 / 4)]
    right_shin = image[100 + int(200 * 0.7 / 4), 100 - int(200 * 0.13 / 4)]
    assert left_shin[0] > right_shin[0] and right_shin[2] > left_shin[2]  # BGR: blue vs red
