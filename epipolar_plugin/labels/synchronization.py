"""Frame offsets of unsynchronized cameras, from the epipolar consistency of the 2D poses.

A view delayed by ``d`` frames shows in its frame ``f + d`` what the reference view shows in
frame ``f``. For every candidate ``d`` the pooled relative pose is estimated on the pairs
(reference frame f, view frame f + d), over the same reference frames for every candidate, and
each frame's median Sampson error (pixels) is taken; the curve is its mean over the frames.

Offset 0 is the default. Synchronized cameras give a curve whose neighbours of 0 are almost as
low as 0 (at 60 fps a walking person moves little in a frame), and the noise of the detections
and of the per-candidate poses then makes another candidate the minimum now and then. A view
gets a nonzero offset only with clear evidence (:func:`offset_evidence`): the best candidate
must beat offset 0 frame by frame, in a paired comparison on the same instants, by at least
``min_evidence`` standard errors (the error taken from blocks of consecutive frames, so the
motion's slow changes do not count as independent evidence) and by at least ``min_gain`` of
offset 0's error. A static subject makes every offset alike (no evidence: offset 0).
"""
from typing import NamedTuple, Optional

import numpy as np

from ..geometry.relative_pose import estimate_relative_pose, refine_relative_pose, sampson_distance
from ..geometry.relative_pose import essential_from_pose
from ..geometry.statistics import nan_median

#: Blocks of consecutive frames of the paired comparison (fewer with short sequences: at
#: least ``MIN_BLOCK_FRAMES`` frames each).
EVIDENCE_BLOCKS = 20
MIN_BLOCK_FRAMES = 10
#: A frame's error needs this many joints seen by both views.
MIN_FRAME_JOINTS = 3


class FrameOffsets(NamedTuple):
    """:func:`estimate_frame_offsets`'s answer for V views and K = 2 max_offset + 1 candidates.

    Attributes:
        offsets: (V,) int frame delays; 0 for the reference view, for views without a usable
            pose and wherever the evidence is not clear.
        costs: (V, K) mean over the common frames of each frame's median Sampson error, pixels,
            per candidate offset ``-max_offset..max_offset`` (NaN where no pose was found).
        best: (V,) int, the candidate with the lowest cost (the offset before the test).
        evidence: (V,) :func:`offset_evidence` of ``best`` against 0 (standard errors; 0
            when ``best`` is 0, NaN for the reference view or without a curve).
    """
    offsets: np.ndarray
    costs: np.ndarray
    best: np.ndarray
    evidence: np.ndarray


