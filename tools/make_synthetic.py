"""Generate the embedded synthetic multi-view dataset in MMPose's Human3.6M layout.

    python tools/make_synthetic.py OUT_DIR [--frames 400] [--cameras 4] [--size 160] [--seed 0]

A procedurally animated 17-joint mannequin (Human3.6M joint order and bone lengths, varied body
proportions; walking, reaching, bending, sitting, turning) filmed by a static studio rig of
``--cameras`` cameras, rendered as shaded capsules over a textured room, with ground-truth 3D
and cameras (for evaluation only) and "detected" 2D keypoints with a documented error model.
Subjects S1, S5, S6, S7, S8 form the training split, S9 and S11 the test split, each with
``--frames`` frames. Nothing is downloaded; the output is a deterministic function of the
arguments. See ``epipolar_plugin/synthetic/h36m_layout.py`` for the exact files.
"""
import argparse
import json
import time

from epipolar_plugin.synthetic import DetectionNoise, make_synthetic_dataset
from epipolar_plugin.synthetic.h36m_layout import MISSING_CAMERAS


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out_dir', help='dataset root to write (e.g. data/synthetic)')
    parser.add_argument('--frames', type=int, default=400, help='frames per subject')
    parser.add_argument('--cameras', type=int, default=4, help='cameras of the rig (>= 2)')
    parser.add_argument('--size', type=int, default=160, help='image side in pixels')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--fps', type=int, default=10,
                        help='annotation frame rate (folder annotation_body3d/fps{fps})')
    parser.add_argument('--pixel-sigma', type=float, default=DetectionNoise.pixel_sigma,
                        help='detector noise in pixels of a 1000-pixel image')
    parser.add_argument('--session-change', type=float, nargs=2, default=(3.0, 0.3),
                        metavar=('DEGREES', 'METRES'),
                        help='every subject is a recording session with the cameras moved by '
                        'about this much (as Human3.6M); 0 0: one rig for every subject')
    parser.add_argument('--complete-sequences', action='store_true',
                        help='every sequence filmed by every camera (default: as in Human3.6M, '
                        "where S11's Directions lacks camera 54138969, S11's Walking_1 lacks the "
                        'first camera)')
    args = parser.parse_args()
    start = time.perf_counter()
    summary = make_synthetic_dataset(
        args.out_dir, frames=args.frames, num_cameras=args.cameras, size=args.size,
        seed=args.seed, fps=args.fps, noise=DetectionNoise(pixel_sigma=args.pixel_sigma),
        session_change=tuple(args.session_change),
        missing_cameras=() if args.complete_sequences else MISSING_CAMERAS)
    print(json.dumps(summary['splits']))
    print(f'wrote {args.out_dir} in {time.perf_counter() - start:.1f} s '
          f'(contact sheet: {args.out_dir}/contact_sheet.png)')


if __name__ == '__main__':
    main()
