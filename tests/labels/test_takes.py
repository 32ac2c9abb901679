"""Takes inside a session: frame offsets are estimated on the whole session and applied within
each take; no image is paired with an instant of another take."""
import numpy as np
import pytest

from epipolar_plugin.labels import LabelOptions, make_pseudo_labels, shift_frames
from epipolar_plugin.labels.synchronization import shifted_frames
from epipolar_plugin.synthetic import DetectorFailures, make_scene

DELAY = (0, 0, 2, 0)


def test_shifted_frames_stay_inside_their_take():
    take = np.array([0, 0, 0, 0, 1, 1, 1])
    source = shifted_frames(np.array([0, 2, -1]), 7, take)
    np.testing.assert_array_equal(source[:, 0], np.arange(7))
    np.testing.assert_array_equal(source[:, 1], [2, 3, -1, -1, 6, -1, -1])
    np.testing.assert_array_equal(source[:, 2], [-1, 0, 1, 2, -1, 4, 5])
    array = np.arange(7.0)[None].repeat(3, 0)[..., None]                     # (V, F, 1)
    shifted = shift_frames(array, np.array([0, 2, -1]), take=take)[..., 0]
    np.testing.assert_array_equal(shifted[1], [2, 3, np.nan, np.nan, 6, np.nan, np.nan])
    # without takes, the old behaviour: one recording
    np.testing.assert_array_equal(shifted_frames(np.array([2]), 4)[:, 0], [2, 3, -1, -1])


def test_a_camera_delayed_in_every_take_pairs_only_within_each_take():
    scene = make_scene(120, 4, seed=31, action='walking',
                       failures=DetectorFailures(sync_offsets=DELAY))
    keypoints = np.concatenate([scene.keypoints_2d, scene.keypoints_2d], axis=1)   # 2 takes
    take = np.repeat([3, 7], 120)
    labels = make_pseudo_labels(keypoints, scene.intrinsics, scene.distortion, take=take,
                                options=LabelOptions.from_flat(sync='apply'))
    np.testing.assert_array_equal(labels.sync_offset[0], DELAY)
    image_frame = labels.image_frame                                                 # (F, V)
    paired = image_frame >= 0
    frames = np.broadcast_to(np.arange(240)[:, None], image_frame.shape)
    assert (take[image_frame[paired]] == take[frames[paired]]).all()
    # the delayed camera's last two instants of each take are outside the recording
    np.testing.assert_array_equal(image_frame[[118, 119, 238, 239], 2], -1)
    np.testing.assert_array_equal(image_frame[[117, 237], 2], [119, 239])
    # both takes get the same labels: nothing of one take entered the other's
    np.testing.assert_allclose(labels.keypoints_3d[:118], labels.keypoints_3d[120:238],
                               atol=1e-9, equal_nan=True)


def test_take_must_hold_one_integer_per_frame():
    scene = make_scene(20, 3, seed=1)
    with pytest.raises(ValueError, match=r'take must hold one integer per frame, shape \(20,\)'):
        make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, take=np.zeros(19, int))
