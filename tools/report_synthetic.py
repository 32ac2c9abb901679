"""Evaluate the self-supervised and the supervised model on the synthetic test split, side by side.

    python tools/report_synthetic.py [--data-root data/synthetic]
        [--self-supervised work_dirs/epipolar_synthetic] [--supervised work_dirs/supervised_synthetic]
        [--refined work_dirs/refine_synthetic] [--out work_dirs/synthetic_report]

Each work directory's config and last checkpoint are tested with MMEngine's runner (the
config's evaluators: MMPose's MPJPE family and PSSMetric). Prints one table with a mean-pose
baseline (the mean root-relative training pose, predicted for every image) and the pooled
pseudo labels' own error on the training split; writes ``report.json`` and ``skeletons.png``
(prediction vs pseudo label vs ground truth on test images) to ``--out``.
"""
import argparse
import glob
import json
import os
import os.path as osp
import pickle

import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

from epipolar_plugin.evaluation import load_pose_clusters, pose_structure_score
from epipolar_plugin.fileio import (atomic_output, load_multiview_keypoints, load_pose_annotation,
                                   load_pseudo_labels_for)
from epipolar_plugin.geometry import mean_joint_error, procrustes_align, root_centre, scale_align
from epipolar_plugin.visualization import save_skeleton_grid

ANN = 'annotation_body3d/fps10/'
COLUMNS = ('MPJPE', 'N-MPJPE', 'P-MPJPE', 'PSS@50', 'PSS@100')


def test_run(work_dir: str, out_dir: str):
    """Metrics and dumped predictions of a work directory's last checkpoint."""
    configs = sorted(glob.glob(osp.join(work_dir, '*.py')))
    with open(osp.join(work_dir, 'last_checkpoint')) as file:
        checkpoint = file.read().strip()
    if not configs:
        raise FileNotFoundError(f'{work_dir}: no config dumped by tools/train.py')
    cfg = Config.fromfile(configs[0])
    dump = osp.join(out_dir, osp.basename(work_dir.rstrip('/')) + '_predictions.pkl')
    cfg.test_evaluator = list(cfg.test_evaluator) + [dict(type='AtomicDumpResults',
                                                          out_file_path=dump)]
    cfg.work_dir, cfg.load_from = osp.join(out_dir, 'test_' + osp.basename(work_dir)), checkpoint
    metrics = Runner.from_cfg(cfg).test()
    with open(dump, 'rb') as file:      # written just above by this process
        samples = pickle.load(file)
    return {k: float(metrics[k]) for k in COLUMNS}, samples, cfg


def scores(pred, gt, clusters):
    mask = np.ones(gt.shape[:2], bool)
    row = dict(MPJPE=mean_joint_error(pred, gt, mask),
               **{'N-MPJPE': mean_joint_error(scale_align(pred, gt, mask), gt, mask),
                  'P-MPJPE': mean_joint_error(procrustes_align(pred, gt, mask), gt, mask)})
    for k, centers in clusters['centers'].items():
        row[f'PSS@{k}'] = pose_structure_score(pred, gt, centers)
    return row


def split_labels(data_root: str, split: str):
    """(labels, image names (V, F)) of a split: its pseudo labels and multi-view keypoints
    files, read and checked (``load_pseudo_labels_for``, ``load_multiview_keypoints``)."""
    keypoints_path = osp.join(data_root, ANN, f'h36m_{split}_multiview_2d.npz')
    keypoints = load_multiview_keypoints(keypoints_path)
    if keypoints['image_names'] is None:
        raise KeyError(f"{keypoints_path}: key 'image_names' (V, F) is needed to find the "
                       f"labels' images")
    num_views, num_frames = keypoints['keypoints_2d'].shape[:2]
    labels = load_pseudo_labels_for(osp.join(data_root, ANN, f'h36m_{split}_pseudo_labels.npz'),
                                    keypoints_path, num_frames, num_views)
    return labels, keypoints['image_names'].astype(str)


def label_images(labels: dict, names: np.ndarray, view: int):
    """(label frames (n,), image names (n,)): the image of camera ``view`` that shows each
    label's instant (``image_frame``), for the labels that have one."""
    rows = labels['image_frame'][:, view]
    frames = np.flatnonzero(rows >= 0)
    images = names[view, rows[frames]]
    return frames[images != ''], images[images != '']


