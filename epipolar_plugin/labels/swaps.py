"""Left/right swaps of 2D detectors, found and undone from multi-view geometry and time.

A detector that sees a person from behind often names the left limbs right and vice versa.
For one left/right joint pair in one frame whose views do not all agree clearly with the pair
as detected (:data:`.triangulation.CLEAR_AGREEMENT`; the others keep their names), every
*pattern* of views whose detections are exchanged (2^V) is triangulated and scored by its
reprojection error. A pattern and its complement (within the views that see both joints)
always fit equally well: they give the same two 3D points, named the other way round.
Geometry alone therefore only says *which views disagree*; which side is right comes from two
priors, combined by a two-state Viterbi pass over the frames:

- the detector is right in most views (each exchanged view costs ``swap_cost``);
- joints move little between consecutive frames (the cost of a naming is the distance of the
  two points to the previous frame's, in units of the pair's median separation, capped at 2 so
  that unrelated consecutive frames, e.g. two sequences, tell nothing).

A frame whose two namings stay within ``margin`` of each other (e.g. half the views exchanged
and no neighbouring frame to tell) is *ambiguous*: its pair is not used. Rigs of more than
``MAX_SWAP_VIEWS`` cameras (MPI-INF-3DHP has 14) try the patterns of at most
``MAX_EXCHANGED_MANY_VIEWS`` exchanged views (and their complements).
"""
import itertools
import re
import warnings
from typing import Optional, Sequence, Tuple

import numpy as np

from .parallel import thread_map
from ..geometry.statistics import any_last, sum_last
from ..geometry.triangulation import (CLEAR_AGREEMENT, robust_triangulation_errors,
                            triangulate_robust)

#: Human3.6M 17-joint order: (left, right) pairs a detector may exchange.
H36M_FLIP_PAIRS = ((4, 1), (5, 2), (6, 3), (11, 14), (12, 15), (13, 16))
#: Up to this many views every pattern of exchanged views (2^V) is tried; with more, the
#: patterns with at most ``MAX_EXCHANGED_MANY_VIEWS`` exchanged views.
MAX_SWAP_VIEWS = 10
MAX_EXCHANGED_MANY_VIEWS = 2
#: (pattern, frame) problems triangulated per batch (memory: their number x joints x views).
PATTERN_POINTS = 65536


SIDE_WORDS = {'left': 'left', 'l': 'left', 'lft': 'left',
              'right': 'right', 'r': 'right', 'rgt': 'right'}
_CAMEL = re.compile(r'(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])')


def joint_side(name: str) -> Tuple[Optional[str], str]:
    """(side, base) of a joint name: side ``'left'``, ``'right'`` or None, and the name without
    its side as lower-case words joined by ``_``; single glued letters (``lhip``) are left to
    :func:`flip_pairs_from_names`.

    Read schemes: ``left_hip``, ``l_hip``, ``hip_l``, ``LHip``, ``LShoulder``, ``leftHip``,
    ``Left Hip``, ``L.Hip``, ``hip.L``, ``LeftUpLeg``, ``lefthip``.
    """
    words = [w.lower() for w in re.split(r'[^0-9A-Za-z]+', _CAMEL.sub(' ', str(name))) if w]
    sides = [i for i, w in enumerate(words) if w in SIDE_WORDS]
    if len(sides) == 1 and len(words) > 1:
        index = sides[0]
        return SIDE_WORDS[words[index]], '_'.join(words[:index] + words[index + 1:])
    if not sides and words:
        for side in ('left', 'right'):       # one word with 'left' / 'right' glued on
            if words[0].startswith(side) and len(words[0]) > len(side):
                return side, '_'.join([words[0][len(side):]] + words[1:])
            if words[-1].endswith(side) and len(words[-1]) > len(side):
                return side, '_'.join(words[:-1] + [words[-1][:-len(side)]])
    return None, '_'.join(words)


