"""A synthetic multi-view 2D keypoints file (docs/file_formats.md) with its ground truth.

    python tools/make_synthetic_keypoints.py OUT.npz [--frames 2000] [--cameras 4] [--seed 0]

Writes the detections (``keypoints_2d``, ``intrinsics``, ``distortion``, ``image_size``,
``camera_names``, ``joint_names``) and, for evaluation only, ``gt_keypoints_3d`` (F, J, 3) in
the reference camera (metres) and ``gt_rotations`` / ``gt_translations`` (V, ...) relative to it.
"""
import argparse

import numpy as np

from epipolar_plugin.fileio import save_npz
from epipolar_plugin.synthetic import JOINT_NAMES, DetectionNoise, make_scene


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('output')
    parser.add_argument('--frames', type=int, default=2000)
    parser.add_argument('--cameras', type=int, default=4)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--pixel-sigma', type=float, default=3.0)
    args = parser.parse_args()
    scene = make_scene(args.frames, args.cameras, seed=args.seed,
                       noise=DetectionNoise(pixel_sigma=args.pixel_sigma))
    poses = [scene.relative_pose(v) for v in range(args.cameras)]
    output = save_npz(args.output, dict(
        keypoints_2d=scene.keypoints_2d, intrinsics=scene.intrinsics,
        distortion=scene.distortion,
        image_size=np.array([[c.width, c.height] for c in scene.cameras]),
        camera_names=np.array([f'cam{v}' for v in range(args.cameras)]),
        joint_names=np.array(JOINT_NAMES), gt_keypoints_3d=scene.joints_camera[0],
        gt_rotations=np.stack([p[0] for p in poses]),
        gt_translations=np.stack([p[1] for p in poses])))
    print(f'wrote {output}: {args.cameras} views x {args.frames} frames x '
          f'{len(JOINT_NAMES)} joints')


if __name__ == '__main__':
    main()
