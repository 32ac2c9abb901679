"""What real recordings break and the synthetic rig gives for free: image resolution, detector
noise, recording sessions, cameras facing each other, out-of-sync cameras, refined intrinsics."""
import numpy as np
import pytest

from epipolar_plugin.geometry import (mean_joint_error, pixel_to_normalized, root_centre,
                                      rotation_angle_deg, scale_align)
from epipolar_plugin.labels import LabelOptions, make_pseudo_labels
from epipolar_plugin.labels.label_quality import find_rig_changes
from epipolar_plugin.labels.noise import estimate_noise
from epipolar_plugin.labels.observations import person_size
from epipolar_plugin.geometry.relative_pose import RelativePose
from epipolar_plugin.labels.rig_assembly import rig_around_hub
from epipolar_plugin.labels.statuses import ViewStatus
from epipolar_plugin.synthetic import DetectionNoise, DetectorFailures, FacingPair, make_scene


def n_mpjpe_mm(labels, scene, frames=slice(None)):
    truth = root_centre(scene.joints_camera[0][frames])
    valid = labels.valid[frames]
    mask = valid & valid[:, :1]
    return 1000 * mean_joint_error(
        scale_align(root_centre(labels.keypoints_3d[frames]), truth, mask), truth, mask)


def normalized(scene):
    return np.stack([pixel_to_normalized(scene.keypoints_2d[v, ..., :2], scene.intrinsics[v],
                                         scene.distortion[v]) for v in range(len(scene.cameras))])


def rescaled(scene, factor):
    """The same detections filmed at ``factor`` times the resolution (pixels and intrinsics)."""
    keypoints = scene.keypoints_2d.copy()
    keypoints[..., :2] *= factor
    intrinsics = scene.intrinsics.copy()
    intrinsics[:, :2] *= factor
    return keypoints, intrinsics


def test_same_scene_at_any_resolution_gives_the_same_labels():
    scene = make_scene(150, 4, seed=21)
    reference = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion)
    for factor in (0.25, 4.0):
        keypoints, intrinsics = rescaled(scene, factor)
        labels = make_pseudo_labels(keypoints, intrinsics, scene.distortion)
        np.testing.assert_array_equal(labels.valid, reference.valid)
        np.testing.assert_allclose(labels.keypoints_3d, reference.keypoints_3d, atol=1e-6,
                                   equal_nan=True)
        np.testing.assert_allclose(labels.outlier_threshold_px,
                                   factor * reference.outlier_threshold_px, rtol=1e-6)
    # pixel thresholds (the explicit override) do change with the resolution
    keypoints, intrinsics = rescaled(scene, 4.0)
    pixels = make_pseudo_labels(keypoints, intrinsics, scene.distortion,
                                options=LabelOptions.from_flat(outlier_threshold_px=15))
    assert not np.array_equal(pixels.valid, reference.valid)


@pytest.mark.parametrize('sigma', [1.0, 3.0, 8.0])
def test_detector_noise_is_measured_from_the_poses(sigma):
    scene = make_scene(200, 4, seed=22, noise=DetectionNoise(pixel_sigma=sigma),
                       failures=DetectorFailures(bad_view=1))
    points = normalized(scene)
    confident = np.isfinite(points).all(-1) & (scene.keypoints_2d[..., 2] >= 0.3)
    unit = np.nanmedian(person_size(points, confident))
    estimate = estimate_noise(points, confident, 0.05 * unit) * scene.intrinsics[0, 0, 0]
    assert abs(estimate / sigma - 1) < 0.1
    labels = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion)
    assert abs(labels.noise_px[0] / sigma - 1) < 0.15


def test_sessions_get_their_own_rig():
    scene = make_scene(800, 4, seed=23, sessions=2, action='walking')
    pooled = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion)
    apart = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                               session=scene.session * 5 + 1)      # any integer labels
    assert apart.session_ids.tolist() == [1, 6] and apart.view_flagged.shape == (2, 4)
    np.testing.assert_array_equal(apart.session, scene.session * 5 + 1)
    # one rig for both fits one session and labels the other worse (fewer joints, or worse)
    worse = max((scene.session == k for k in (0, 1)),
                key=lambda frames: n_mpjpe_mm(pooled, scene, frames) / pooled.valid[frames].mean())
    assert n_mpjpe_mm(apart, scene, worse) < n_mpjpe_mm(pooled, scene, worse)
    assert apart.valid[worse].mean() > pooled.valid[worse].mean() + 0.05
    for k in (0, 1):
        true_rotation = scene.relative_pose(1, session=k)[0]
        frame = np.flatnonzero(scene.session == k)[0]
        assert rotation_angle_deg(apart.rotations[frame, 1], true_rotation) < 0.5
    # without sessions, the summary says where the rig changed
    changes = pooled.summary()['sessions'][0]['rig_changes']
    assert len(changes) == 1      # one session, whichever the rig fits worse
    assert (abs(changes[0]['start'] - 0) < 20 and abs(changes[0]['stop'] - 400) < 20
            or abs(changes[0]['start'] - 400) < 20 and changes[0]['stop'] == 800)
    assert apart.summary()['sessions'][0]['rig_changes'] == []