def flip_pairs_from_names(joint_names: Sequence[str]) -> tuple:
    """(left, right) index pairs of joints whose names differ only by their side, in the order
    of the left joints.

    Names are read by :func:`joint_side` (``left_hip``/``right_hip``, ``l_hip``/``r_hip``,
    ``LHip``/``RHip``, ``LShoulder``/``RShoulder``, ``Left Hip``/``Right Hip``, ``hip_l``...);
    a name without a side word may start with a glued letter (``lhip``/``rhip``,
    ``LKNE``/``RKNE``: a first word of 3 or more letters). A base with more than one joint on a
    side (ambiguous) gives no pair.
    """
    read = [joint_side(name) for name in joint_names]
    for index, (side, base) in enumerate(read):
        if side is None and len(base.split('_')[0]) > 2 and base[0] in 'lr':
            read[index] = ('left' if base[0] == 'l' else 'right', base[1:])
    joints = {}
    for index, (side, base) in enumerate(read):
        if side is not None:
            joints.setdefault(base, {'left': [], 'right': []})[side].append(index)
    pairs = [(sides['left'][0], sides['right'][0]) for sides in joints.values()
             if len(sides['left']) == 1 and len(sides['right']) == 1]
    return tuple(sorted(pairs))


def resolve_flip_pairs(joint_names: Optional[Sequence[str]], num_joints: int,
                       source: str = 'the keypoints file') -> Tuple[tuple, str]:
    """The (left, right) joint pairs a detector may swap, and one sentence saying where they
    come from (for the log and the label summary).

    - names given: the pairs of :func:`flip_pairs_from_names`; none found: no pairs (swap
      handling off) and a ``UserWarning`` naming ``source``'s names;
    - no names and 17 joints: Human3.6M's order is assumed (``H36M_FLIP_PAIRS``; a file in
      another 17-joint order, e.g. COCO's, needs ``joint_names``);
    - no names and another count: no pairs (swap handling off).

    Args:
        joint_names: (J,) names, or None.
        num_joints: J, the joints of the keypoints.
        source: what the names came from, for the messages (e.g. the file's path).

    Returns:
        (pairs, note): a tuple of (left, right) index pairs and the sentence.
    """
    if joint_names is not None:
        names = [str(name) for name in joint_names]
        if len(names) != num_joints:
            raise ValueError(f'{source}: {len(names)} joint names for {num_joints} joints')
        pairs = flip_pairs_from_names(names)
        if pairs:
            named = ', '.join(f'{names[a]}/{names[b]}' for a, b in pairs)
            return pairs, f'left/right pairs from the joint names of {source}: {named}'
        note = (f'no left/right pair found in the joint names of {source} ({names}): swap '
                f'handling is off (name the sides e.g. left_hip/right_hip, l_hip/r_hip or '
                f'LHip/RHip)')
        warnings.warn(note, UserWarning, stacklevel=2)
        return (), note
    if num_joints == 17:
        return H36M_FLIP_PAIRS, (
            f"{source} has no joint_names: its 17 joints are taken in Human3.6M's order "
            f'(left/right pairs {H36M_FLIP_PAIRS}); a file in another 17-joint order (e.g. '
            f"COCO's) needs joint_names")
    return (), (f'{source} has no joint_names and {num_joints} joints (not Human3.6M\'s 17): '
                f'no left/right pairs, swap handling is off')


def flip_permutation(num_joints: int, flip_pairs: Sequence[tuple]) -> np.ndarray:
    """(J,) joint order of a pose with every (left, right) pair exchanged."""
    permutation = np.arange(num_joints)
    for left, right in flip_pairs:
        permutation[left], permutation[right] = right, left
    return permutation


