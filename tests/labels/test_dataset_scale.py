"""Labels at dataset scale: the rig from a bounded subset of frames, per-frame work in chunks on
all cores, sessions in other processes; none of it may change what the labels are."""
import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from epipolar_plugin.geometry import triangulate_dlt
from epipolar_plugin.labels import LabelOptions, make_pseudo_labels
from epipolar_plugin.labels import parallel
from epipolar_plugin.labels.observations import spread_frames
from epipolar_plugin.labels.self_calibration import gate_views
from epipolar_plugin.geometry.statistics import (all_last, any_last, finite_last, nan_median,
                                                  sum_last)
from epipolar_plugin.synthetic import DetectorFailures, make_scene

from .test_robust_pseudo_labels import n_mpjpe_mm


@given(st.integers(0, 5000), st.integers(0, 3000))
def test_spread_frames_are_sorted_distinct_bounded_and_reach_both_ends(num_frames, limit):
    frames = spread_frames(num_frames, limit)
    assert np.all(np.diff(frames) > 0) and len(frames) <= (limit or num_frames)
    if num_frames and limit != 1:
        assert frames[0] == 0 and frames[-1] == num_frames - 1
    if limit == 0 or limit >= num_frames:
        np.testing.assert_array_equal(frames, np.arange(num_frames))


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 9), st.integers(1, 4)),
                  elements=st.one_of(st.just(np.nan), st.floats(-1e6, 1e6))),
       st.integers(0, 2))
def test_nan_median_equals_numpy(values, axis):
    with warnings.catch_warnings():         # all-NaN slices
        warnings.simplefilter('ignore', RuntimeWarning)
        expected = np.nanmedian(values, axis=axis)
    np.testing.assert_array_equal(nan_median(values, axis), expected)


def test_static_and_per_point_triangulation_agree_and_recover_exact_points():
    scene = make_scene(30, 4, seed=40)
    projections = np.stack([np.concatenate([r, t[:, None]], axis=1)
                            for r, t in (scene.relative_pose(v) for v in range(4))])
    truth = scene.joints_camera[0]                                       # (F, J, 3)
    homogeneous = np.concatenate([truth, np.ones(truth.shape[:-1] + (1, ))], axis=-1)
    camera = np.einsum('vij,fkj->fkvi', projections, homogeneous)
    points = camera[..., :2] / camera[..., 2:]
    weights = np.random.default_rng(0).uniform(0.2, 1.0, points.shape[:-1])
    static, valid = triangulate_dlt(points, projections, weights)
    per_point, valid_too = triangulate_dlt(points, np.broadcast_to(
        projections, points.shape[:-2] + (4, 3, 4)), weights)
    assert valid.all() and valid_too.all()
    np.testing.assert_allclose(static, truth, atol=1e-9)
    np.testing.assert_allclose(per_point, static, atol=1e-12)


def test_gating_does_not_depend_on_the_chunks_nor_on_skipping_clear_frames(monkeypatch):
    scene = make_scene(120, 4, seed=41, failures=DetectorFailures(bad_view=1))
    labels = make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion)
    from epipolar_plugin.labels.observations import observe
    observations = observe(scene.keypoints_2d, scene.intrinsics, scene.distortion, 0.3)
    threshold = labels.outlier_threshold_px[0] / labels.focal[0].mean()
    arguments = (observations, labels.rotations[0], labels.translations[0], np.ones(4, bool),
                 threshold, ((1, 4), (2, 5)))
    whole = gate_views(*arguments)
    monkeypatch.setattr(parallel, 'CHUNK_FRAMES', 7)
    assert len(parallel.frame_chunks(120)) == 18
    np.testing.assert_array_equal(gate_views(*arguments), whole)
    assert whole[:, 1].mean() < 0.8 < whole[:, 0].mean()       # the bad view is gated out
    # frames whose views all agree clearly skip the pairs of views: the same choice
    from epipolar_plugin.labels import self_calibration
    monkeypatch.setattr(self_calibration, 'CLEAR_AGREEMENT', 0.0)      # every frame's pairs
    np.testing.assert_array_equal(gate_views(*arguments), whole)