def offset_evidence(frame_costs_zero: np.ndarray, frame_costs_best: np.ndarray) -> float:
    """The statistic of the paired test "the candidate beats offset 0", in standard errors.

    The per-frame differences ``zero - best`` (frames where both are finite) are cut into at
    most :data:`EVIDENCE_BLOCKS` blocks of consecutive frames; their mean divided by the
    standard error of the block means (a block t statistic: neighbouring frames are not
    independent). Positive when the candidate is better.

    Args:
        frame_costs_zero, frame_costs_best: (N,) per-frame errors at offset 0 and at the
            candidate, on the same reference frames.

    Returns:
        the statistic; 0 with fewer than two blocks' worth of frames (the standard error is
        taken at least 1e-9 of the errors' unit, so the statistic stays finite).
    """
    both = np.isfinite(frame_costs_zero) & np.isfinite(frame_costs_best)
    difference = (frame_costs_zero - frame_costs_best)[both]
    blocks = min(EVIDENCE_BLOCKS, len(difference) // MIN_BLOCK_FRAMES)
    if blocks < 2:
        return 0.0
    means = np.array([part.mean() for part in np.array_split(difference, blocks)])
    error = max(means.std(ddof=1) / np.sqrt(blocks), 1e-9)
    return float(difference.mean() / error)


def shifted_frames(offsets: np.ndarray, num_frames: int,
                   take: Optional[np.ndarray] = None) -> np.ndarray:
    """(F, V) the frame of view v that shows frame f's instant, ``f + offsets[v]``; -1 where
    that is outside the recording: before its first or after its last frame, or in another
    take (a take is one continuous recording; ``take`` (F,) labels them, None: one take)."""
    source = np.arange(num_frames)[:, None] + np.asarray(offsets, dtype=np.int64)   # (F, V)
    inside = (source >= 0) & (source < num_frames)
    if take is not None:
        inside[inside] = (np.asarray(take)[source[inside]]
                          == np.broadcast_to(np.asarray(take)[:, None], source.shape)[inside])
    return np.where(inside, source, -1)


def shift_frames(array: np.ndarray, offsets: np.ndarray, fill=np.nan,
                 take: Optional[np.ndarray] = None) -> np.ndarray:
    """Undo per-view delays: ``out[v, f] = array[v, f + offsets[v]]``, ``fill`` outside the
    recording (:func:`shifted_frames`: never from another take).

    Args:
        array: (V, F, ...) per-view, per-frame data.
        offsets: (V,) int frame delays.
        take: optional (F,) the take of each frame.

    Returns:
        (V, F, ...) a new array.
    """
    out = np.full_like(array, fill)
    source = shifted_frames(offsets, array.shape[1], take)
    for view in range(array.shape[0]):
        inside = source[:, view] >= 0
        out[view, inside] = array[view, source[inside, view]]
    return out


def estimate_frame_offsets(normalized: np.ndarray, confident: np.ndarray, reference_view: int,
                           focal: np.ndarray, max_offset: int = 5, threshold_px: float = 3.0,
                           max_points: int = 3000, seed: int = 0, min_evidence: float = 5.0,
                           min_gain: float = 0.05,
                           take: Optional[np.ndarray] = None) -> FrameOffsets:
    """Each view's delay relative to the reference view, in frames (see the module).

    Every candidate is scored on the reference frames that all candidates can pair
    (``max_offset <= f < F - max_offset``), with a pose estimated on those pairs (RANSAC and
    robust refinement on a random subset of at most ``max_points`` correspondences, the same
    reference joints for every candidate); offset 0 and the best other candidate are each also
    refined from the other's pose, and keep the pose that gives them the lower cost, so that a
    poor RANSAC draw does not decide between them.

    Args:
        normalized: (V, F, J, 2) normalized coordinates. confident: (V, F, J) bool.
        reference_view: the view whose timing is kept.
        focal: (V,) focal lengths, pixels (to express errors and thresholds in pixels).
        max_offset: offsets in ``[-max_offset, max_offset]`` are tried.
        threshold_px: the relative pose's RANSAC threshold, pixels.
        max_points: correspondences in each pose's estimate (a random subset).
        seed: seed of the subsets.
        min_evidence: a nonzero offset needs :func:`offset_evidence` at least this large.
        min_gain: ... and its cost at least this fraction below offset 0's.
        take: optional (F,) the take (continuous recording) of each frame: a candidate never
            pairs frames of two takes (those frames do not count for it).

    Returns:
        :class:`FrameOffsets`.
    """
    num_views, num_frames, num_joints = confident.shape
    candidates = np.arange(-max_offset, max_offset + 1)
    zero = max_offset                                          # the index of offset 0
    costs = np.full((num_views, len(candidates)), np.nan)
    best = np.zeros(num_views, dtype=np.int64)
    evidence = np.full(num_views, np.nan)
    offsets = np.zeros(num_views, dtype=np.int64)
    frames = np.arange(max_offset, num_frames - max_offset)    # pairable at every candidate
    if len(frames) < MIN_BLOCK_FRAMES:
        return FrameOffsets(offsets, costs, best, evidence)
    rng = np.random.default_rng(seed)
    reference = confident[reference_view, frames]                          # (N, J)
    chosen = np.zeros_like(reference)
    flat = np.flatnonzero(reference)
    chosen.flat[rng.choice(flat, min(max_points, len(flat)), replace=False)] = True
    for view in range(num_views):
        if view == reference_view:
            continue
        pixel_scale = 0.5 * (focal[reference_view] + focal[view])
        threshold = threshold_px / pixel_scale
        pairs = []
        for offset in candidates:
            common = reference & confident[view, frames + offset]
            if take is not None:
                common &= (take[frames] == take[frames + offset])[:, None]
            pairs.append((common, normalized[reference_view, frames][common],
                          normalized[view, frames + offset][common], chosen[common]))

        def pose_at(k, start=None):
            common, points_ref, points_view, subset = pairs[k]
            if subset.sum() < 8:
                return None
            pose = start if start is not None else estimate_relative_pose(
                points_ref[subset], points_view[subset], threshold=threshold, seed=seed)
            pose = refine_relative_pose(pose, points_ref[subset], points_view[subset],
                                        threshold=threshold, loss_scale=threshold, seed=seed)
            return pose if pose.ok else None

        def frame_costs(k, pose):
            """(N,) each frame's median Sampson error in pixels (NaN: too few joints)."""
            common, points_ref, points_view, _ = pairs[k]
            errors = np.full(common.shape, np.nan)
            if pose is not None:
                essential = essential_from_pose(pose.rotation, pose.translation)
                errors[common] = np.sqrt(sampson_distance(essential, points_ref,
                                                          points_view)) * pixel_scale
            per_frame = nan_median(errors, axis=1)
            per_frame[common.sum(axis=1) < MIN_FRAME_JOINTS] = np.nan
            return per_frame

        poses = [pose_at(k) for k in range(len(candidates))]
        per_frame = [frame_costs(k, pose) for k, pose in enumerate(poses)]
        curve = np.array([np.nanmean(c) if np.isfinite(c).any() else np.nan for c in per_frame])
        others = np.where(np.arange(len(candidates)) == zero, np.nan, curve)
        if not np.isfinite(others).any() or not np.isfinite(curve[zero]):
            costs[view] = curve
            continue
        rival = int(np.nanargmin(others))
        # each of the two compared candidates also gets the other's pose as a start
        for k, start in ((zero, poses[rival]), (rival, poses[zero])):
            pose = pose_at(k, start)
            if pose is None:
                continue
            trial = frame_costs(k, pose)
            if np.isfinite(trial).any() and np.nanmean(trial) < curve[k]:
                per_frame[k], curve[k] = trial, np.nanmean(trial)
        costs[view] = curve
        if curve[rival] >= curve[zero]:
            best[view], evidence[view] = 0, 0.0
            continue
        best[view] = candidates[rival]
        evidence[view] = offset_evidence(per_frame[zero], per_frame[rival])
        if (evidence[view] >= min_evidence
                and curve[zero] - curve[rival] >= min_gain * curve[zero]):
            offsets[view] = candidates[rival]
    return FrameOffsets(offsets, costs, best, evidence)