def find_swaps(points: np.ndarray, projections: np.ndarray, weights: np.ndarray,
               flip_pairs: Sequence[tuple], outlier_threshold: float, swap_cost: float = 1.0,
               margin: float = 0.5, clear_ratio: float = 0.5) -> Tuple[np.ndarray, np.ndarray]:
    """Which (frame, view, pair) detections are exchanged, and which pairs are undecidable.

    Args:
        points: (F, J, V, 2) normalized observations, frames in time order.
        projections: (V, 3, 4) ``[R | t]`` of a static rig.
        weights: (F, J, V) confidences, 0 = not seen.
        flip_pairs: P (left, right) joint index pairs.
        outlier_threshold: reprojection error that counts as wrong, normalized units; also the
            robust triangulation's threshold and the cap of a residual.
        swap_cost: cost of one exchanged view, in units of the temporal cost.
        margin: smallest cost difference between the two namings that decides a frame.
        clear_ratio: a pattern with exchanges must have less than this fraction of the
            as-detected pattern's reprojection cost (two close hands fit either way).

    Returns:
        exchanged: (F, V, P) bool. ambiguous: (F, P) bool.
    """
    num_frames, _, num_views, _ = points.shape
    exchanged = np.zeros((num_frames, num_views, len(flip_pairs)), bool)
    ambiguous = np.zeros((num_frames, len(flip_pairs)), bool)
    if num_views < 3 or not flip_pairs:   # two views: a disagreement is not a naming
        return exchanged, ambiguous
    patterns = exchange_patterns(num_views)

    def pair_namings(pair):
        left, right = pair
        pair_points, pair_weights = points[:, [left, right]], weights[:, [left, right]]
        both = np.all(pair_weights > 0, axis=1)                               # (F, V)
        named, valid, _, errors = robust_triangulation_errors(pair_points, projections,
                                                              pair_weights, outlier_threshold)
        # a frame whose views of both joints all agree clearly with the points as detected
        # has no view to exchange: the patterns are tried only on the others
        clear = valid[:, :, None] & (errors <= CLEAR_AGREEMENT * outlier_threshold)  # (F,2,V)
        disagree = np.flatnonzero(any_last(both & ~(clear[:, 0] & clear[:, 1]))
                                  & (sum_last(both) >= 2))
        costs = _pattern_costs(pair_points[disagree], projections, pair_weights[disagree],
                               patterns, both[disagree], outlier_threshold)   # (K, D)
        lowest = costs.min(axis=0)
        best = np.argmax(costs <= lowest * (1 + 1e-6) + 1e-15, axis=0)  # fewest among equals
        best[~(lowest < clear_ratio * costs[0])] = 0    # as detected, unless clearly worse
        pattern = np.zeros_like(both)
        pattern[disagree] = patterns[best] & both[disagree]                   # (F, V)
        complement = both & ~pattern
        moved = np.flatnonzero(pattern.any(axis=1))
        named[moved] = _triangulate_pattern(pair_points[moved], projections,
                                            pair_weights[moved], pattern[moved],
                                            outlier_threshold)
        unary = np.stack([np.zeros(num_frames),
                          swap_cost * (complement.sum(axis=1) - pattern.sum(axis=1))], axis=1)
        return named, unary, pattern, complement, both

    namings = thread_map(pair_namings, list(flip_pairs))      # the pairs are independent
    states, decided = _two_state_viterbi(np.stack([n[0] for n in namings]),
                                         np.stack([n[1] for n in namings]), margin)
    for index, (_, _, pattern, complement, both) in enumerate(namings):
        exchanged[:, :, index] = np.where(states[index][:, None], complement, pattern)
        ambiguous[:, index] = ~decided[index] & both.any(axis=1)
    return exchanged, ambiguous


