"""Pseudo-label quality and speed: the paper-faithful loop against this plugin, in one run.

On a synthetic 4-camera studio rig with known cameras and 3D truth (2D noise of a few pixels,
a few per cent outlier joints, some low-confidence joints, occasional missing views), it
times and scores:

- ``paper loop``: per frame, OpenCV's findEssentialMat / recoverPose / triangulatePoints on the
  reference view and one other view (EpipolarPose's label generation);
- ``per_frame``: this plugin per frame, all views, weighted robust triangulation;
- ``pooled``: this plugin with one relative pose per view from all frames (static rig).

Columns: samples (frames) per second, speed ratio to the paper loop, N-MPJPE and P-MPJPE of
the labels against the ground truth (mm, valid joints only, root-relative), median rotation
error of the recovered cameras (degrees), fraction of valid joints.

    python tools/benchmark_pseudo_labels.py [--frames 2000] [--cameras 4] [--seed 0]
"""
import argparse
import time

import cv2
import numpy as np

from epipolar_plugin.geometry import (make_pseudo_labels, mean_joint_error, pixel_to_normalized,
                                      procrustes_align, root_centre, rotation_angle_deg,
                                      scale_align)
from epipolar_plugin.synthetic import DetectionNoise, make_scene


def paper_loop(keypoints_2d, intrinsics, distortion, reference_view=0, other_view=1,
               min_score=0.3):
    """EpipolarPose's per-sample labels: one essential matrix per frame from one view pair.

    Returns (F, J, 3) points in the reference camera (NaN where failed) and (F, 3, 3) rotations.
    """
    num_frames, num_joints = keypoints_2d.shape[1:3]
    points_3d = np.full((num_frames, num_joints, 3), np.nan)
    rotations = np.full((num_frames, 3, 3), np.nan)
    views = (reference_view, other_view)
    normalized = [pixel_to_normalized(keypoints_2d[v, ..., :2], intrinsics[v], distortion[v])
                  for v in views]
    for frame in range(num_frames):
        scores = [keypoints_2d[v, frame, :, 2] for v in views]
        keep = (np.isfinite(normalized[0][frame]).all(1) & np.isfinite(normalized[1][frame]).all(1)
                & (scores[0] >= min_score) & (scores[1] >= min_score))
        if keep.sum() < 5:
            continue
        p1, p2 = normalized[0][frame][keep], normalized[1][frame][keep]
        try:
            essential, mask = cv2.findEssentialMat(p1, p2, np.eye(3), method=cv2.RANSAC,
                                                   prob=0.999, threshold=3.0 / intrinsics[0, 0, 0])
            if essential is None or essential.shape[0] < 3:
                continue
            _, rotation, translation, _ = cv2.recoverPose(essential[:3], p1, p2, np.eye(3),
                                                          mask=mask)
        except cv2.error:
            continue
        homogeneous = cv2.triangulatePoints(np.eye(3, 4), np.hstack([rotation, translation]),
                                            p1.T, p2.T)
        points_3d[frame, keep] = (homogeneous[:3] / homogeneous[3]).T
        rotations[frame] = rotation
    return points_3d, rotations


def score(points_3d, valid, truth, rotations, true_rotation):
    """N-MPJPE, P-MPJPE (mm) over valid joints, median rotation error (deg), valid fraction."""
    valid = valid & np.all(np.isfinite(points_3d), axis=-1)
    rooted = valid & valid[:, :1]                     # root-relative needs a valid root
    pred, gt = root_centre(points_3d), root_centre(truth)
    n_mpjpe = mean_joint_error(scale_align(pred, gt, rooted), gt, rooted) * 1000
    p_mpjpe = mean_joint_error(procrustes_align(points_3d, truth, valid), truth, valid) * 1000
    rotation_error = np.nanmedian(rotation_angle_deg(rotations, true_rotation[None]))
    return n_mpjpe, p_mpjpe, rotation_error, valid.mean()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--frames', type=int, default=2000)
    parser.add_argument('--cameras', type=int, default=4)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--pixel-sigma', type=float, default=3.0)
    parser.add_argument('--outliers', type=float, default=0.03)
    args = parser.parse_args()

    noise = DetectionNoise(pixel_sigma=args.pixel_sigma, outlier_fraction=args.outliers)
    scene = make_scene(args.frames, args.cameras, seed=args.seed, noise=noise)
    truth = scene.joints_camera[0]
    true_rotation, _ = scene.relative_pose(1)
    inputs = (scene.keypoints_2d, scene.intrinsics, scene.distortion)
    print(f'synthetic rig: {args.cameras} cameras, {args.frames} frames, 17 joints, '
          f'{args.pixel_sigma} px noise, {args.outliers:.0%} outliers, '
          f'{noise.low_confidence_fraction:.0%} low-confidence joints, '
          f'{noise.missing_view_fraction:.0%} missing views')

    rows = []
    start = time.perf_counter()
    points_3d, rotations = paper_loop(*inputs)
    seconds = time.perf_counter() - start
    rows.append(('paper loop (ref + 1 view)', seconds,
                 score(points_3d, np.ones(points_3d.shape[:2], bool), truth, rotations,
                       true_rotation)))
    for mode in ('per_frame', 'pooled'):
        start = time.perf_counter()
        labels = make_pseudo_labels(*inputs, mode=mode)
        seconds = time.perf_counter() - start
        rows.append((f'ours {mode} (all views)', seconds,
                     score(labels.keypoints_3d, labels.valid, truth, labels.rotations[:, 1],
                           true_rotation)))

    base_rate = args.frames / rows[0][1]
    header = (f"{'method':<28}{'samples/s':>11}{'speed x':>9}{'N-MPJPE mm':>12}"
              f"{'P-MPJPE mm':>12}{'rot err deg':>13}{'valid':>8}")
    print(header)
    print('-' * len(header))
    for name, seconds, (n_mpjpe, p_mpjpe, rotation_error, valid) in rows:
        rate = args.frames / seconds
        print(f'{name:<28}{rate:>11.0f}{rate / base_rate:>9.1f}{n_mpjpe:>12.1f}'
              f'{p_mpjpe:>12.1f}{rotation_error:>13.3f}{valid:>8.3f}')


if __name__ == '__main__':
    main()
