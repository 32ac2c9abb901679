"""The multi-view 2D keypoints file of a capture, from an MMPose top-down model or an annotation.

    # Human3.6M layout (boxes from the annotation's center/scale, intrinsics from cameras.pkl)
    python tools/precompute_2d.py POSE_CONFIG POSE_CHECKPOINT OUT.npz \
        --h36m data/h36m --ann-file annotation_body3d/fps10/h36m_train.npz
    # the annotation's own 2D, no model (the paper's ground-truth-2D setting)
    python tools/precompute_2d.py --from-annotation --h36m data/h36m \
        --ann-file annotation_body3d/fps10/h36m_train.npz OUT.npz
    # MPI-INF-3DHP layout (preprocess_mpi_inf_3dhp.py; annotations/cameras_train.pkl)
    python tools/precompute_2d.py POSE_CONFIG POSE_CHECKPOINT OUT.npz \
        --mpi-inf-3dhp data/mpi_inf_3dhp [--from-annotation instead of the model]
    # a folder per camera of synchronized images (ROOT/<camera>/<image>), or a folder per
    # recording session of such folders (ROOT/<session>/<camera>/<image>, --session-per-folder)
    python tools/precompute_2d.py POSE_CONFIG POSE_CHECKPOINT OUT.npz \
        --folder my_rig/images --intrinsics my_rig/intrinsics.npz [--boxes boxes.npz]
    # real footage: one person per camera from an MMDetection detector
    python tools/precompute_2d.py POSE_CONFIG POSE_CHECKPOINT OUT.npz --folder my_rig/images \
        --intrinsics my_rig/images/intrinsics.npz --det-config DET_CONFIG --det-checkpoint DET_CKPT

Writes the multi-view keypoints file (``epipolar_plugin.fileio.load_multiview_keypoints``):
``keypoints_2d`` (V, F, 17, 3) in Human3.6M's joint order (COCO-style models are converted
with MMPose's ``convert_keypoint_definition``), ``intrinsics``, ``distortion``, ``image_size``,
``camera_names``, ``joint_names``, ``image_names`` (V, F) ('' where a sequence lacks the camera:
its entries NaN with score 0), ``session`` (F,) (Human3.6M: the subject number; MPI-INF-3DHP:
100 x subject + sequence, test sequence TSn: n; ``--session-per-folder``: the session folder's
index in sorted order) and, in annotation layouts, ``take`` (F,) (the frame's sequence) and
``fps`` when the annotation's folder names the frame rate (MMPose's ``annotation_body3d/fps10``)
or the ``--intrinsics`` file holds it (``prepare_videos.py`` writes the frames' rate), ready for ``tools/make_pseudo_labels.py`` and the multi-view datasets. The checkpoint is a local
path: nothing is downloaded.
"""
import argparse
import os.path as osp
import re

import numpy as np

from epipolar_plugin.apis.keypoints_2d import (annotation_keypoints, annotation_views,
                                               detect_multiview_keypoints, folder_views)
from epipolar_plugin.fileio import load_boxes, load_calibration, save_npz
from epipolar_plugin.geometry.camera import pinhole_from_image_size
from epipolar_plugin.synthetic.skeleton import JOINT_NAMES

USAGE = ('precompute_2d.py (CONFIG CHECKPOINT | --from-annotation) OUTPUT '
         '(--h36m ROOT | --mpi-inf-3dhp ROOT | --folder ROOT) [options]')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], usage=USAGE)
    parser.add_argument('paths', nargs='+', metavar='PATH',
                        help='CONFIG CHECKPOINT OUTPUT: an MMPose top-down 2D model config, its '
                        'checkpoint (a local file) and the keypoints .npz to write; with '
                        '--from-annotation OUTPUT alone')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--h36m', metavar='DATA_ROOT',
                        help="a dataset in the Human3.6M layout of MMPose's preprocess_h36m.py")
    source.add_argument('--mpi-inf-3dhp', metavar='DATA_ROOT',
                        help="MPI-INF-3DHP in the layout of MMPose's preprocess_mpi_inf_3dhp.py")
    source.add_argument('--folder', metavar='ROOT', help='ROOT/<camera>/<image> folders')
    parser.add_argument('--from-annotation', action='store_true',
                        help="--h36m / --mpi-inf-3dhp: no model; the annotation's 2D ('part', "
                        'the exact projections) with score 1')
    parser.add_argument('--ann-file', help='--h36m / --mpi-inf-3dhp: annotation file relative '
                        'to DATA_ROOT (default: annotation_body3d/fps10/h36m_train.npz, '
                        'annotations/mpi_inf_3dhp_train.npz)')
    parser.add_argument('--camera-param-file', help='--h36m / --mpi-inf-3dhp: camera file '
                        'relative to DATA_ROOT (default: annotation_body3d/cameras.pkl, '
                        'annotations/cameras_train.pkl)')
    parser.add_argument('--session-per-folder', action='store_true',
                        help='--folder: ROOT/<session>/<camera>/<image>, each top-level folder '
                        'one recording session (cameras may move between sessions); session = '
                        "the folder's index in sorted order")
    parser.add_argument('--intrinsics', help='--folder: .npz with intrinsics (V, 3, 3) and '
                        'optional distortion, in the sorted order of the camera folders')
    parser.add_argument('--guess-intrinsics', action='store_true',
                        help='--folder without calibration: a pinhole guessed from the image '
                        'size (focal = max(width, height)); labels are only as good as the guess')
    parser.add_argument('--boxes', help='.npz with boxes (V, F, 4) xyxy pixels, NaN = whole '
                        'image (default: annotation layouts the annotation boxes, --folder '
                        'whole images)')
    parser.add_argument('--whole-image', action='store_true',
                        help='annotation layouts: use whole images instead of the annotation '
                        'boxes')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    add_detector_args(parser)
    args = parser.parse_args(argv)
    check_args(parser, args)
    return args


