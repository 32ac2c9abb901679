"""Pseudo-3D labels from a multi-view 2D keypoints file, without extrinsics.

    python tools/make_pseudo_labels.py IN.npz OUT.npz [--mode pooled|per_frame]
        [--reference-view 0] [--min-score 0.3] [--plain] [--sync estimate|apply]
        [--guess-intrinsics] [--refine-focal]

IN.npz: ``keypoints_2d`` (V, F, J, 3) pixels + score, ``intrinsics`` (V, 3, 3) and optional
``distortion`` (V, 4|5|8), ``image_size`` (V, 2), ``joint_names`` (J,). OUT.npz:
``keypoints_3d`` (F, J, 3) in the reference camera (unit: the distance from the reference camera
to the anchor camera), ``valid`` (F, J), ``rotations``, ``translations``, the status arrays with
their names and the quality scores (README: "Pseudo-label quality"). Prints a one-screen
summary with a per-view quality table; OUT_summary.json has the same.
"""
import argparse
import json

import numpy as np
from tqdm import tqdm

from epipolar_plugin.fileio import atomic_output, load_multiview_keypoints, save_pseudo_labels
from epipolar_plugin.geometry import make_pseudo_labels, pinhole_from_image_size
from epipolar_plugin.geometry.pseudo_labels import OUTLIER_THRESHOLD, RANSAC_THRESHOLD
from epipolar_plugin.geometry.swaps import resolve_flip_pairs


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
    parser.add_argument('--ransac-threshold', type=float, default=RANSAC_THRESHOLD,
                        help="RANSAC threshold in units of the detector's noise (its 2D error's "
                        'standard deviation, measured from the poses; independent of the image '
                        'resolution)')
    parser.add_argument('--outlier-threshold', type=float, default=OUTLIER_THRESHOLD,
                        help='largest reprojection error of a label joint, same unit; also the '
                        "gate of a view's median error in a frame (robust mode)")
    parser.add_argument('--ransac-threshold-px', type=float, default=None,
                        help='explicit RANSAC threshold in pixels (overrides --ransac-threshold)')
    parser.add_argument('--outlier-threshold-px', type=float, default=None,
                        help='explicit outlier threshold in pixels (overrides '
                        '--outlier-threshold)')
    parser.add_argument('--min-triangulation-angle', type=float, default=15.0,
                        help='degrees; joints seen only by (nearly) facing or parallel cameras '
                        'are not labelled')
    parser.add_argument('--plain', action='store_true',
                        help='pooled mode: the plain estimate (every view against the reference, '
                        'no swap handling, gating or bundle adjustment)')
    parser.add_argument('--no-refine', action='store_true',
                        help='skip the robust Sampson refinement of the relative poses')
    parser.add_argument('--sync', choices=['off', 'estimate', 'apply'], default='off',
                        help="estimate each camera's frame offset (reported), or also apply it")
    parser.add_argument('--max-sync-offset', type=int, default=5, help='frames')
    parser.add_argument('--guess-intrinsics', action='store_true',
                        help="replace the file's intrinsics with a pinhole guessed from "
                        "'image_size' (focal = max(width, height)); implies --refine-focal")
    parser.add_argument('--refine-focal', action='store_true',
                        help='robust mode: refine one focal length per camera')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def show(value, spec: str) -> str:
    """``value`` formatted with ``spec``, '-' for None."""
    return format(value, spec) if value is not None else '-'


def print_summary(summary: dict, output: str) -> None:
    print(f"\npseudo labels ({summary['mode']}{', robust' if summary['robust'] else ''}): "
          f"{summary['frames']} frames x {summary['joints']} joints -> {output}")
    print(f"  valid frames: {summary['valid_frame_fraction']:.1%}   "
          f"valid joints: {summary['valid_joint_fraction']:.1%}")
    for key in ('frame_status', 'view_status', 'joint_status'):
        counts = ', '.join(f'{name}: {count}' for name, count in summary[key].items())
        print(f'  {key.replace("_", " ")}: {counts}')
    for session in summary['sessions']:
        print_session(session, len(summary['sessions']) > 1)