def test_rig_from_a_subset_of_frames_labels_every_frame_as_well():
    scene = make_scene(600, 4, seed=42, action='walking',
                       failures=DetectorFailures(bad_view=2, swap_probability=0.3))
    inputs = (scene.keypoints_2d, scene.intrinsics, scene.distortion)
    every = make_pseudo_labels(*inputs, options=LabelOptions.from_flat(max_pose_frames=0))
    subset = make_pseudo_labels(*inputs, options=LabelOptions.from_flat(max_pose_frames=150))
    assert subset.valid.shape == every.valid.shape
    assert abs(subset.valid.mean() - every.valid.mean()) < 0.01
    assert n_mpjpe_mm(subset, scene) < 1.05 * n_mpjpe_mm(every, scene)
    assert (subset.swapped > 0).sum() > 0.9 * (every.swapped > 0).sum()   # swaps in all frames
    assert subset.view_flagged[0, 2] and every.view_flagged[0, 2]
    plain = make_pseudo_labels(*inputs, options=LabelOptions.from_flat(mode='pooled',
                                                                       max_pose_frames=150))
    assert plain.valid.shape == every.valid.shape


def test_sessions_in_other_processes_give_the_same_labels():
    scene = make_scene(160, 3, seed=43, sessions=2, action='walking')
    inputs = (scene.keypoints_2d, scene.intrinsics, scene.distortion)
    alone = make_pseudo_labels(*inputs, session=scene.session, workers=1)
    together = make_pseudo_labels(*inputs, session=scene.session, workers=2)
    for key, value in alone.as_dict().items():
        np.testing.assert_array_equal(together.as_dict()[key], value, err_msg=key)


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(0, 20), st.integers(0, 3), st.integers(0, 5)),
                  elements=st.one_of(st.just(np.nan), st.just(np.inf), st.just(-np.inf),
                                     st.floats(-1e6, 1e6))))
def test_short_axis_reductions_equal_numpy(values):
    mask = values > 0
    np.testing.assert_array_equal(all_last(mask), np.all(mask, axis=-1))
    np.testing.assert_array_equal(any_last(mask), np.any(mask, axis=-1))
    np.testing.assert_array_equal(finite_last(values), np.all(np.isfinite(values), axis=-1))
    np.testing.assert_array_equal(sum_last(mask), np.sum(mask, axis=-1))
    finite = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    np.testing.assert_allclose(sum_last(finite), np.sum(finite, axis=-1), rtol=1e-12, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 7), st.integers(0, 2**31 - 1))
def test_min_marginals_of_the_scan_equal_brute_force(num_frames, seed):
    """Every state sequence of a short chain enumerated: the min-marginal of (frame, state) is
    the cheapest sequence through it."""
    import itertools
    from epipolar_plugin.labels.swaps import _min_marginals
    rng = np.random.default_rng(seed)
    unary = rng.uniform(0, 3, (2, num_frames, 2))
    transition = rng.uniform(0, 2, (2, num_frames - 1, 2, 2))
    expected = np.full((2, num_frames, 2), np.inf)
    for chain in range(2):
        for states in itertools.product((0, 1), repeat=num_frames):
            cost = sum(unary[chain, f, s] for f, s in enumerate(states)) + sum(
                transition[chain, f, states[f], states[f + 1]] for f in range(num_frames - 1))
            for f, s in enumerate(states):
                expected[chain, f, s] = min(expected[chain, f, s], cost)
    np.testing.assert_allclose(_min_marginals(unary, transition), expected, rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.integers(0, 2**31 - 1))
def test_blocked_scan_equals_the_sequential_scan(num_items, seed):
    """The O(F) blocked scan of min-plus products (any length: full, partial and single
    blocks) equals the frame-by-frame loop it replaces."""
    from epipolar_plugin.labels.swaps import _min_plus, _scan
    values = np.random.default_rng(seed).uniform(0, 3, (2, num_items, 2, 2))
    expected = values.copy()
    for i in range(1, num_items):
        expected[:, i] = _min_plus(expected[:, i - 1], values[:, i])
    np.testing.assert_allclose(_scan(values, _min_plus), expected, rtol=1e-12)