def pseudo_label_error(data_root):
    """N-MPJPE (metres) of the pooled training labels against the ground truth of the image of
    the labels' reference camera at each label's instant, and the fraction of valid joints."""
    labels, names = split_labels(data_root, 'train')
    ann = load_pose_annotation(osp.join(data_root, ANN, 'h36m_train.npz'), ('imgname', 'S'),
                               only_required=True)
    row = {str(n): i for i, n in enumerate(ann['imgname'])}
    frames, images = label_images(labels, names, int(labels['reference_view']))
    truth = root_centre(ann['S'][[row[n] for n in images], :, :3])
    valid = labels['valid'][frames] & labels['valid'][frames, :1]
    pred = scale_align(root_centre(labels['keypoints_3d'][frames]), truth, valid)
    return mean_joint_error(pred, truth, valid), float(labels['valid'].mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--data-root', default='data/synthetic')
    parser.add_argument('--self-supervised', default='work_dirs/epipolar_synthetic')
    parser.add_argument('--supervised', default='work_dirs/supervised_synthetic')
    parser.add_argument('--refined', default='work_dirs/refine_synthetic',
                        help='the refinement unit (configs/refine_synthetic.py), if trained')
    parser.add_argument('--out', default='work_dirs/synthetic_report')
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    clusters = load_pose_clusters(osp.join(args.data_root, 'pss_clusters.npz'), (50, 100))

    runs, samples = {}, {}
    for name, work_dir in (('self-supervised (pseudo labels)', args.self_supervised),
                           ('supervised (3D ground truth)', args.supervised),
                           ('refinement unit (lifter, pseudo labels)', args.refined)):
        if osp.isfile(osp.join(work_dir, 'last_checkpoint')):
            runs[name], samples[name], _ = test_run(work_dir, args.out)
    if not runs:
        raise FileNotFoundError('no trained work directory found: train a config first')
    first = next(iter(samples.values()))
    gt = np.stack([s['gt_instances']['lifting_target'][0] for s in first]).astype(float)
    train = load_pose_annotation(osp.join(args.data_root, ANN, 'h36m_train.npz'), ('S', ),
                                 only_required=True)['S'][..., :3]
    mean_pose = root_centre(train).mean(axis=0)
    table = {'mean training pose': scores(np.repeat(mean_pose[None], len(gt), 0), gt, clusters)}
    table['mean training pose'] = {k: float(v) for k, v in table['mean training pose'].items()}
    table.update(runs)

    label_error, label_valid = pseudo_label_error(args.data_root)
    header = f"{'model (test split, ' + str(len(gt)) + ' images)':40s}" + ''.join(
        f'{c:>10s}' for c in COLUMNS)
    lines = [header, '-' * len(header)]
    for name, row in table.items():
        lines.append(f'{name:40s}' + ''.join(
            f'{1000 * row[c]:10.1f}' if 'MPJPE' in c else f'{row[c]:10.3f}' for c in COLUMNS))
    lines.append('(MPJPE family in mm, root-relative; PSS as fractions)')
    lines.append(f'pooled pseudo labels, training split: N-MPJPE {1000 * label_error:.1f} mm, '
                 f'{100 * label_valid:.1f}% joints valid')
    names = list(runs)
    own, supervised = 'self-supervised (pseudo labels)', 'supervised (3D ground truth)'
    if own in runs and supervised in runs:
        ratio = runs[own]['N-MPJPE'] / runs[supervised]['N-MPJPE']
        baseline = table['mean training pose']['N-MPJPE']
        lines.append(f'N-MPJPE self-supervised / supervised: {ratio:.2f}; / mean pose: '
                     f"self-supervised {runs[own]['N-MPJPE'] / baseline:.2f}, "
                     f"supervised {runs[supervised]['N-MPJPE'] / baseline:.2f}")
    refined = 'refinement unit (lifter, pseudo labels)'
    if own in runs and refined in runs:
        lines.append(f"refinement unit: N-MPJPE {1000 * runs[own]['N-MPJPE']:.1f} -> "
                     f"{1000 * runs[refined]['N-MPJPE']:.1f} mm, PSS@50 {runs[own]['PSS@50']:.3f} "
                     f"-> {runs[refined]['PSS@50']:.3f}")
    print('\n'.join(lines))
    with atomic_output(osp.join(args.out, 'report.json')) as temporary, \
            open(temporary, 'w') as file:
        json.dump(dict(table=table, pseudo_label_n_mpjpe=label_error,
                       pseudo_label_valid_fraction=label_valid, text=lines), file, indent=2)

    # pictures: prediction (and refined) vs pseudo label vs ground truth, scale-aligned to the truth
    name = names[0]
    picks = np.linspace(0, len(gt) - 1, 10).astype(int)
    labels = test_pseudo_labels(args.data_root)
    refined_by_image = {s['img_path']: s for s in samples.get(refined, [])}
    panels, titles = [], []
    for index in picks:
        sample = samples[name][index]
        truth = gt[index]
        pred = scale_align(sample['pred_instances']['keypoints'][0][None], truth[None])[0]
        panel = [(truth, 'tab:green', 'ground truth'), (pred, 'tab:red', 'prediction')]
        label = labels.get(sample['img_path'].split('images/')[-1]) if labels else None
        if label is not None:
            mask = np.isfinite(label).all(-1)[None]
            panel.append((scale_align(label[None], truth[None], mask)[0], 'tab:blue',
                          'pseudo label'))
        if sample['img_path'] in refined_by_image:
            better = refined_by_image[sample['img_path']]['pred_instances']['keypoints'][0]
            panel.append((scale_align(better[None], truth[None])[0], 'tab:orange', 'refined'))
        panels.append(panel)
        titles.append(osp.basename(sample['img_path'])[:-4])
    save_skeleton_grid(osp.join(args.out, 'skeletons.png'), panels, titles, columns=5)
    print(f'wrote {args.out}/report.json and {args.out}/skeletons.png')


def test_pseudo_labels(data_root):
    """Pooled labels of the test split (pictures only), root-relative in each view's camera:
    {image name: (J, 3)}, each image with the label of the instant it shows."""
    if not osp.isfile(osp.join(data_root, ANN, 'h36m_test_pseudo_labels.npz')):
        return {}
    labels, names = split_labels(data_root, 'test')
    out = {}
    for v in range(names.shape[0]):
        frames, images = label_images(labels, names, v)
        joints = labels['keypoints_3d'][frames] @ np.swapaxes(labels['rotations'][frames, v],
                                                              -1, -2)
        joints = joints + labels['translations'][frames, v, None]
        joints = np.where(labels['valid'][frames, :, None], joints, np.nan)
        out.update(zip(images, joints - joints[:, :1]))
    return out


if __name__ == '__main__':
    main()
