"""Options of :func:`.pseudo_labels.make_pseudo_labels`, grouped by concern.

One :class:`LabelOptions` holds everything that decides the labels: the label mode and
reference view, then one small dataclass per concern (relative pose estimation, triangulation
and quality, robust self-calibration, synchronization), in the shape of PoseLib's
``RelativePoseOptions{RansacOptions ransac; BundleOptions bundle}``. The same fields serve

- the Python API: ``make_pseudo_labels(keypoints_2d, intrinsics, options=LabelOptions(...))``;
- configs: a nested dict, ``LabelOptions.from_dict(dict(pose=dict(ransac_threshold=2.0)))``;
- the command line: :func:`.label_arguments.add_label_arguments` makes one flag per field (its
  name with dashes, its help from the field's ``help``), :func:`.label_arguments.options_from_args`
  reads them back.

The options are plain data at the bottom of the pipeline: they know nothing of the label modes.
:meth:`LabelOptions.validate` checks the values; :func:`.label_modes.validated` also checks the
mode against the registry of modes, which sits above the options.

Field names are unique across the groups (``options.pose.ransac_threshold`` is flag
``--ransac-threshold`` and flat key ``ransac_threshold``). Thresholds without ``_px`` are in units
of the detector's noise (the standard deviation of its 2D error, measured from the poses of each
recording session by :func:`.noise.estimate_noise`), so the same scene gives the same labels at
any image resolution.
"""
import dataclasses
from dataclasses import dataclass, field
from typing import Optional, Tuple

import numpy as np


def _option(default, help: str, **metadata):
    """A dataclass field with its command-line help (``cli=False``: not a flag)."""
    return field(default=default, metadata=dict(help=help, **metadata))


@dataclass
class PoseOptions:
    """Relative pose of a view pair: 5-point RANSAC on the essential matrix, then refinement."""
    ransac_threshold: float = _option(
        2.5, "RANSAC inlier threshold in units of the detector's noise; also the scale of the "
        'robust losses. 2.5 chosen by measurement (docs/benchmarks.md, "Resolution")')
    ransac_threshold_px: Optional[float] = _option(
        None, 'explicit RANSAC threshold in pixels of the mean focal length (overrides '
        '--ransac-threshold)')
    min_joints: int = _option(
        8, 'fewest confident joints shared with the reference view for a pose (per frame in '
        'per-frame mode, in total when pooled); the 5-point solver needs 5, 8 gives a margin')
    min_parallax_deg: float = _option(
        1.0, 'a view pair whose median ray parallax is smaller is a pure rotation (no baseline)')
    refine: bool = _option(
        True, 'robust Sampson refinement of each pose over all its correspondences (pooled: the '
        "main gain in accuracy; per frame: removes RANSAC's minimal-sample error)")
    max_ransac_points: int = _option(
        4000, 'pooled modes: RANSAC on at most this many correspondences per view pair')
    max_pose_frames: int = _option(
        1000, "the rig (pooled modes), the detector's noise and the person's size are estimated "
        'from at most this many frames of a session, evenly spread (0: all); every frame is '
        'still labelled. 1000: at 10,000 frames, 500 to 2000 and all gave the same N-MPJPE '
        'within 1 %% (docs/benchmarks.md, "Speed at dataset scale")')


@dataclass
class TriangulationOptions:
    """Triangulation of the labels and their quality scores."""
    outlier_threshold: float = _option(
        4.0, "largest reprojection error of a label joint in units of the detector's noise; in "
        "robust mode also the gate of a view's median error in a frame; the error above which a "
        '(frame, view) counts as bad. 4 chosen by measurement (docs/benchmarks.md, "Resolution")')
    outlier_threshold_px: Optional[float] = _option(
        None, 'explicit outlier threshold in pixels of the mean focal length (overrides '
        '--outlier-threshold)')
    min_triangulation_angle_deg: float = _option(
        15.0, 'a joint is not labelled unless two of its views see it under rays this far from '
        '(anti-)parallel: facing or parallel cameras cannot place it in depth')
    flag_fraction: float = _option(
        0.2, 'a view is flagged when more of its frames than this are bad')


