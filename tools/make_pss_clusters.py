"""Fit the Pose Structure Score clusters on a training split's ground-truth 3D poses.

    python tools/make_pss_clusters.py SOURCE OUT.npz [--k 50 100] [--seed 0]

SOURCE is either a dataset config (its ``train_dataloader.dataset`` is built without a pipeline
and each sample's ``lifting_target``, else ``keypoints_3d``, is read) or a ``.npz`` holding
(N, J, 3|4) poses under ``--key`` (default: the first of ``poses``, ``keypoints_3d``, ``S``,
``gt_keypoints_3d``; a 4th column, e.g. Human3.6M's visibility, is dropped).
Writes the clusters file that ``PSSMetric(clusters_file=...)`` reads (centres for every k, joint
names, normalization, seed, source) and ``OUT_centers.png``: cluster centres as skeletons.
"""
import argparse
import os.path as osp

import numpy as np
from tqdm import tqdm

from epipolar_plugin.evaluation import fit_pose_clusters, save_pose_clusters
from epipolar_plugin.visualization import save_skeleton_grid

NPZ_KEYS = ('poses', 'keypoints_3d', 'S', 'gt_keypoints_3d')


def poses_from_npz(path: str, key=None):
    data = np.load(path)
    keys = [key] if key else [k for k in NPZ_KEYS if k in data.files]
    if not keys or keys[0] not in data.files:
        raise KeyError(f'{path}: no pose array under {key or NPZ_KEYS}; keys: {data.files}')
    poses = data[keys[0]]
    if poses.ndim != 3 or poses.shape[-1] not in (3, 4):
        raise ValueError(f'{path}[{keys[0]!r}] must be (N, J, 3|4), got {poses.shape}')
    joint_names = [str(n) for n in data['joint_names']] if 'joint_names' in data.files else None
    return poses[..., :3], joint_names, f'{path}[{keys[0]}]'


def poses_from_config(path: str):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.pipeline = []
    dataset = DATASETS.build(dataset_cfg)
    poses = []
    for index in tqdm(range(len(dataset)), desc='reading poses'):
        info = dataset.get_data_info(index)
        pose = info.get('lifting_target', info.get('keypoints_3d'))
        if pose is None:
            raise KeyError(f'{path}: train dataset samples have neither lifting_target nor '
                           f'keypoints_3d')
        poses.append(np.asarray(pose).reshape(-1, *np.shape(pose)[-2:])[0])
    names = dataset.metainfo.get('keypoint_id2name')
    joint_names = [names[i] for i in sorted(names)] if names else None
    return np.stack(poses), joint_names, f'{path} (train_dataloader.dataset, {len(poses)} poses)'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('source', help='dataset config (.py) or poses (.npz)')
    parser.add_argument('output', help='clusters file to write (.npz)')
    parser.add_argument('--k', type=int, nargs='+', default=[50, 100])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--key', help='array name in a .npz source')
    args = parser.parse_args()
    if args.source.endswith('.py'):
        poses, joint_names, source = poses_from_config(args.source)
    else:
        poses, joint_names, source = poses_from_npz(args.source, args.key)
    joint_names = joint_names or [f'joint_{j}' for j in range(poses.shape[1])]
    centers = {}
    for k in tqdm(args.k, desc='k-means'):
        centers[k] = fit_pose_clusters(poses, k, seed=args.seed)
    save_pose_clusters(args.output, centers, joint_names, args.seed, source, len(poses))
    picture = osp.splitext(args.output)[0] + '_centers.png'
    k = min(centers)
    shown = centers[k][:20].reshape(-1, poses.shape[1], 3)
    save_skeleton_grid(picture, [[(c, 'tab:blue', None)] for c in shown],
                       titles=[f'k={k} #{i}' for i in range(len(shown))])
    print(f'wrote {args.output}: k={sorted(centers)} on {len(poses)} poses of {poses.shape[1]} '
          f'joints from {source}; centres pictured in {picture}')


if __name__ == '__main__':
    main()
