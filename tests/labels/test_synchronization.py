"""Frame offsets: offset 0 unless the evidence is clear, on synchronized and delayed synthetic
cameras at walking speeds, 25 and 60 fps, with an off-the-shelf detector's noise at full HD."""
import numpy as np
import pytest

from epipolar_plugin.labels import LabelOptions, make_pseudo_labels
from epipolar_plugin.labels.synchronization import EVIDENCE_BLOCKS, offset_evidence
from epipolar_plugin.synthetic import DetectionNoise, DetectorFailures, make_scene


def portrait_walk(seed, fps, speed, noise_px, delays=None, frames=600):
    """Four portrait full-HD cameras (1080 x 1920, focal 1680 px) filming a walk, with
    ``noise_px`` pixels of detector noise."""
    return make_scene(frames, 4, seed=seed, action='walking', fps=fps, walking_speed=speed,
                      image_size=(1080, 1920), focal=1680.0, area_radius=1.5,
                      noise=DetectionNoise(pixel_sigma=noise_px / 1.92),
                      failures=DetectorFailures(sync_offsets=delays) if delays else None)


def offsets_of(scene, **options):
    labels = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                                options=LabelOptions.from_flat(mode='pooled', sync='estimate',
                                                               **options))
    return labels


@pytest.mark.parametrize('seed, fps, speed, noise_px', [(1, 60, 0.6, 10.0), (2, 60, 0.6, 10.0),
                                                        (0, 60, 1.8, 10.0)])
def test_synchronized_cameras_keep_offset_zero(seed, fps, speed, noise_px):
    # slow walking at 60 fps: the curve is flat near 0 and its lowest point wanders
    labels = offsets_of(portrait_walk(seed, fps, speed, noise_px))
    assert labels.sync_offset.tolist() == [[0, 0, 0, 0]]
    curves = labels.sync_error_px[0, 1:]
    assert curves.shape == (3, 11) and np.isfinite(curves).all()
    assert np.isnan(labels.sync_error_px[0, 0]).all()
    # the curve still shows the cameras are in sync: far offsets are clearly worse
    assert (curves[:, [0, -1]].min(axis=1) > 1.1 * curves.min(axis=1)).all()
    summary = labels.summary()['sessions'][0]['views'][1]
    assert set(summary['sync_error_px']) == set(range(-5, 6)) and 'sync_evidence' in summary


@pytest.mark.parametrize('fps, delays', [(25, (0, 1, -2, 4)), (60, (0, 3, -4, 5))])
def test_real_offsets_are_still_found(fps, delays):
    labels = offsets_of(portrait_walk(3, fps, 1.2, 10.0, delays, frames=900))
    assert labels.sync_offset.tolist() == [list(delays)]
    assert (labels.sync_evidence[0, 1:] >= 5).all()


def test_offset_evidence_is_a_block_t_statistic():
    rng = np.random.default_rng(0)
    zero = rng.normal(10.0, 1.0, 400)
    # a candidate better by 0.5 in every frame, with its own noise of 1: the block means'
    # standard error is about 1 / sqrt(400)
    better = zero - 0.5 + rng.normal(0.0, 1.0, 400)
    difference = zero - better
    means = np.array([part.mean() for part in np.array_split(difference, EVIDENCE_BLOCKS)])
    expected = difference.mean() / (means.std(ddof=1) / np.sqrt(EVIDENCE_BLOCKS))
    assert offset_evidence(zero, better) == pytest.approx(expected)
    assert 7 < offset_evidence(zero, better) < 14          # 0.5 / (1 / 20) = 10
    assert offset_evidence(zero, zero + rng.normal(0.0, 1.0, 400)) < 3
    assert offset_evidence(zero[:15], better[:15]) == 0.0   # too few frames for two blocks
    with_nan = better.copy()
    with_nan[::7] = np.nan
    assert np.isfinite(offset_evidence(zero, with_nan))


def test_noise_and_thresholds_come_from_the_synchronized_detections():
    # every camera pair out of sync: before the shift, every pair's epipolar error holds the
    # motion between the unaligned instants as well as the detector's 3 px
    scene = make_scene(400, 4, seed=8, action='walking',
                       failures=DetectorFailures(sync_offsets=(0, 2, -3, 4)))
    labels = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                                options=LabelOptions.from_flat(sync='apply'))
    assert labels.sync_offset.tolist() == [[0, 2, -3, 4]]
    noise = float(labels.noise_px[0])
    assert noise == pytest.approx(3.0, rel=0.08)
    assert float(labels.ransac_threshold_px[0]) == pytest.approx(2.5 * noise)
    assert float(labels.outlier_threshold_px[0]) == pytest.approx(4.0 * noise)
    unshifted = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                                   options=LabelOptions.from_flat(sync='estimate'))
    assert float(unshifted.noise_px[0]) > 1.15 * noise      # measured before any shift
