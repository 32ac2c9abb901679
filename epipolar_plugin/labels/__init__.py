"""The pseudo-labelling pipeline on :mod:`epipolar_plugin.geometry`: multi-view 2D poses ->
pseudo-3D labels in the reference camera, with no extrinsics (:func:`make_pseudo_labels`).

Modules from the bottom up: ``label_options`` (plain data), ``statuses``, ``parallel``,
``observations``, ``noise``; ``rig_assembly``, ``swaps``, ``synchronization``,
``self_calibration``, ``temporal``; ``label_modes`` (the registry of modes, above the options)
and ``label_arguments`` (the options' command line); ``label_quality``, ``label_result``;
``pseudo_labels`` (the pipeline). See docs/pseudo_labels.md.
"""
from .label_arguments import add_label_arguments, options_from_args
from .label_modes import LABEL_MODES, LabelMode, RigEstimate, register_label_mode, validated
from .label_options import (LabelOptions, PoseOptions, RobustOptions, SyncOptions,
                            TemporalOptions, TriangulationOptions)
from .label_result import PseudoLabels
from .observations import Observations, check_multiview_inputs, check_session
from .pseudo_labels import make_pseudo_labels
from .self_calibration import RigCalibration, calibrate_rig
from .statuses import FrameStatus, JointStatus, ViewStatus
from .swaps import H36M_FLIP_PAIRS, find_swaps, flip_pairs_from_names
from .synchronization import estimate_frame_offsets, shift_frames
from .temporal import smooth_trajectories, window_frames_of

__all__ = [
    'add_label_arguments', 'options_from_args', 'LABEL_MODES', 'LabelMode', 'RigEstimate',
    'register_label_mode', 'validated', 'LabelOptions', 'PoseOptions', 'RobustOptions',
    'SyncOptions', 'TemporalOptions', 'TriangulationOptions', 'PseudoLabels', 'Observations',
    'check_multiview_inputs', 'check_session', 'make_pseudo_labels', 'RigCalibration',
    'calibrate_rig', 'FrameStatus', 'JointStatus', 'ViewStatus', 'H36M_FLIP_PAIRS', 'find_swaps',
    'flip_pairs_from_names', 'estimate_frame_offsets', 'shift_frames', 'smooth_trajectories',
    'window_frames_of'
]