def exchange_patterns(num_views: int) -> np.ndarray:
    """(K, V) bool patterns of exchanged views, fewest exchanges first: all 2^V up to
    ``MAX_SWAP_VIEWS`` views, else those with at most ``MAX_EXCHANGED_MANY_VIEWS``."""
    most = num_views if num_views <= MAX_SWAP_VIEWS else MAX_EXCHANGED_MANY_VIEWS
    patterns = []
    for count in range(most + 1):
        for views in itertools.combinations(range(num_views), count):
            pattern = np.zeros(num_views, bool)
            pattern[list(views)] = True
            patterns.append(pattern)
    return np.array(patterns)


def _pattern_costs(points, projections, weights, patterns, both, outlier_threshold):
    """(K, F) truncated squared reprojection error of a pair with each pattern's views
    exchanged (patterns triangulated in batches); inf where a pattern exchanges a view that
    does not see both joints.

    Exchanging the complement of a pattern's views is exchanging the pattern's views and then
    the two joints' names, which does not change the pair's cost: a pattern whose complement
    is among the patterns and leaves the last view as detected takes that one's cost.
    """
    num_frames = len(points)
    index = {tuple(pattern): k for k, pattern in enumerate(patterns)}
    twin = np.array([index.get(tuple(~p), k) if p[-1] else k for k, p in enumerate(patterns)])
    computed = np.flatnonzero(twin == np.arange(len(patterns)))
    row = np.zeros(len(patterns), np.int64)
    row[computed] = np.arange(len(computed))
    costs = []
    per_batch = max(1, PATTERN_POINTS // max(num_frames, 1))
    for start in range(0, len(computed), per_batch):
        costs.append(_costs(points, weights, patterns[computed[start:start + per_batch]],
                            projections, outlier_threshold))
    allowed = np.all(both[None] | ~patterns[:, None], axis=-1)                # (K, F)
    return np.where(allowed, np.concatenate(costs)[row[twin]], np.inf)


def _costs(points, weights, batch, projections, outlier_threshold):
    """(K, F) truncated squared reprojection costs of the pair with each of the K patterns of
    ``batch`` applied."""
    num_frames = len(points)
    pattern = np.repeat(batch, num_frames, axis=0)                            # (K F, V)
    observed, weight = _exchange(np.tile(points, (len(batch), 1, 1, 1)),
                                 np.tile(weights, (len(batch), 1, 1)), pattern)
    points_3d, valid, _, errors = robust_triangulation_errors(observed, projections, weight,
                                                             outlier_threshold)
    errors = np.where(~valid[..., None], np.nan, errors)      # as if reprojected from NaN
    errors = np.where(weight > 0, np.minimum(np.nan_to_num(errors, nan=outlier_threshold),
                                             outlier_threshold), 0.0)
    return np.sum(errors**2, axis=(-2, -1)).reshape(len(batch), -1)


def _exchange(points, weights, pattern):
    """Pair observations (F, 2, V, 2) and weights (F, 2, V) with ``pattern``'s views exchanged;
    ``pattern`` is (V,) or (F, V)."""
    pattern = np.broadcast_to(pattern, (len(points), points.shape[2]))
    swapped_points = np.where(pattern[:, None, :, None], points[:, ::-1], points)
    swapped_weights = np.where(pattern[:, None, :], weights[:, ::-1], weights)
    return swapped_points, swapped_weights


def _triangulate_pattern(points, projections, weights, pattern, outlier_threshold):
    """(F, 2, 3) the pair's points with each frame's pattern applied (NaN where invalid)."""
    observed, weight = _exchange(points, weights, pattern)
    points_3d, _, _ = triangulate_robust(observed, projections, weight, outlier_threshold)
    return points_3d


def _two_state_viterbi(named: np.ndarray, unary: np.ndarray, margin: float):
    """Best naming per pair and frame (0: as triangulated, 1: the two points exchanged) and
    whether its min-marginal beats the other naming's by ``margin``.

    Args:
        named: (P, F, 2, 3) each pair's points in naming 0. unary: (P, F, 2) costs of the
            namings.

    Returns:
        state: (P, F) bool. decided: (P, F) bool.
    """
    separation = np.linalg.norm(named[:, :, 0] - named[:, :, 1], axis=-1)          # (P, F)
    with warnings.catch_warnings():   # a pair never triangulated: scale 1
        warnings.simplefilter('ignore', RuntimeWarning)
        scale = np.nanmedian(separation, axis=1)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)[:, None, None, None]
    options = np.stack([named, named[:, :, ::-1]], axis=2)                          # (P,F,2,2,3)
    # transition[p, f, a, b]: naming a in frame f, naming b in frame f + 1
    distance = np.linalg.norm(options[:, :-1, :, None] - options[:, 1:, None, :],
                              axis=-1).sum(-1)
    # capped: frames far apart in pose (another sequence, fast motion) tell nothing
    transition = np.minimum(np.nan_to_num(distance / scale, nan=0.0), 2.0)          # (P,F-1,2,2)
    marginal = _min_marginals(unary, transition)                                    # (P, F, 2)
    state = np.argmin(marginal, axis=-1).astype(bool)
    decided = np.abs(marginal[..., 0] - marginal[..., 1]) >= margin
    return state, decided