def add_detector_args(parser) -> None:
    """--det-config and friends: person boxes from an MMDetection model (real footage)."""
    group = parser.add_argument_group('person detector (MMDetection, as MMPose\'s top-down demo)')
    group.add_argument('--det-config', help='MMDetection config; each camera keeps one person, '
                       "the detection most consistent with the previous frame's box")
    group.add_argument('--det-checkpoint', help='its checkpoint (a local file)')
    group.add_argument('--det-cat-id', type=int, default=0, help='person class (COCO: 0)')
    group.add_argument('--bbox-thr', type=float, default=0.3, help='detection score threshold')
    group.add_argument('--nms-thr', type=float, default=0.3, help='IoU threshold of the NMS')


def detector_boxes(args, image_paths: np.ndarray) -> np.ndarray:
    """(V, F, 4) person boxes of the detector in ``args``; NaN where nobody was found."""
    from epipolar_plugin.apis.person_boxes import detect_person_boxes, init_person_detector
    if args.boxes or not args.det_checkpoint:
        raise SystemExit('--det-config needs --det-checkpoint, and excludes --boxes')
    detector = init_person_detector(args.det_config, args.det_checkpoint, device=args.device)
    return detect_person_boxes(detector, image_paths, args.det_cat_id, args.bbox_thr,
                               args.nms_thr)


