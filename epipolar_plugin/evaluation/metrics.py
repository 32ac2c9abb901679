"""``PSSMetric``: the Pose Structure Score as an MMEngine metric, next to MMPose's ``MPJPE``."""
from typing import Dict, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmpose.registry import METRICS
from .clusters_file import load_pose_clusters
from .pss import pose_structure_score


@METRICS.register_module()
class PSSMetric(BaseMetric):
    """PSS@k for every k in ``k`` (keys ``PSS@50``, ``PSS@100``).

    Reads each data sample's ``pred_instances.keypoints`` (1, J, 3),
    ``gt_instances.lifting_target`` (1, J, 3) and ``gt_instances.lifting_target_visible``
    (1, J), as MMPose's ``MPJPE`` metric does, so both can sit in one ``val_evaluator`` list.
    Like ``MPJPE`` it leaves invisible joints out (``pss.assign_clusters``: each pose is
    compared on its visible joints); a pose without a visible joint is not scored (counted in
    the log). Results are kept per sample, so MMEngine's ``collect_results``
    gathers them across processes in dataset order and drops the distributed sampler's padding:
    the score does not depend on the number of processes.

    Args:
        clusters_file: ``.npz`` from ``tools/make_pss_clusters.py``; its joints must be the
            evaluated dataset's, in the same order (``joint_names`` against the metainfo's
            ``keypoint_id2name``), or the evaluation stops with an error.
        k: the cluster counts to report; each must be in the file.
        collect_device: ``'cpu'`` or ``'gpu'``, as in MMEngine's ``BaseMetric``.
        prefix: optional prefix of the metric names.
    """
    default_prefix: Optional[str] = None

    def __init__(self, clusters_file: str, k: Union[int, Sequence[int]] = (50, 100),
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ks = [int(k)] if isinstance(k, (int, np.integer)) else [int(v) for v in k]
        self.clusters_file = clusters_file
        self.clusters = load_pose_clusters(clusters_file, self.ks)   # fail early on a bad file

    def process(self, data_batch: Optional[dict], data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = np.asarray(sample['pred_instances']['keypoints'], dtype=np.float64)
            gt_instances = sample['gt_instances']
            if 'lifting_target_visible' not in gt_instances:
                raise KeyError('PSSMetric: a data sample has no '
                               "gt_instances['lifting_target_visible'] (1, J), which MMPose's "
                               'MPJPE reads too: add it to the dataset samples')
            gt = np.asarray(gt_instances['lifting_target'], dtype=np.float64)
            gt = gt.reshape(-1, *gt.shape[-2:])
            visible = np.asarray(gt_instances['lifting_target_visible']).astype(bool)
            self.results.append(dict(pred=pred.reshape(-1, *pred.shape[-2:])[:1], gt=gt[:1],
                                     visible=visible.reshape(len(gt), -1)[:1]))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        if not results:
            raise ValueError('PSSMetric received no predictions: the evaluation split is empty '
                             'or the model returned no instances')
        pred = np.concatenate([r['pred'] for r in results])
        gt = np.concatenate([r['gt'] for r in results])
        visible = np.concatenate([r['visible'] for r in results])
        if pred.shape != gt.shape or visible.shape != gt.shape[:2]:
            raise ValueError(f'PSSMetric: predictions {pred.shape}, ground truth {gt.shape} and '
                             f'its visibility {visible.shape} differ in shape')
        scored = visible.any(axis=1)
        if not scored.any():
            raise ValueError(f'PSSMetric: none of the {len(gt)} ground-truth poses has a visible '
                             f'joint (lifting_target_visible): nothing to score')
        clusters = load_pose_clusters(self.clusters_file, self.ks, num_joints=gt.shape[1])
        self._check_joint_order(clusters['joint_names'])
        metrics = {f'PSS@{k}': pose_structure_score(pred, gt, clusters['centers'][k],
                                                      clusters['root_index'], visible)
                   for k in self.ks}
        MMLogger.get_current_instance().info(
            f'PSS on {scored.sum()} poses with clusters from {clusters["source"]}'
            + (f'; {len(gt) - scored.sum()} poses without a visible joint not scored'
               if not scored.all() else '')
            + (f'; {visible[scored].size - visible[scored].sum()} invisible joints left out'
               if not visible[scored].all() else ''))
        return metrics

    def _check_joint_order(self, joint_names: Sequence[str]) -> None:
        """Refuse clusters whose joints are not the evaluated dataset's, in its order
        (``dataset_meta['keypoint_id2name']``, which MMEngine's evaluator sets): centres of
        another joint order put every pose in a wrong cluster without any other sign."""
        names = (self.dataset_meta or {}).get('keypoint_id2name')
        if names is None:
            return
        expected = [names[i] for i in sorted(names)]
        if list(joint_names) != expected:
            wrong = next(j for j, (a, b) in enumerate(zip(joint_names, expected)) if a != b)
            raise ValueError(
                f'PSSMetric: {self.clusters_file!r} was fitted on the joints {list(joint_names)}'
                f', the evaluated dataset has {expected} (first difference: joint {wrong}, '
                f'{joint_names[wrong]!r} against {expected[wrong]!r}); make the clusters with '
                f'tools/make_pss_clusters.py from this dataset\'s training annotation or config')
