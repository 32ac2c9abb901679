"""Every training image gets the label of the instant it shows, in its own camera, with the
intrinsics the labels used; a camera the labels left out is cropped around the label."""
import numpy as np
import pytest

from epipolar_plugin.datasets import EpipolarPseudoLabel, MultiViewFolderDataset
from epipolar_plugin.datasets.label_pairing import NO_LABEL, LabelPairing, add_pseudo_label
from epipolar_plugin.fileio import load_pseudo_labels_for, save_pseudo_labels
from epipolar_plugin.labels import LabelOptions, make_pseudo_labels
from epipolar_plugin.synthetic import DetectorFailures, make_scene


def saved(tmp_path, labels, num_frames, num_views):
    path = str(tmp_path / 'labels.npz')
    save_pseudo_labels(path, labels)
    return load_pseudo_labels_for(path, 'keypoints.npz', num_frames, num_views)


def shape_error(target, truth):
    """Mean distance (m) between root-relative poses after the best scale."""
    target, truth = target - target[:1], truth - truth[:1]
    scale = np.sum(target * truth) / np.sum(target * target)
    return np.linalg.norm(scale * target - truth, axis=-1).mean()


def test_delayed_camera_images_get_the_label_of_the_instant_they_show(tmp_path):
    offsets = (0, 0, 3, -2)
    # 300 frames: enough for the offsets' evidence (120 leave camera 3's -2 undecided)
    scene = make_scene(300, 4, seed=31, action='walking',
                       failures=DetectorFailures(sync_offsets=offsets))
    labels = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                                options=LabelOptions.from_flat(sync='apply'))
    assert labels.sync_offset.tolist() == [list(offsets)]
    pairing = LabelPairing(saved(tmp_path, labels, 300, 4))
    errors, naive = [], []
    for row in range(10, 110, 7):
        for view in (2, 3):
            label, reason = pairing.target(row, view)
            assert label is not None and reason == ''
            valid = label['valid'] & label['valid'][0]
            target = label['keypoints_3d'] @ label['rotation'].T + label['translation']
            # camera `view`'s image of row `row` shows the subject at instant row - offset
            shown = scene.joints_camera[view, row - offsets[view]]
            errors.append(shape_error(target[valid], shown[valid]))
            naive.append(shape_error(target[valid], scene.joints_camera[view, row][valid]))
    assert np.median(errors) < 0.03 < np.median(naive)
    # the first images of a late camera show instants before the reference camera's first
    assert pairing.target(1, 2) == (None, NO_LABEL)
    assert pairing.target(299, 3) == (None, NO_LABEL)


def test_samples_use_the_intrinsics_of_the_labels(tmp_path):
    scene = make_scene(100, 4, seed=32)
    guessed = scene.intrinsics.copy()
    guessed[:, [0, 1], [0, 1]] *= 1.1
    labels = make_pseudo_labels(scene.keypoints_2d, guessed, None,
                                session=np.repeat([4, 9], 50),
                                options=LabelOptions.from_flat(refine_focal=True))
    pairing = LabelPairing(saved(tmp_path, labels, 100, 4))
    for row, session in ((10, 0), (60, 1)):
        sample = dict(intrinsics=scene.intrinsics, distortion=scene.distortion)
        add_pseudo_label(sample, pairing.target(row, 1)[0])
        np.testing.assert_array_equal(sample['intrinsics'], labels.intrinsics[session])
        np.testing.assert_array_equal(sample['distortion'], np.zeros((4, 5)))
        assert set(sample['pseudo_label']) == {'keypoints_3d', 'valid', 'rotation',
                                               'translation'}


@pytest.mark.parametrize('bad_view', [1])
def test_folder_crops_a_left_out_camera_around_the_label(tmp_path, bad_view):
    scene = make_scene(300, 4, seed=33, failures=DetectorFailures(bad_view=bad_view))
    names = np.array([[f'cam{v}/{f:06d}.jpg' for f in range(300)] for v in range(4)])
    np.savez(tmp_path / 'keypoints.npz', keypoints_2d=scene.keypoints_2d,
             intrinsics=scene.intrinsics, distortion=scene.distortion, image_names=names)
    labels = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion)
    save_pseudo_labels(str(tmp_path / 'labels.npz'), labels)
    dataset = MultiViewFolderDataset(keypoints_2d_file='keypoints.npz',
                                     pseudo_label_file='labels.npz', data_root=str(tmp_path),
                                     reference_views=[bad_view], test_mode=True)
    left_out = np.flatnonzero(~labels.frame_view_used[:, bad_view])
    assert len(left_out) > 50
    samples = [dataset.get_data_info(index) for index in range(len(dataset))]
    by_frame = {sample['id'] // 4: sample for sample in samples}
    inside = []
    for frame in left_out:
        if frame not in by_frame:
            continue
        sample = by_frame[frame]
        truth = scene.keypoints_clean[bad_view, frame]
        centre, side = sample['bbox_center'][0], sample['bbox_scale'][0, 0]
        inside.append(np.mean(np.all(np.abs(truth - centre) <= side / 2, axis=-1)))
        target = EpipolarPseudoLabel()(dict(sample))
        assert np.isfinite(target['lifting_target']).all()
    assert len(inside) > 0.8 * len(left_out)
    assert np.median(inside) == 1.0          # the true person is in the crop
