"""Fit the Pose Structure Score clusters on a training split's ground-truth 3D poses.

    python tools/make_pss_clusters.py SOURCE OUT.npz [--k 50 100] [--seed 0] [--layout LAYOUT]

SOURCE is one of:

- a training annotation of MMPose's converters (``preprocess_h36m.py``'s
  ``annotation_body3d/fps10/h36m_train.npz``, ``preprocess_mpi_inf_3dhp.py``'s
  ``annotations/mpi_inf_3dhp_train.npz``): its ``S`` (N, J, 4) camera-frame poses, the joints
  put in the plugin's (Human3.6M's) order; the layout is told by the image names (``imgname``)
  or by ``--layout``;
- a config (``.py``): its ``train_dataloader.dataset`` built with the 3D ground truth, whatever
  the training reads (pseudo labels, detections: left out here), each sample's
  ``lifting_target``;
- an ``.npz`` of (N, J, 3|4) poses under ``--key`` (default: the first of ``poses``,
  ``keypoints_3d``, ``gt_keypoints_3d``), with ``joint_names`` (J,) or ``--layout`` to say
  which order its joints are in.

Writes the clusters file that ``PSSMetric(clusters_file=...)`` reads (centres for every k, the
joint names in the plugin's order, normalization, seed, source; docs/file_formats.md) and
``OUT_centers.png``: cluster centres as skeletons.
"""
import argparse
import inspect
import os.path as osp

import numpy as np
from tqdm import tqdm

from epipolar_plugin.apis.keypoints_2d import LAYOUTS, annotation_layout
from epipolar_plugin.evaluation import fit_pose_clusters, save_pose_clusters
from epipolar_plugin.fileio import MAX_COORDINATE, check_array, load_npz, load_pose_annotation
from epipolar_plugin.visualization import save_skeleton_grid

POSE_KEYS = ('poses', 'keypoints_3d', 'gt_keypoints_3d')


def layout_joint_names(layout: str) -> list:
    """The joint names of a layout's dataset (its metainfo, the plugin's order)."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    names = parse_pose_metainfo(dict(LAYOUTS[layout].dataset.METAINFO))['keypoint_id2name']
    return [names[i] for i in sorted(names)]


def checked_poses(path: str, key: str, poses: np.ndarray) -> np.ndarray:
    """(N, J, 3) float64 of a file's (N, J, 3|4) array (a 4th column, e.g. visibility, is
    dropped); the error names the file and key."""
    poses = check_array(path, key, poses, (None, None, None))
    if poses.shape[-1] not in (3, 4) or not len(poses):
        raise ValueError(f"{path}: key '{key}' must hold (N, J, 3|4) poses with N >= 1, got "
                         f'{poses.shape}')
    poses = poses[..., :3].astype(np.float64)
    if not (np.abs(poses) < MAX_COORDINATE).all():
        raise ValueError(f"{path}: key '{key}' holds values that are not finite (or beyond "
                         f'{MAX_COORDINATE:g}): ground-truth poses must all be known')
    return poses


def poses_from_npz(path: str, key=None, layout=None):
    """(poses (N, J, 3), joint names, source) of an annotation or a poses ``.npz``."""
    data = load_npz(path, what='poses or annotation file')
    if key is None and 'imgname' in data:                  # an annotation of MMPose's layouts
        if 'S' not in data:
            raise KeyError(f"{path}: an annotation without key 'S' (3D ground truth): PSS "
                           f'clusters need the training split with 3D')
        ann = load_pose_annotation(path, ('imgname', 'S'), only_required=True)
        layout = layout or annotation_layout(ann['imgname'], path)
        poses = ann['S'][..., :3].astype(np.float64)
        order = LAYOUTS[layout].dataset.joint_order
        if order is not None:
            poses = poses[:, list(order)]
        return poses, layout_joint_names(layout), f'{path}[S] ({LAYOUTS[layout].name})'
    keys = [key] if key else [k for k in POSE_KEYS if k in data]
    if not keys or keys[0] not in data:
        raise KeyError(f'{path}: no pose array under {key or POSE_KEYS}; keys: {sorted(data)}')
    poses = checked_poses(path, keys[0], data[keys[0]])
    if 'joint_names' in data:
        names = check_array(path, 'joint_names', data['joint_names'], (poses.shape[1], ),
                            kinds='US')
        joint_names = [str(n) for n in names]
    elif layout is not None:
        order = LAYOUTS[layout].dataset.joint_order
        poses = poses if order is None else poses[:, list(order)]
        joint_names = layout_joint_names(layout)
    else:
        raise ValueError(f"{path}: poses without 'joint_names': pass --layout "
                         f"({' or '.join(LAYOUTS)}) to say which joint order they are in")
    if len(joint_names) != poses.shape[1]:
        raise ValueError(f"{path}: key '{keys[0]}' has {poses.shape[1]} joints, the layout "
                         f'{layout} {len(joint_names)}')
    return poses, joint_names, f'{path}[{keys[0]}]'


def poses_from_config(path: str):
    """(poses, joint names, source) of a config's training split: the plugin's multi-view
    datasets are built with the 3D ground truth and without the pseudo labels or detections
    they may train on; other MMPose datasets as configured, each sample's ``lifting_target``
    (else ``keypoints_3d``)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.pipeline = []
    if 'load_ground_truth' in inspect.signature(DATASETS.get(dataset_cfg.type)).parameters:
        dataset_cfg.update(load_ground_truth=True, pseudo_label_file=None,
                           keypoints_2d_file=None)
    dataset = DATASETS.build(dataset_cfg)
    poses = []
    for index in tqdm(range(len(dataset)), desc='reading poses'):
        info = dataset.get_data_info(index)
        pose = info.get('lifting_target', info.get('keypoints_3d'))
        if pose is None:
            raise SystemExit(f'{path}: the training dataset {dataset_cfg.type} has no 3D '
                             f'ground truth (no lifting_target nor keypoints_3d in its '
                             f'samples); fit the clusters on an annotation or poses file of '
                             f'this skeleton instead')
        poses.append(np.asarray(pose).reshape(-1, *np.shape(pose)[-2:])[0])
    names = dataset.metainfo['keypoint_id2name']
    return (np.stack(poses).astype(np.float64), [names[i] for i in sorted(names)],
            f'{path} (train_dataloader.dataset, {len(poses)} ground-truth poses)')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('source', help='training annotation (.npz), config (.py) or poses '
                        '(.npz)')
    parser.add_argument('output', help='clusters file to write (.npz)')
    parser.add_argument('--k', type=int, nargs='+', default=[50, 100])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--key', help='array name in a poses .npz')
    parser.add_argument('--layout', choices=sorted(LAYOUTS),
                        help="the annotation's layout (default: told by its image names), or "
                        'the joint order of poses without joint_names')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.source.endswith('.py'):
        poses, joint_names, source = poses_from_config(args.source)
    else:
        poses, joint_names, source = poses_from_npz(args.source, args.key, args.layout)
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
          f'joints ({", ".join(joint_names[:3])}, ...) from {source}; centres pictured in '
          f'{picture}')


if __name__ == '__main__':
    main()
