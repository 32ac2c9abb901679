"""Label modes: how the cameras of a recording session are found. One registry, one function each.

A mode takes a session's detections and returns a :class:`RigEstimate`: every view's pose
relative to the reference view in every frame, and what it did to the detections. Everything
after it (triangulation, statuses, quality) is the same for every mode
(:func:`.pseudo_labels.make_pseudo_labels`). The command line's ``--mode`` choices, the
``EpipolarPseudoLabel`` transform's sources and the options' check of the mode
(:func:`validated`) read this registry; a test holds docs/pseudo_labels.md's table to it.

Adding a mode is one function and one entry::

    @register_label_mode('my_mode', 'what it does, one line', pooled=True)
    def my_mode(observations, focal, thresholds, options, progress) -> RigEstimate: ...
"""
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, Optional

import numpy as np

from .label_options import LabelOptions
from .noise import Thresholds
from .observations import Observations, spread_frames
from .rig_assembly import consistent_scales, poses_against_reference
from .self_calibration import calibrate_rig

#: (observations, focal (V,) px, thresholds, options, progress) -> RigEstimate
ModeFunction = Callable[[Observations, np.ndarray, Thresholds, LabelOptions,
                         Callable[[Iterable], Iterable]], 'RigEstimate']


@dataclass
class RigEstimate:
    """A mode's cameras for F frames and V views (poses relative to the reference view).

    Attributes:
        rotations: (F, V, 3, 3), translations: (F, V, 3) on the labels' scale (``|t| = 1`` for
            the frame's scale view); any values where the view has no pose.
        view_status: (F, V) int8 :class:`.statuses.ViewStatus` codes.
        scale_view: (F,) int64, the view with ``|t| = 1``; -1 when none.
        inlier_ratio: (F, V) fraction of a view's confident joints that are pose inliers; None:
            measured afterwards as the joints consistent with the labels.
        observations: the detections the labels use (the input unless the mode changed them:
            swaps undone, focal lengths refined).
        used: (F, V) bool, the (frame, view) pairs allowed into the labels.
        swapped: (F, V) int8, left/right pairs exchanged back.
        ambiguous: (F, J) bool, joints not used because their left/right naming is undecidable.
        focal_scale: (V,) corrections of the focal lengths (ones unless refined).
        focal_sigma: optional (V,) each refined focal's relative uncertainty (NaN: not
            refined). focal_determined: optional (V,) bool, refined and determined by the
            detections (False: the given or guessed focal).
    """
    rotations: np.ndarray
    translations: np.ndarray
    view_status: np.ndarray
    scale_view: np.ndarray
    inlier_ratio: Optional[np.ndarray]
    observations: Observations
    used: np.ndarray
    swapped: np.ndarray
    ambiguous: np.ndarray
    focal_scale: np.ndarray
    focal_sigma: Optional[np.ndarray] = None
    focal_determined: Optional[np.ndarray] = None


@dataclass(frozen=True)
class LabelMode:
    """A registered mode.

    Attributes:
        name: what ``options.mode`` says. description: one line for ``--help`` and the docs.
        function: the :data:`ModeFunction`.
        pooled: one rig per session from all its frames (needs a static rig and many frames;
            the detector's noise is measured from them); False: each frame on its own, so the
            mode can label a single frame (the transform's per-sample route).
        self_calibrating: uses :class:`.label_options.RobustOptions`.
    """
    name: str
    description: str
    function: ModeFunction
    pooled: bool
    self_calibrating: bool = False


#: name -> LabelMode, in the order of the documentation.
LABEL_MODES: Dict[str, LabelMode] = {}


def register_label_mode(name: str, description: str, pooled: bool,
                        self_calibrating: bool = False):
    """Decorator adding a :data:`ModeFunction` to :data:`LABEL_MODES` under ``name``."""

    def register(function: ModeFunction) -> ModeFunction:
        if name in LABEL_MODES:
            raise ValueError(f'label mode {name!r} is already registered')
        LABEL_MODES[name] = LabelMode(name, description, function, pooled, self_calibrating)
        return function

    return register


def validated(options: LabelOptions) -> LabelOptions:
    """``options`` checked (:meth:`.label_options.LabelOptions.validate`) and their mode
    against the registry: a registered mode, and one that allows what the options ask
    (``refine_focal`` needs a self-calibrating mode). Returns ``options``.

    Raises:
        ValueError naming the field and the value at fault.
    """
    options.validate()
    if options.mode not in LABEL_MODES:
        raise ValueError(f'mode must be one of {tuple(LABEL_MODES)}, got {options.mode!r}')
    if options.robust.refine_focal and not LABEL_MODES[options.mode].self_calibrating:
        modes = [name for name, mode in LABEL_MODES.items() if mode.self_calibrating]
        raise ValueError(f'refine_focal=True needs a self-calibrating mode {modes}, got mode '
                         f'{options.mode!r}')
    return options