@dataclass
class RobustOptions:
    """Robust self-calibration of a static rig (mode ``'robust'``, :mod:`.self_calibration`)."""
    flip_pairs: Optional[Tuple[Tuple[int, int], ...]] = _option(
        None, '(left, right) joint pairs a detector may exchange; None: Human3.6M pairs when '
        'J = 17, else none; () switches swap handling off', cli=False)
    refine_focal: bool = _option(
        False, 'refine one focal length per camera in the bundle adjustment (intrinsics '
        'guessed from the image size)')
    max_focal_uncertainty: float = _option(
        0.1, 'a refined focal length whose relative uncertainty (the larger of the bundle '
        "adjustment's curvature and the spread over resampled blocks of frames) is larger "
        'stays at its prior (given or guessed): the detections do not determine it')
    ba_max_frames: int = _option(
        200, 'frames in the bundle adjustment, evenly spaced (100 to 300 gave the same '
        'N-MPJPE; docs/benchmarks.md, "Speed at dataset scale")')


@dataclass
class SyncOptions:
    """Frame offsets between cameras that were not started together."""
    sync: str = _option(
        'off', "'estimate': report each camera's frame offset; 'apply': also shift the "
        'detections by it before labelling', choices=('off', 'estimate', 'apply'))
    max_sync_offset: int = _option(
        5, 'offsets in [-max, max] frames are tried')
    min_sync_evidence: float = _option(
        5.0, 'a camera gets a nonzero offset only when its best offset beats offset 0 frame by '
        'frame by this many standard errors (a paired test over blocks of frames); 5 kept '
        'every camera of synchronized synthetic rigs at 0 (docs/benchmarks.md, "Synchronization")')
    min_sync_gain: float = _option(
        0.05, "... and lowers the cameras' epipolar error by at least this fraction of offset "
        "0's")


@dataclass
class TemporalOptions:
    """Smoothing of each joint's trajectory over time, inside a take (:mod:`.temporal`)."""
    fps: Optional[float] = _option(
        None, "frames per second of the keypoints file's rows (overrides its 'fps' key); "
        'without either the smoothing is off')
    smoothing_window_s: float = _option(
        0.25, 'seconds of the local polynomial fit (Savitzky-Golay) of each label joint over '
        'time, inside a take and a run of valid frames (pooled modes); 0: off. 0.25 chosen by '
        'measurement: a person walking at 0.6-1.8 m/s filmed at 25 and 60 fps with 5 px of '
        'detector noise at full HD, N-MPJPE 26 -> 18 and 13 mm (10 px: 50 -> 33 and 22 mm); '
        '0.3-0.5 s gained more only at 10 px or slow walking, lost at 1.8 m/s, and the '
        'generator moves more smoothly than people (benchmark_pseudo_labels.py --tables '
        'temporal)')
    smoothing_order: int = _option(
        2, 'degree of the local polynomial (2: constant acceleration over the window; a '
        'motion of this degree passes unchanged)')


