"""Evaluation: the Pose Structure Score (pure functions) and its MMEngine metric; the
predictions' dump (``tools/test.py --dump``) written atomically."""
from .clusters_file import load_pose_clusters, save_pose_clusters
from .dump_results import AtomicDumpResults
from .metrics import PSSMetric
from .pss import (NORMALIZATION, assign_clusters, fit_pose_clusters, normalize_poses,
                  pose_structure_score)

__all__ = [
    'load_pose_clusters', 'save_pose_clusters', 'AtomicDumpResults', 'PSSMetric',
    'NORMALIZATION', 'assign_clusters', 'fit_pose_clusters', 'normalize_poses',
    'pose_structure_score'
]
