"""The pipeline against a synthetic rig with known cameras and 3D truth."""
import numpy as np
import pytest

from epipolar_plugin.geometry import mean_joint_error, root_centre, rotation_angle_deg, scale_align
from epipolar_plugin.labels import (FrameStatus, JointStatus, LABEL_MODES, LabelOptions,
                                    make_pseudo_labels)
from epipolar_plugin.synthetic import DetectionNoise, make_scene

EXACT = DetectionNoise(pixel_sigma=0.0, outlier_fraction=0.0, low_confidence_fraction=0.0,
                       missing_view_fraction=0.0)


def n_mpjpe(labels, truth):
    mask = labels.valid & labels.valid[:, :1]
    gt = root_centre(truth)
    return mean_joint_error(scale_align(root_centre(labels.keypoints_3d), gt, mask), gt, mask)


def rotation_errors(labels, scene):
    return np.array([[rotation_angle_deg(labels.rotations[f, v], scene.relative_pose(v)[0])
                      for v in range(len(scene.cameras))] for f in range(len(labels.valid))])


@pytest.mark.parametrize('mode', list(LABEL_MODES))
def test_exact_data_recovers_cameras_and_pose_up_to_scale(mode):
    scene = make_scene(40, 4, seed=3, noise=EXACT)
    labels = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                                options=LabelOptions.from_flat(mode=mode))
    assert labels.valid.all() and (labels.frame_status == 0).all()
    pooled = LABEL_MODES[mode].pooled
    assert np.radians(np.nanmax(rotation_errors(labels, scene))) < (1e-6 if pooled else 1e-4)
    assert n_mpjpe(labels, scene.joints_camera[0]) < 1e-5  # metres, after the scale fit
    # one scale for the whole sequence in pooled modes: |t| of the scale view is 1
    scale_view = labels.scale_view[0]
    np.testing.assert_allclose(np.linalg.norm(labels.translations[:, scale_view], axis=-1), 1.0)


def test_noise_degrades_gracefully_and_pooled_beats_per_frame():
    scene = make_scene(300, 4, seed=4, noise=DetectionNoise())
    truth = scene.joints_camera[0]
    pooled = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion)
    per_frame = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                                   options=LabelOptions.from_flat(mode='per_frame'))
    assert n_mpjpe(pooled, truth) < 0.05                      # metres
    assert n_mpjpe(pooled, truth) < n_mpjpe(per_frame, truth)
    assert np.nanmedian(rotation_errors(pooled, scene)[:, 1:]) < 0.5  # degrees
    assert pooled.valid.mean() > 0.95
    for labels in (pooled, per_frame):   # never a NaN marked valid
        assert np.all(np.isfinite(labels.keypoints_3d[labels.valid]))
        assert np.all(np.isnan(labels.keypoints_3d[~labels.valid]))


@pytest.mark.parametrize('mode', list(LABEL_MODES))
def test_nan_and_zero_score_joints_are_flagged(mode):
    scene = make_scene(30, 3, seed=5, noise=EXACT)
    keypoints = scene.keypoints_2d.copy()
    keypoints[:, :, 3] = np.nan                           # joint 3 missing everywhere
    keypoints[:, :, 6, 2] = 0.0                           # joint 6 with zero score
    keypoints[1:, :, 9, 2] = 0.0                          # joint 9 in the reference view only
    labels = make_pseudo_labels(keypoints, scene.intrinsics, scene.distortion,
                                options=LabelOptions.from_flat(mode=mode))
    assert not labels.valid[:, [3, 6, 9]].any()
    assert (labels.joint_status[:, 3] == JointStatus.NAN_INPUT).all()
    assert (labels.joint_status[:, 6] == JointStatus.LOW_SCORE).all()
    assert (labels.joint_status[:, 9] == JointStatus.SINGLE_VIEW).all()
    assert labels.valid[:, [0, 1, 2, 4, 5]].all()


@pytest.mark.parametrize('mode', list(LABEL_MODES))
def test_missing_view_and_too_few_joints(mode):
    scene = make_scene(20, 2, seed=6, noise=EXACT)
    keypoints = scene.keypoints_2d.copy()
    keypoints[1, :5] = np.nan                             # view 1 missing in frames 0-4
    keypoints[1, 5:8, :13] = np.nan                       # only 4 joints shared in frames 5-7
    # a 2-camera studio rig faces itself: no triangulation-angle test here (see its own test)
    labels = make_pseudo_labels(keypoints, scene.intrinsics, scene.distortion,
                                options=LabelOptions.from_flat(
                                    mode=mode, min_triangulation_angle_deg=0.0))
    assert not labels.valid[:5].any()
    assert np.all(np.isnan(labels.keypoints_3d[:5]))
    assert labels.valid[8:].all()
    summary = labels.summary()
    assert summary['frames'] == 20
    if not LABEL_MODES[mode].pooled:   # 4 shared joints cannot give a pose
        assert not labels.valid[5:8].any()
        assert (labels.frame_status[:8] == FrameStatus.TOO_FEW_POINTS).all()
        assert summary['valid_frame_fraction'] == pytest.approx(12 / 20)
    else:                     # the rig's pose comes from the other frames: 4 joints are labelled
        assert labels.valid[5:8, 13:].all() and not labels.valid[5:8, :13].any()
        assert (labels.frame_status[:5] == FrameStatus.NO_VALID_JOINT).all()
        assert summary['valid_frame_fraction'] == pytest.approx(15 / 20)


def test_all_views_missing_is_flagged_not_raised():
    scene = make_scene(10, 3, seed=7, noise=EXACT)
    keypoints = scene.keypoints_2d.copy()
    keypoints[1:] = np.nan
    for mode in LABEL_MODES:
        labels = make_pseudo_labels(keypoints, scene.intrinsics, scene.distortion,
                                    options=LabelOptions.from_flat(mode=mode))
        assert not labels.valid.any()
        assert (labels.frame_status == FrameStatus.TOO_FEW_POINTS).all()


def test_pure_rotation_rig_is_flagged():
    scene = make_scene(20, 2, seed=8, noise=EXACT)
    # view 1 becomes the reference camera rotated in place: zero baseline
    from scipy.spatial.transform import Rotation
    from epipolar_plugin.geometry import project_points
    rotation = Rotation.from_euler('y', 25, degrees=True).as_matrix()
    camera = scene.joints_camera[0] @ rotation.T
    keypoints = scene.keypoints_2d.copy()
    keypoints[1, ..., :2] = project_points(camera, scene.intrinsics[0])
    labels = make_pseudo_labels(keypoints, scene.intrinsics[[0, 0]], None)
    assert not labels.valid.any()
    assert labels.frame_status[0] != FrameStatus.OK


@pytest.mark.parametrize('key, value, message', [
    ('keypoints_2d', np.zeros((2, 5, 17)), 'keypoints_2d'),
    ('keypoints_2d', np.full((2, 5, 17, 3), 'a'), 'keypoints_2d'),
    ('intrinsics', np.zeros((3, 3, 3)), 'intrinsics'),
    ('distortion', np.zeros((2, 3)), 'distortion'),
])
def test_wrong_shapes_or_dtypes_name_the_key(key, value, message):
    inputs = dict(keypoints_2d=np.ones((2, 5, 17, 3)), intrinsics=np.stack([np.eye(3)] * 2),
                  distortion=None)
    inputs[key] = value
    with pytest.raises(ValueError, match=f"key '{message}'"):
        make_pseudo_labels(**inputs)
