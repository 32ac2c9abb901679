"""Left/right swaps of 2D detectors, found and undone from multi-view geometry and time.

A detector that sees a person from behind often names the left limbs right and vice versa.
For one left/right joint pair in one frame, every *pattern* of views whose detections are
exchanged (2^V) is triangulated and scored by its reprojection error. A pattern and its
complement (within the views that see both joints) always fit equally well: they give the same
two 3D points, named the other way round. Geometry alone therefore only says *which views
disagree*; which side is right comes from two priors, combined by a two-state Viterbi pass over
the frames:

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

from .triangulation import reprojection_errors, triangulate_robust

#: Human3.6M 17-joint order: (left, right) pairs a detector may exchange.
H36M_FLIP_PAIRS = ((4, 1), (5, 2), (6, 3), (11, 14), (12, 15), (13, 16))
#: Up to this many views every pattern of exchanged views (2^V) is tried; with more, the
#: patterns with at most ``MAX_EXCHANGED_MANY_VIEWS`` exchanged views.
MAX_SWAP_VIEWS = 10
MAX_EXCHANGED_MANY_VIEWS = 2
#: Patterns triangulated per batch (memory: patterns x frames x views).
PATTERN_BATCH = 16


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
    if num_views < 3:             # two views: a disagreement cannot be told from a naming
        return exchanged, ambiguous
    patterns = exchange_patterns(num_views)
    for index, (left, right) in enumerate(flip_pairs):
        pair_points, pair_weights = points[:, [left, right]], weights[:, [left, right]]
        both = np.all(pair_weights > 0, axis=1)                               # (F, V)
        costs = _pattern_costs(pair_points, projections, pair_weights, patterns, both,
                               outlier_threshold)                             # (K, F)
        lowest = costs.min(axis=0)
        best = np.argmax(costs <= lowest * (1 + 1e-6) + 1e-15, axis=0)  # fewest among equals
        best[~(lowest < clear_ratio * costs[0])] = 0    # as detected, unless clearly worse
        pattern = patterns[best] & both                                       # (F, V)
        complement = both & ~pattern
        named = _triangulate_pattern(pair_points, projections, pair_weights, pattern,
                                     outlier_threshold)
        unary = np.stack([np.zeros(num_frames),
                          swap_cost * (complement.sum(axis=1) - pattern.sum(axis=1))], axis=1)
        state, decided = _two_state_viterbi(named, unary, margin)
        exchanged[:, :, index] = np.where(state[:, None], complement, pattern)
        ambiguous[:, index] = ~decided & both.any(axis=1)
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
    does not see both joints."""
    num_frames = len(points)
    costs = []
    for start in range(0, len(patterns), PATTERN_BATCH):
        batch = patterns[start:start + PATTERN_BATCH]
        pattern = np.repeat(batch, num_frames, axis=0)                        # (K F, V)
        observed, weight = _exchange(np.tile(points, (len(batch), 1, 1, 1)),
                                     np.tile(weights, (len(batch), 1, 1)), pattern)
        points_3d, _, _ = triangulate_robust(observed, projections, weight, outlier_threshold)
        errors = reprojection_errors(points_3d, observed, projections)
        errors = np.minimum(np.nan_to_num(errors, nan=outlier_threshold), outlier_threshold)
        costs.append(np.sum(np.where(weight > 0, errors**2, 0.0), axis=(-2, -1)).reshape(
            len(batch), -1))
    allowed = np.all(both[None] | ~patterns[:, None], axis=-1)                # (K, F)
    return np.where(allowed, np.concatenate(costs), np.inf)


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
    """Best naming per frame (0: as triangulated, 1: the two points exchanged) and whether its
    min-marginal beats the other naming's by ``margin``.

    Args:
        named: (F, 2, 3) the pair's points in naming 0. unary: (F, 2) costs of the namings.
    """
    num_frames = len(named)
    separation = np.linalg.norm(named[:, 0] - named[:, 1], axis=-1)
    scale = np.nanmedian(separation) if np.isfinite(separation).any() else 1.0
    scale = scale if scale > 0 else 1.0
    options = np.stack([named, named[:, ::-1]], axis=1)                       # (F, 2, 2, 3)
    # transition[f, a, b]: naming a in frame f, naming b in frame f + 1
    distance = np.linalg.norm(options[:-1, :, None] - options[1:, None, :], axis=-1).sum(-1)
    # capped: frames far apart in pose (another sequence, fast motion) tell nothing
    transition = np.minimum(np.nan_to_num(distance / scale, nan=0.0), 2.0)    # (F-1, 2, 2)
    forward = np.zeros((num_frames, 2))
    forward[0] = unary[0]
    for f in range(1, num_frames):
        forward[f] = unary[f] + np.min(forward[f - 1][:, None] + transition[f - 1], axis=0)
    backward = np.zeros((num_frames, 2))
    for f in range(num_frames - 2, -1, -1):
        backward[f] = np.min(transition[f] + (unary[f + 1] + backward[f + 1])[None], axis=1)
    marginal = forward + backward                                              # (F, 2)
    state = np.argmin(marginal, axis=1).astype(bool)
    decided = np.abs(marginal[:, 0] - marginal[:, 1]) >= margin
    return state, decided