def test_find_rig_changes():
    errors = np.full(300, 2.0)
    errors[100:200] = 9.0
    errors[250] = 50.0                                  # one bad frame is not a rig change
    assert find_rig_changes(errors) == [dict(start=100, stop=200, error_px=9.0,
                                             elsewhere_px=2.0)]
    assert find_rig_changes(np.full(300, 2.0)) == []


def test_a_facing_pair_does_not_become_the_hub():
    """Two facing cameras agree with almost anything: most inliers, no depth."""
    num_frames, num_joints = 10, 17
    confident = np.ones((4, num_frames, num_joints), bool)

    def pose(inliers, parallax):
        return RelativePose(inliers=np.arange(num_frames * num_joints) < inliers,
                            parallax_deg=parallax)

    pairs = {}
    for a in range(4):
        for b in range(4):
            if a != b:
                pairs[a, b] = pose(100, 80.0)
    pairs[1, 3] = pairs[3, 1] = pose(170, 172.0)       # facing: more inliers, 8 degrees
    pairs[0, 1] = pairs[1, 0] = pose(100, 80.0)
    hub, poses = rig_around_hub(pairs, confident, 0, min_angle_deg=15.0)
    assert hub in (0, 2)
    assert all(p.ok for v, p in enumerate(poses) if v != hub)
    hub, poses = rig_around_hub(pairs, confident, 1, min_angle_deg=15.0)
    assert hub != 3 and (hub == 1 or poses[1].ok)
    if hub == 1:
        assert poses[3].status == ViewStatus.NARROW_ANGLE        # placed by resection instead


def test_facing_cameras_and_a_poor_camera():
    """Cameras 1 and 3 face each other across the subject (axes 140 degrees apart, the subject
    within 0.3 m of the line between them), camera 2 is wrong in 60 % of the frames, and the
    detector is noisy for the pixel thresholds (as a full-resolution recording)."""
    scene = make_scene(300, 4, seed=0, noise=DetectionNoise(pixel_sigma=10.0),
                       failures=DetectorFailures(bad_view=2, bad_fraction=0.6),
                       area_radius=0.3, facing=FacingPair())
    inputs = (scene.keypoints_2d, scene.intrinsics, scene.distortion)
    plain = make_pseudo_labels(*inputs, options=LabelOptions.from_flat(mode='pooled'))
    robust = make_pseudo_labels(*inputs)
    pixels = make_pseudo_labels(*inputs,
                                options=LabelOptions.from_flat(ransac_threshold_px=3,
                                                               outlier_threshold_px=15))
    assert n_mpjpe_mm(robust, scene) < min(0.75 * n_mpjpe_mm(plain, scene),
                                           n_mpjpe_mm(pixels, scene))
    assert robust.valid.mean() > 0.9 > pixels.valid.mean()
    assert not robust.view_flagged[0, 0]                 # the good reference camera
    assert robust.view_flagged[0, 2]                     # the poor one


def test_sync_apply_says_which_image_shows_each_label():
    scene = make_scene(400, 4, seed=24, action='walking',
                       failures=DetectorFailures(sync_offsets=(0, 0, 3, -2)))
    labels = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                                options=LabelOptions.from_flat(sync='apply'))
    frames = np.arange(400)
    expected = frames[:, None] + np.array([0, 0, 3, -2])
    expected[(expected < 0) | (expected >= 400)] = -1
    np.testing.assert_array_equal(labels.image_frame, expected)
    # view 2's image of label f is row f + 3, which shows the reference camera's instant f
    for f in (20, 100):
        row = labels.image_frame[f, 2]
        shown = scene.joints_world[row - 3]
        np.testing.assert_allclose(shown, scene.joints_world[f])


def test_labels_carry_the_intrinsics_they_used():
    scene = make_scene(200, 4, seed=25)
    guessed = scene.intrinsics.copy()
    guessed[:, [0, 1], [0, 1]] *= 1.08
    labels = make_pseudo_labels(scene.keypoints_2d, guessed, None,
                                options=LabelOptions.from_flat(refine_focal=True))
    assert labels.intrinsics.shape == (1, 4, 3, 3) and labels.distortion is None
    np.testing.assert_allclose(labels.intrinsics[0][:, [0, 1], [0, 1]].mean(-1),
                               labels.focal[0])
    assert np.abs(labels.intrinsics[0, 1:, 0, 0] / guessed[1:, 0, 0] - 1).max() > 0.02
    np.testing.assert_allclose(labels.intrinsics[0][:, :2, 2], guessed[:, :2, 2])
    plain = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion)
    np.testing.assert_allclose(plain.intrinsics[0], scene.intrinsics)
    np.testing.assert_allclose(plain.distortion[0], scene.distortion)


def test_bad_thresholds_and_sessions_are_refused():
    scene = make_scene(20, 3, seed=26)
    inputs = (scene.keypoints_2d, scene.intrinsics, scene.distortion)
    with pytest.raises(ValueError, match='outlier_threshold must be a positive number'):
        make_pseudo_labels(*inputs, options=LabelOptions.from_flat(outlier_threshold=0))
    with pytest.raises(ValueError, match="key 'session' must (have shape|hold integers)"):
        make_pseudo_labels(*inputs, session=np.zeros(19, int))
    with pytest.raises(ValueError, match="key 'session' must (have shape|hold integers)"):
        make_pseudo_labels(*inputs, session=np.zeros(20))