def drop_views_without_person(keypoints: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """(V, F, 17, 3) keypoints with NaN, score 0 where the detector found nobody (NaN box)."""
    nobody = ~np.isfinite(boxes).all(-1)
    keypoints[nobody, :, :2] = np.nan
    keypoints[nobody, :, 2] = 0.0
    return keypoints


def check_args(parser, args) -> None:
    """Split ``paths`` into ``config``, ``checkpoint``, ``output``; reject options of another
    source (``parser.error``: usage and message, exit status 2)."""
    args.layout = 'h36m' if args.h36m else 'mpi_inf_3dhp' if args.mpi_inf_3dhp else None
    args.data_root = args.h36m or args.mpi_inf_3dhp
    if args.from_annotation:
        if args.layout is None:
            parser.error('--from-annotation needs an annotation: --h36m or --mpi-inf-3dhp')
        if len(args.paths) != 1:
            parser.error(f'--from-annotation takes OUTPUT alone (no model), got {args.paths}')
        if args.det_config:
            parser.error('--from-annotation reads no image: --det-config does not apply')
        args.config = args.checkpoint = None
        args.output = args.paths[0]
    else:
        if len(args.paths) != 3:
            parser.error(f'expected CONFIG CHECKPOINT OUTPUT (or --from-annotation OUTPUT), got '
                         f'{args.paths}')
        args.config, args.checkpoint, args.output = args.paths
    if args.layout is not None and (args.session_per_folder or args.intrinsics
                                    or args.guess_intrinsics):
        parser.error('--session-per-folder, --intrinsics and --guess-intrinsics are --folder '
                     'options (an annotation layout has its sessions and cameras)')
    if args.layout is None and (args.ann_file or args.camera_param_file or args.whole_image):
        parser.error('--ann-file, --camera-param-file and --whole-image are options of --h36m '
                     'and --mpi-inf-3dhp')


def folder_cameras(args, views: dict, image_paths: np.ndarray):
    """Intrinsics (V, 3, 3), distortion (V, 5) and image sizes (V, 2) of a folder rig."""
    import cv2
    sizes = []
    for path in image_paths[:, 0]:
        image = cv2.imread(str(path))
        if image is None:
            raise ValueError(f'cannot read {path}: the first image of each camera must be valid')
        sizes.append((image.shape[1], image.shape[0]))
    num_views = len(views['camera_names'])
    if args.intrinsics:   # in the sorted order of the camera folders
        intrinsics, distortion = load_calibration(args.intrinsics, num_views)
    elif args.guess_intrinsics:
        intrinsics = np.stack([pinhole_from_image_size(w, h) for w, h in sizes])
        distortion = np.zeros((num_views, 5))
    else:
        raise SystemExit('--folder needs --intrinsics FILE or, explicitly, --guess-intrinsics')
    return intrinsics, distortion, np.array(sizes)


def annotation_fps(ann_path: str):
    """The frame rate that the annotation's folder names (``.../fps10/h36m_train.npz``: 10.0,
    the folders of MMPose's ``preprocess_h36m.py``), or None."""
    match = re.fullmatch(r'fps(\d+(?:\.\d+)?)', osp.basename(osp.dirname(osp.abspath(ann_path))))
    return float(match.group(1)) if match and float(match.group(1)) > 0 else None


def calibration_fps(path: str):
    """The frame rate an intrinsics file records (``fps``, written by ``prepare_videos.py``), or
    None; the error names the file and the key."""
    from epipolar_plugin.fileio import load_npz
    value = load_npz(path, (), 'intrinsics file').get('fps')
    if value is None:
        return None
    if value.shape != () or value.dtype.kind not in 'iuf' or not (np.isfinite(value)
                                                                   and value > 0):
        raise ValueError(f"{path}: key 'fps' must be one positive number (frames per second), "
                         f'got {value!r}')
    return float(value)


def capture_views(args) -> dict:
    """The frames of the capture: ``annotation_views`` or ``folder_views`` plus ``image_paths``
    (V, F), ``boxes`` (V, F, 4) or None, ``intrinsics``, ``distortion`` and ``image_size`` (V, 2)
    or None (unknown)."""
    if args.layout is not None:
        views = annotation_views(args.data_root, args.ann_file, args.layout,
                                 args.camera_param_file)
        image_root = osp.join(args.data_root, 'images')
        if args.whole_image:
            views['boxes'] = None
        if not views['image_size'].all():
            views['image_size'] = None
        views['fps'] = annotation_fps(views['ann_path'])
    else:
        views = folder_views(args.folder, args.session_per_folder)
        image_root = args.folder
        views['boxes'] = None
    views['image_paths'] = np.vectorize(lambda n: osp.join(image_root, n) if n else '',
                                        otypes=[object])(views['image_names'])
    if args.layout is None:
        views['intrinsics'], views['distortion'], views['image_size'] = folder_cameras(
            args, views, views['image_paths'])
        views['fps'] = calibration_fps(args.intrinsics) if args.intrinsics else None
    if args.boxes:
        views['boxes'] = load_boxes(args.boxes, *views['image_names'].shape)
    if args.det_config:
        views['boxes'] = detector_boxes(args, views['image_paths'])
    return views


def model_keypoints(args, views: dict):
    """(V, F, 17, 3) keypoints of the 2D model and (V, F) readable images."""
    from mmpose.apis import init_model
    model = init_model(args.config, args.checkpoint, device=args.device)
    keypoints, readable = detect_multiview_keypoints(model, views['image_paths'],
                                                     views['boxes'], args.batch_size)
    if args.det_config:
        keypoints = drop_views_without_person(keypoints, views['boxes'])
    return keypoints, readable


def keypoints_file(keypoints: np.ndarray, views: dict) -> dict:
    """The arrays of the multi-view keypoints file (optional ones only when known)."""
    out = dict(keypoints_2d=keypoints, intrinsics=views['intrinsics'],
               distortion=views['distortion'], camera_names=views['camera_names'],
               joint_names=np.array(JOINT_NAMES), image_names=views['image_names'])
    for key in ('image_size', 'session', 'take'):
        if views.get(key) is not None:
            out[key] = views[key]
    if views.get('fps') is not None:
        out['fps'] = np.float64(views['fps'])
    return out


def summary(keypoints: np.ndarray, readable, views: dict) -> str:
    """One line: shape, images read (model only), joints found, mean score, sessions."""
    parts = [f'{keypoints.shape[0]} views x {keypoints.shape[1]} frames x 17 joints']
    if readable is not None:
        parts.append(f'images read: {readable.sum()}/{readable.size}')
    found = keypoints[..., 2] > 0 if readable is None else keypoints[readable][..., 2] > 0
    parts.append(f'joints found: {found.mean() if found.size else 0:.1%}, mean score '
                 f'{keypoints[..., 2].mean():.2f}')
    if views.get('missing_views'):
        parts.append('frames kept without a camera their sequence lacks (NaN, score 0): '
                     + ', '.join(f'{c}: {n}' for c, n in views['missing_views'].items()))
    if views['session'] is not None:
        numbers = np.unique(views['session'])
        names = views.get('session_names')
        parts.append(f'sessions: {len(numbers)} ' + (
            str(numbers.tolist()) if names is None
            else '(' + ', '.join(f'{i} = {name}' for i, name in enumerate(names)) + ')'))
    return '; '.join(parts)


def main():
    args = parse_args()
    views = capture_views(args)
    if args.from_annotation:
        keypoints, readable = annotation_keypoints(views, args.layout), None
        source = f"the annotation's 2D ({views['ann_path']}, score 1)"
    else:
        keypoints, readable = model_keypoints(args, views)
        source = args.config
    output = save_npz(args.output, keypoints_file(keypoints, views))
    print(f'wrote {output} from {source}: {summary(keypoints, readable, views)}')


if __name__ == '__main__':
    main()
