"""Pseudo-3D labels from a multi-view 2D keypoints file, without extrinsics.

    python tools/make_pseudo_labels.py IN.npz OUT.npz [--mode pooled|per_frame]
        [--reference-view 0] [--min-score 0.3]

IN.npz: ``keypoints_2d`` (V, F, J, 3) pixels + score, ``intrinsics`` (V, 3, 3) and optional
``distortion`` (V, 4|5|8). OUT.npz: ``keypoints_3d`` (F, J, 3) in the reference camera (unit:
the distance from the reference camera to the anchor camera), ``valid`` (F, J), ``rotations``,
``translations``, the status arrays with their names. Prints a one-screen summary.
"""
import argparse
import json

from tqdm import tqdm

from epipolar_plugin.fileio import load_multiview_keypoints, save_pseudo_labels
from epipolar_plugin.geometry import make_pseudo_labels


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('input', help='multi-view 2D keypoints .npz')
    parser.add_argument('output', help='pseudo labels .npz to write')
    parser.add_argument('--mode', choices=['pooled', 'per_frame'], default='pooled',
                        help='pooled: one relative pose per camera from all frames (static rig); '
                        'per_frame: one per frame (moving cameras, paper-faithful)')
    parser.add_argument('--reference-view', type=int, default=0)
    parser.add_argument('--min-score', type=float, default=0.3,
                        help='joints with a lower detection score are ignored')
    parser.add_argument('--ransac-threshold', type=float, default=3.0, help='pixels')
    parser.add_argument('--outlier-threshold', type=float, default=15.0,
                        help='largest reprojection error of a label joint, pixels')
    parser.add_argument('--no-refine', action='store_true',
                        help='pooled mode: skip the robust non-linear refinement')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def print_summary(summary: dict, output: str) -> None:
    print(f"\npseudo labels ({summary['mode']}): {summary['frames']} frames x "
          f"{summary['joints']} joints -> {output}")
    print(f"  valid frames: {summary['valid_frame_fraction']:.1%}   "
          f"valid joints: {summary['valid_joint_fraction']:.1%}")
    for key in ('frame_status', 'view_status', 'joint_status'):
        counts = ', '.join(f'{name}: {count}' for name, count in summary[key].items())
        print(f'  {key.replace("_", " ")}: {counts}')


def main():
    args = parse_args()
    data = load_multiview_keypoints(args.input)
    labels = make_pseudo_labels(
        data['keypoints_2d'], data['intrinsics'], data['distortion'], mode=args.mode,
        reference_view=args.reference_view, min_score=args.min_score,
        ransac_threshold_px=args.ransac_threshold, outlier_threshold_px=args.outlier_threshold,
        refine=not args.no_refine, seed=args.seed,
        progress=lambda frames: tqdm(frames, desc='frames', unit='frame'))
    save_pseudo_labels(args.output, labels)
    summary = labels.summary()
    print_summary(summary, args.output)
    with open(args.output[:-4] + '_summary.json' if args.output.endswith('.npz')
              else args.output + '.summary.json', 'w') as file:
        json.dump(summary, file, indent=2)


if __name__ == '__main__':
    main()