def print_session(session: dict, several: bool) -> None:
    """The per-view table, frame quality and possible rig changes of one recording session."""
    if several:
        print(f"  session {session['session']}: {session['frames']} frames, valid joints "
              f"{session['valid_joint_fraction']:.1%}")
    print(f"  detector noise {show(session['noise_px'], '.2f')} px -> thresholds: RANSAC "
          f"{show(session['ransac_threshold_px'], '.2f')} px, outlier "
          f"{show(session['outlier_threshold_px'], '.2f')} px")
    print(f"  {'view':>6}{'status':>14}{'error px':>10}{'bad':>8}{'used':>8}{'inliers':>9}"
          f"{'swapped':>9}{'offset':>8}{'focal px':>10}{'person px':>11}  flag")
    for view in session['views']:
        print(f"  {view['view']:>6}{view['status']:>14}{show(view['error_px'], '>10.2f')}"
              f"{show(view['bad_fraction'], '>8.1%')}{show(view['used_fraction'], '>8.1%')}"
              f"{show(view['inlier_ratio'], '>9.1%')}{view['swapped_frames']:>9}"
              f"{view['sync_offset']:>8}{show(view['focal_px'], '>10.1f')}"
              f"{show(view['person_size_px'], '>11.1f')}  {'FLAGGED' if view['flagged'] else ''}")
    frames = session['frame_quality']
    if frames['worst']:
        worst = ', '.join(f"{f['frame']} ({f['error_px']:.1f} px)" for f in frames['worst'])
        print(f"  frame error px: median {show(frames['error_px_median'], '.2f')}, 95th "
              f"percentile {show(frames['error_px_p95'], '.2f')}; worst frames: {worst}")
    for change in session['rig_changes']:
        print(f"  frames {change['start']}-{change['stop'] - 1} fit the rig much worse "
              f"(median error {change['error_px']:.2f} px, {change['elsewhere_px']:.2f} px "
              "elsewhere): were the cameras moved? give each recording its own 'session' in "
              "the keypoints file")


def print_flags(summary: dict) -> None:
    if summary['flagged_views']:
        print(f"  flagged views {summary['flagged_views']}: their detections disagree with the "
              "other views in many frames; see the README (Pseudo-label quality) for what to do")


def main():
    args = parse_args()
    data = load_multiview_keypoints(args.input)
    intrinsics = data['intrinsics']
    distortion = data['distortion']
    if args.guess_intrinsics:
        if data['image_size'] is None:
            raise ValueError(f"{args.input}: --guess-intrinsics needs the key 'image_size' "
                             '(V, 2) as (width, height)')
        intrinsics = np.stack([pinhole_from_image_size(int(w), int(h))
                               for w, h in data['image_size']])
        distortion = None
    flip_pairs, flip_note = resolve_flip_pairs(data['joint_names'],
                                               data['keypoints_2d'].shape[2], args.input)
    print(flip_note)
    labels = make_pseudo_labels(
        data['keypoints_2d'], intrinsics, distortion, mode=args.mode,
        reference_view=args.reference_view, min_score=args.min_score,
        ransac_threshold=args.ransac_threshold, outlier_threshold=args.outlier_threshold,
        ransac_threshold_px=args.ransac_threshold_px,
        outlier_threshold_px=args.outlier_threshold_px, session=data.get('session'),
        min_triangulation_angle_deg=args.min_triangulation_angle, refine=not args.no_refine,
        seed=args.seed, robust=False if args.plain else None, flip_pairs=flip_pairs,
        refine_focal=args.refine_focal or args.guess_intrinsics, sync=args.sync,
        max_sync_offset=args.max_sync_offset,
        progress=lambda frames: tqdm(frames, desc='frames', unit='frame'))
    output = save_pseudo_labels(args.output, labels)    # '.npz' appended to a name without it
    summary = labels.summary()
    print_summary(summary, output)
    print_flags(summary)
    with atomic_output(output[:-4] + '_summary.json') as temporary, open(temporary, 'w') as file:
        json.dump(summary, file, indent=2)
    from epipolar_plugin.visualization.label_quality import save_label_quality
    pictures = save_label_quality(args.output, labels, data['camera_names'])
    print('  quality: ' + ', '.join(pictures))


if __name__ == '__main__':
    main()
