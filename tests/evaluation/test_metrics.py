"""PSSMetric: with MMPose's MPJPE in one evaluator, errors, and equal results over 2 processes."""
import os
import socket

import numpy as np
import pytest
import torch.multiprocessing as mp

from epipolar_plugin.evaluation import (PSSMetric, fit_pose_clusters, pose_structure_score,
                                        save_pose_clusters)
from epipolar_plugin.synthetic import JOINT_NAMES, animate


def _samples(poses, preds, visible=None):
    visible = np.ones(poses.shape[:2]) if visible is None else visible
    return [dict(pred_instances=dict(keypoints=p[None]),
                 gt_instances=dict(lifting_target=g[None], lifting_target_visible=m[None]),
                 target_img_path=[f'S9/S9_Walking_1.54138969/S9_Walking_1.54138969_{i:06d}.jpg'])
            for i, (g, p, m) in enumerate(zip(poses, preds, visible))]


@pytest.fixture(scope='module')
def clusters(tmp_path_factory):
    poses = np.concatenate([animate(60, seed=s, fps=10, action=a)
                            for s, a in enumerate(('walking', 'sitting', 'reaching'))])
    path = str(tmp_path_factory.mktemp('pss') / 'clusters.npz')
    centers = {5: fit_pose_clusters(poses, 5), 10: fit_pose_clusters(poses, 10)}
    save_pose_clusters(path, centers, JOINT_NAMES, seed=0, source='test poses',
                       num_poses=len(poses))
    test = animate(37, seed=99, fps=10, action='bending')
    preds = test + np.random.default_rng(0).normal(0, 0.05, test.shape)
    return path, centers, test, preds


def test_metric_matches_the_function_and_sits_beside_mmpose_mpjpe(clusters):
    from mmengine.evaluator import Evaluator
    import epipolar_plugin  # noqa: F401
    path, centers, gt, pred = clusters
    evaluator = Evaluator([dict(type='mmpose.MPJPE', mode='mpjpe'),
                           dict(type='mmpose.MPJPE', mode='n-mpjpe'),
                           dict(type='mmpose.PSSMetric', clusters_file=path, k=(5, 10))])
    evaluator.dataset_meta = {}
    evaluator.process(_samples(gt, pred))
    metrics = evaluator.evaluate(len(gt))
    assert {'MPJPE', 'N-MPJPE', 'PSS@5', 'PSS@10'} <= set(metrics)   # + per-action MPJPEs
    for k in (5, 10):
        assert metrics[f'PSS@{k}'] == pose_structure_score(pred, gt, centers[k])
    assert metrics['MPJPE'] > 0


def test_invisible_joints_are_masked_as_mmpose_mpjpe_masks_them(clusters):
    """Predictions exact on the visible joints and wild on the joints that
    lifting_target_visible hides: MPJPE is 0, and so PSS is 1 (all poses in their ground
    truth's cluster); a pose without a visible joint is left out."""
    from mmengine.evaluator import Evaluator
    import epipolar_plugin  # noqa: F401
    path, _, gt, _ = clusters
    rng = np.random.default_rng(1)
    visible = np.ones(gt.shape[:2])
    visible[:, 11:] = 0                                   # both arms hidden
    visible[5] = 0                                        # no joint of pose 5
    pred = gt.copy()
    pred[:, 11:] += rng.normal(0, 0.6, pred[:, 11:].shape)
    pred[5] = rng.normal(0, 1.0, pred[5].shape)
    evaluator = Evaluator([dict(type='mmpose.MPJPE', mode='mpjpe'),
                           dict(type='mmpose.PSSMetric', clusters_file=path, k=(5, 10))])
    evaluator.dataset_meta = {}
    evaluator.process(_samples(gt, pred, visible))
    metrics = evaluator.evaluate(len(gt))
    assert metrics['MPJPE'] == 0.0
    assert metrics['PSS@5'] == metrics['PSS@10'] == 1.0
    unmasked = PSSMetric(clusters_file=path, k=10)      # the same poses, every joint counted
    unmasked.process({}, _samples(gt, pred))
    assert unmasked.evaluate(len(gt))['PSS@10'] < 1.0
    hidden = PSSMetric(clusters_file=path, k=10)
    hidden.process({}, _samples(gt, pred, np.zeros(gt.shape[:2])))
    with pytest.raises(ValueError, match='none of the 37 ground-truth poses has a visible'):
        hidden.evaluate(len(gt))
    no_mask = _samples(gt, pred)
    del no_mask[0]['gt_instances']['lifting_target_visible']
    with pytest.raises(KeyError, match='lifting_target_visible'):
        PSSMetric(clusters_file=path, k=10).process({}, no_mask)


def test_clear_errors_for_missing_file_wrong_k_wrong_skeleton_and_no_results(clusters, tmp_path):
    path, _, gt, pred = clusters
    with pytest.raises(FileNotFoundError, match='nowhere.npz'):
        PSSMetric(clusters_file=str(tmp_path / 'nowhere.npz'))
    with pytest.raises(ValueError, match=r'no clusters for k=\[50\]'):
        PSSMetric(clusters_file=path, k=(5, 50))
    metric = PSSMetric(clusters_file=path, k=5)
    metric.process({}, _samples(gt[:, :16], pred[:, :16]))
    with pytest.raises(ValueError, match='fitted on 17-joint poses .* 16 joints'):
        metric.evaluate(len(gt))
    with pytest.raises(ValueError, match='received no predictions'):
        PSSMetric(clusters_file=path, k=5).compute_metrics([])
    not_clusters = tmp_path / 'other.npz'
    np.savez(not_clusters, poses=gt)
    with pytest.raises(ValueError, match='is not a PSS clusters file'):
        PSSMetric(clusters_file=str(not_clusters))


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _evaluate_rank(rank, world_size, port, path, gt, pred, out):
    import torch.distributed as dist
    from mmengine.dataset import DefaultSampler
    import epipolar_plugin  # noqa: F401
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank,
                            world_size=world_size)
    sampler = DefaultSampler(list(range(len(gt))), shuffle=False)   # pads to equal shards
    indices = list(sampler)
    metric = PSSMetric(clusters_file=path, k=(5, 10))
    samples = _samples(gt, pred)
    for start in range(0, len(indices), 4):                            # batches of 4
        metric.process({}, [samples[i] for i in indices[start:start + 4]])
    result = metric.evaluate(len(gt))
    np.save(os.path.join(out, f'rank{rank}.npy'), [result['PSS@5'], result['PSS@10']])
    dist.destroy_process_group()


def test_two_gloo_processes_give_the_single_process_value(clusters, tmp_path):
    path, centers, gt, pred = clusters          # 37 poses: the 2-process sampler pads one
    single = PSSMetric(clusters_file=path, k=(5, 10))
    single.process({}, _samples(gt, pred))
    expected = single.evaluate(len(gt))
    mp.spawn(_evaluate_rank, args=(2, _free_port(), path, gt, pred, str(tmp_path)), nprocs=2)
    for rank in range(2):
        np.testing.assert_array_equal(np.load(tmp_path / f'rank{rank}.npy'),
                                      [expected['PSS@5'], expected['PSS@10']])
    assert 0.0 < expected['PSS@10'] < 1.0         # a value that could differ if padding counted
