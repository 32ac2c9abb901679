"""Pseudo-3D labels from a multi-view 2D keypoints file, without extrinsics.

    python tools/make_pseudo_labels.py IN.npz OUT.npz [--mode robust|pooled|per_frame]
        [--reference-view 0] [--min-score 0.3] [--sync estimate|apply] [--guess-intrinsics]
        [--refine-focal] ... (``--help`` lists every option of ``LabelOptions``)

IN.npz: ``keypoints_2d`` (V, F, J, 3) pixels + score, ``intrinsics`` (V, 3, 3) and optional
``distortion`` (V, 4|5|8), ``image_size`` (V, 2), ``joint_names`` (J,), ``session`` (F,) and
``take`` (F,) (frame offsets never pair frames of two takes) and ``fps`` (with it or ``--fps``,
the labels of pooled modes are smoothed over time inside each take; without, they are not). OUT.npz:
``keypoints_3d`` (F, J, 3) in the reference camera (unit: the distance from the reference camera
to the scale view's camera), ``valid`` (F, J), ``rotations``, ``translations``, the status
arrays with their names and the quality scores (docs/pseudo_labels.md, "Pseudo-label
quality"). Prints a one-screen summary with a per-view quality table; OUT_summary.json has the
same.
"""
import argparse
import json

import numpy as np
from tqdm import tqdm

from epipolar_plugin.fileio import atomic_output, load_multiview_keypoints, save_pseudo_labels
from epipolar_plugin.geometry import pinhole_from_image_size
from epipolar_plugin.labels import (LABEL_MODES, add_label_arguments, make_pseudo_labels,
                                    options_from_args)
from epipolar_plugin.labels.pseudo_labels import MIN_PARALLEL_FRAMES
from epipolar_plugin.labels.swaps import resolve_flip_pairs


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('input', help='multi-view 2D keypoints .npz')
    parser.add_argument('output', help='pseudo labels .npz to write')
    parser.add_argument('--guess-intrinsics', action='store_true',
                        help="replace the file's intrinsics with a pinhole guessed from "
                        "'image_size' (focal = max(width, height)); implies --refine-focal in a "
                        'self-calibrating mode')
    parser.add_argument('--workers', type=int, default=None,
                        help='processes labelling independent recording sessions at once '
                        '(default: one per session up to the number of cores, for files of at '
                        f'least {MIN_PARALLEL_FRAMES} frames); the labels do not depend on it')
    add_label_arguments(parser)       # one flag per LabelOptions field
    return parser.parse_args()


def show(value, spec: str) -> str:
    """``value`` formatted with ``spec``, '-' for None."""
    return format(value, spec) if value is not None else '-'


def print_summary(summary: dict, output: str) -> None:
    print(f"\npseudo labels ({summary['mode']}): "
          f"{summary['frames']} frames x {summary['joints']} joints -> {output}")
    print(f"  valid frames: {summary['valid_frame_fraction']:.1%}   "
          f"valid joints: {summary['valid_joint_fraction']:.1%}")
    for key in ('frame_status', 'view_status', 'joint_status'):
        counts = ', '.join(f'{name}: {count}' for name, count in summary[key].items())
        print(f'  {key.replace("_", " ")}: {counts}')
    if 'temporal' in summary:
        print(f"  {summary['temporal']['note']}")
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
    refined = [view for view in session['views']
               if view.get('focal_determined') or view.get('focal_sigma_px') is not None]
    if refined:
        print('  focal lengths: ' + ', '.join(
            f"view {view['view']} {view['focal_px']:.0f} px "
            + (f"+- {view['focal_sigma_px']:.0f} (refined)" if view['focal_determined'] else
               'kept at its prior: the detections do not determine it'
               + (f" (+- {view['focal_sigma_px']:.0f})" if view['focal_sigma_px'] is not None
                  else ''))
            for view in session['views']))
    for view in session['views']:
        if 'sync_error_px' in view:
            curve = ' '.join(show(error, '.1f') for error in view['sync_error_px'].values())
            offsets = list(view['sync_error_px'])
            print(f"  sync view {view['view']}: epipolar px at offsets {offsets[0]}..{offsets[-1]}: "
                  f"{curve}; lowest {view['sync_lowest']:+d} (evidence "
                  f"{show(view['sync_evidence'], '.1f')}), kept {view['sync_offset']:+d}")
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
              "other views in many frames; see docs/pseudo_labels.md, 'What to do when a camera "
              "is flagged'")


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
    options = options_from_args(args, flip_pairs=flip_pairs)
    if args.guess_intrinsics and LABEL_MODES[options.mode].self_calibrating:
        options.robust.refine_focal = True
    labels = make_pseudo_labels(data['keypoints_2d'], intrinsics, distortion,
                                session=data.get('session'), take=data.get('take'),
                                fps=data.get('fps'),
                                options=options,
                                workers=args.workers, progress=lambda items: tqdm(
                                    items, desc='sessions' if LABEL_MODES[options.mode].pooled
                                    else 'frames'))
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