def single_frame_modes() -> tuple:
    """The modes that can label one frame on its own (not pooled)."""
    return tuple(name for name, mode in LABEL_MODES.items() if not mode.pooled)


def _unchanged(observations: Observations, rotations, translations, view_status, scale_view,
               inlier_ratio) -> RigEstimate:
    """A RigEstimate of per-frame poses that left the detections as they were."""
    num_views, num_frames, num_joints = observations.confident.shape
    return RigEstimate(rotations, translations, np.asarray(view_status, np.int8),
                       np.asarray(scale_view, np.int64), inlier_ratio, observations,
                       np.ones((num_frames, num_views), bool),
                       np.zeros((num_frames, num_views), np.int8),
                       np.zeros((num_frames, num_joints), bool), np.ones(num_views))


def _views_against_reference(normalized, confident, focal, thresholds, options,
                             max_ransac_points=None):
    """(V,3,3), (V,3), (V,) statuses, scale view, (V,) inlier ratios: every view against the
    reference from the (frames x joints) given, on one scale."""
    num_views = normalized.shape[0]
    poses, ratios = poses_against_reference(normalized, confident, focal, options.reference_view,
                                            thresholds.ransac_px, options.pose, options.seed,
                                            max_ransac_points)
    rotations, translations, status, scale_view = consistent_scales(
        normalized.reshape(num_views, -1, 2), poses, options.reference_view)
    return rotations, translations, np.array([int(s) for s in status]), scale_view, ratios


def _repeat(value, num_frames: int) -> np.ndarray:
    """(F, ...) copies of one frame's value."""
    value = np.asarray(value)
    return np.broadcast_to(value, (num_frames, ) + value.shape).copy()


@register_label_mode('robust', 'one rig per session from every view pair, bad views gated out '
                     'per frame, left/right swaps undone, bundle-adjusted (static rig; the '
                     'default)', pooled=True, self_calibrating=True)
def robust_mode(observations, focal, thresholds, options, progress) -> RigEstimate:
    """:func:`.self_calibration.calibrate_rig`: one rig for every frame."""
    num_frames = observations.confident.shape[1]
    rig = calibrate_rig(observations, focal, thresholds.ransac_px, thresholds.outlier_px,
                        options)
    status = np.array([int(s) for s in rig.view_status], np.int8)
    return RigEstimate(_repeat(rig.rotations, num_frames), _repeat(rig.translations, num_frames),
                       _repeat(status, num_frames), np.full(num_frames, rig.scale_view, np.int64),
                       None, rig.observations, rig.used,
                       rig.swapped.sum(axis=-1).astype(np.int8), rig.ambiguous, rig.focal_scale,
                       rig.bundle.get('focal_sigma'), rig.bundle.get('focal_determined'))


@register_label_mode('pooled', 'one rig per session, every view against the reference from all '
                     'frames (static rig; fast, but a bad view or reference spoils it)',
                     pooled=True)
def pooled_mode(observations, focal, thresholds, options, progress) -> RigEstimate:
    """Every view against the reference view from the joints of all frames at once (at most
    ``options.pose.max_pose_frames`` of them, evenly spread)."""
    num_frames = observations.confident.shape[1]
    frames = spread_frames(num_frames, options.pose.max_pose_frames)
    rotations, translations, status, scale_view, ratios = _views_against_reference(
        observations.normalized[:, frames], observations.confident[:, frames], focal,
        thresholds, options)
    return _unchanged(observations, _repeat(rotations, num_frames),
                      _repeat(translations, num_frames), _repeat(status, num_frames),
                      np.full(num_frames, scale_view), _repeat(ratios, num_frames))


@register_label_mode('per_frame', "one essential matrix per frame and view, the paper's route "
                     '(moving cameras; slow and noisy)', pooled=False)
def per_frame_mode(observations, focal, thresholds, options, progress) -> RigEstimate:
    """Every view against the reference view in each frame on its own (all its joints)."""
    frames = [
        _views_against_reference(observations.normalized[:, f:f + 1],
                                 observations.confident[:, f:f + 1], focal, thresholds, options,
                                 max_ransac_points=0)
        for f in progress(range(observations.confident.shape[1]))
    ]
    return _unchanged(observations, *(np.stack([frame[k] for frame in frames])
                                      for k in range(5)))