@dataclass
class LabelOptions:
    """Everything that decides the pseudo labels (see the module).

    Attributes:
        mode: a label mode of :data:`.label_modes.LABEL_MODES`.
        reference_view: the view whose camera frame the labels are expressed in.
        min_score: joints with a lower detection score are not used.
        seed: seed of the random subsets (results are deterministic for a seed).
        pose, triangulation, robust, synchronization, temporal: the options of each concern.
    """
    mode: str = _option('robust',
                        'how the cameras are found (docs/pseudo_labels.md, "Label modes")')
    reference_view: int = _option(0, "the view whose camera frame the labels are in")
    min_score: float = _option(0.3, 'joints with a lower detection score are not used')
    seed: int = _option(0, 'seed of the random subsets: labels are deterministic for a seed')
    pose: PoseOptions = field(default_factory=PoseOptions)
    triangulation: TriangulationOptions = field(default_factory=TriangulationOptions)
    robust: RobustOptions = field(default_factory=RobustOptions)
    synchronization: SyncOptions = field(default_factory=SyncOptions)
    temporal: TemporalOptions = field(default_factory=TemporalOptions)

    def validate(self) -> 'LabelOptions':
        """Reject values and combinations that make no sense; returns ``self``. (The mode and
        what it allows are checked by :func:`.label_modes.validated`.)

        Raises:
            ValueError naming the field and the value at fault.
        """
        for name, value in (('ransac_threshold', self.pose.ransac_threshold),
                            ('outlier_threshold', self.triangulation.outlier_threshold),
                            ('ransac_threshold_px', self.pose.ransac_threshold_px),
                            ('outlier_threshold_px', self.triangulation.outlier_threshold_px)):
            if value is not None and not (np.isfinite(value) and value > 0):
                raise ValueError(f'{name} must be a positive number, got {value}')
        if not 0.0 <= self.min_score <= 1.0:
            raise ValueError(f'min_score must lie in [0, 1], got {self.min_score}')
        if self.reference_view < 0:
            raise ValueError(f'reference_view must be >= 0, got {self.reference_view}')
        flat = self.to_flat()
        for name, choices in FIELD_CHOICES.items():
            if flat[name] not in choices:
                raise ValueError(f'{name} must be one of {choices}, got {flat[name]!r}')
        fps, window = self.temporal.fps, self.temporal.smoothing_window_s
        if fps is not None and not (np.isfinite(fps) and fps > 0):
            raise ValueError(f'fps must be a positive number, got {fps}')
        if not (np.isfinite(window) and window >= 0):
            raise ValueError(f'smoothing_window_s must be a number >= 0, got {window}')
        if int(self.temporal.smoothing_order) != self.temporal.smoothing_order or \
                self.temporal.smoothing_order < 0:
            raise ValueError(f'smoothing_order must be an integer >= 0, got '
                             f'{self.temporal.smoothing_order}')
        if not self.robust.max_focal_uncertainty > 0:
            raise ValueError(f'max_focal_uncertainty must be a positive number, got '
                             f'{self.robust.max_focal_uncertainty}')
        for name, value in (('min_sync_evidence', self.synchronization.min_sync_evidence),
                            ('min_sync_gain', self.synchronization.min_sync_gain)):
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f'{name} must be a number >= 0, got {value}')
        for name, value, low in (('min_joints', self.pose.min_joints, 5),
                                 ('ba_max_frames', self.robust.ba_max_frames, 1),
                                 ('max_sync_offset', self.synchronization.max_sync_offset, 0),
                                 ('max_ransac_points', self.pose.max_ransac_points, 0),
                                 ('max_pose_frames', self.pose.max_pose_frames, 0)):
            if int(value) != value or value < low:
                raise ValueError(f'{name} must be an integer >= {low}, got {value}')
        if not 0.0 <= self.triangulation.flag_fraction <= 1.0:
            raise ValueError(f'flag_fraction must lie in [0, 1], got '
                             f'{self.triangulation.flag_fraction}')
        return self

    @classmethod
    def from_dict(cls, values: Optional[dict] = None) -> 'LabelOptions':
        """Options from a config's nested dict (the dataclasses' shape); unknown keys raise."""
        values = dict(values or {})
        groups = {}
        for name, group_type in _GROUPS.items():
            given = values.pop(name, None) or {}
            if isinstance(given, group_type):
                groups[name] = given
                continue
            unknown = set(given) - {f.name for f in dataclasses.fields(group_type)}
            if unknown:
                raise ValueError(f"unknown label option(s) {sorted(unknown)} in '{name}'; "
                                 f'known: {[f.name for f in dataclasses.fields(group_type)]}')
            groups[name] = group_type(**given)
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f'unknown label option(s) {sorted(unknown)}; known: '
                             f'{[f.name for f in dataclasses.fields(cls)]}')
        return cls(**values, **groups).validate()

    @classmethod
    def from_flat(cls, **values) -> 'LabelOptions':
        """Options from flat field names (the command line's keys), e.g. ``ransac_threshold=2``."""
        nested = {name: {} for name in _GROUPS}
        for key, value in values.items():
            if key not in FLAT_FIELDS:
                raise ValueError(f'unknown label option {key!r}; known: {sorted(FLAT_FIELDS)}')
            group = FLAT_FIELDS[key][0]
            if group is None:
                nested[key] = value
            else:
                nested[group][key] = value
        return cls.from_dict(nested)

    def to_flat(self) -> dict:
        """The flat field names and values (the inverse of :meth:`from_flat`)."""
        return {key: getattr(self if group is None else getattr(self, group), key)
                for key, (group, _) in FLAT_FIELDS.items()}


_GROUPS = {f.name: f.type for f in dataclasses.fields(LabelOptions)
           if dataclasses.is_dataclass(f.type)}
#: flat name -> (group attribute or None for a top-level field, the dataclass field).
FLAT_FIELDS = {
    **{f.name: (None, f) for f in dataclasses.fields(LabelOptions) if f.name not in _GROUPS},
    **{f.name: (group, f) for group, group_type in _GROUPS.items()
       for f in dataclasses.fields(group_type)},
}
assert len(FLAT_FIELDS) == len(dataclasses.fields(LabelOptions)) - len(_GROUPS) + sum(
    len(dataclasses.fields(t)) for t in _GROUPS.values()), 'label option names must be unique'
#: flat name -> the values a field may take (fields with ``choices``).
FIELD_CHOICES = {name: f.metadata['choices'] for name, (_, f) in FLAT_FIELDS.items()
                 if 'choices' in f.metadata}