def _min_marginals(unary: np.ndarray, transition: np.ndarray) -> np.ndarray:
    """Min-marginals (P, F, 2) of P two-state chains: forward plus backward min-sum messages.

    With ``M_f[a, b] = transition[f - 1, a, b] + unary[f, b]`` the forward message of frame f
    is ``unary[0]`` times the min-plus product ``M_1 ... M_f`` and the backward message the
    product ``M_{f+1} ... M_{F-1}`` reduced over its last state; min-plus products are
    associative, so all prefix and suffix products come from a parallel scan in log2(F)
    vectorized steps instead of a Python loop over frames.

    Args:
        unary: (P, F, 2). transition: (P, F - 1, 2, 2), [pair, frame, state, next state].
    """
    steps = transition + unary[:, 1:, None, :]                                   # (P, F-1, 2, 2)
    prefix = _scan(steps, lambda earlier, later: _min_plus(earlier, later))
    suffix = _scan(steps[:, ::-1], lambda later, earlier: _min_plus(earlier, later))[:, ::-1]
    forward = np.concatenate([unary[:, :1], np.min(unary[:, :1, :, None] + prefix, axis=2)],
                             axis=1)
    backward = np.concatenate([np.min(suffix, axis=3), np.zeros_like(unary[:, :1])], axis=1)
    return forward + backward


def _min_plus(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Min-plus product of (..., 2, 2) matrices: ``min_k a[i, k] + b[k, j]``."""
    return np.min(a[..., :, :, None] + b[..., None, :, :], axis=-2)


def _scan(values: np.ndarray, combine) -> np.ndarray:
    """Inclusive scan along axis 1: ``out[:, i] = combine(out[:, i - 1], values[:, i])`` for an
    associative ``combine``, in O(F) work: the F items in about sqrt(F) blocks, scanned in
    step inside every block at once, then each block's prefix combined with the scan of the
    blocks' totals (Hillis-Steele over the few blocks)."""
    num_items = values.shape[1]
    block = max(1, int(np.ceil(np.sqrt(num_items))))
    num_blocks = -(-num_items // block)
    padding = num_blocks * block - num_items          # trailing items: never read back
    padded = np.concatenate([values, np.repeat(values[:, -1:], padding, axis=1)], axis=1)
    out = padded.reshape(values.shape[:1] + (num_blocks, block) + values.shape[2:])
    for i in range(1, block):
        out[:, :, i] = combine(out[:, :, i - 1], out[:, :, i])
    totals = out[:, :, -1].copy()
    step = 1
    while step < num_blocks:
        totals[:, step:] = combine(totals[:, :-step], totals[:, step:])
        step *= 2
    out[:, 1:] = combine(totals[:, :-1, None], out[:, 1:])
    return out.reshape(padded.shape)[:, :num_items]
