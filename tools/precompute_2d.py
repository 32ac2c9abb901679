"""2D keypoints of every view of a multi-view capture from an MMPose top-down model.

    # Human3.6M layout (boxes from the annotation's center/scale, intrinsics from cameras.pkl)
    python tools/precompute_2d.py POSE_CONFIG POSE_CHECKPOINT OUT.npz \
        --h36m data/h36m --ann-file annotation_body3d/fps10/h36m_train.npz
    # a folder per camera of synchronized images (ROOT/<camera>/<image>)
    python tools/precompute_2d.py POSE_CONFIG POSE_CHECKPOINT OUT.npz \
        --folder my_rig/images --intrinsics my_rig/intrinsics.npz [--boxes boxes.npz]
    # real footage: one person per camera from an MMDetection detector
    python tools/precompute_2d.py POSE_CONFIG POSE_CHECKPOINT OUT.npz --folder my_rig/images \
        --intrinsics my_rig/images/intrinsics.npz --det-config DET_CONFIG --det-checkpoint DET_CKPT

Writes the multi-view keypoints file (DESIGN.md section 4): ``keypoints_2d`` (V, F, 17, 3) in
Human3.6M's joint order (COCO-style models are converted with MMPose's
``convert_keypoint_definition``), ``intrinsics``, ``distortion``, ``image_size``,
``camera_names``, ``joint_names`` and ``image_names`` (V, F), ready for
``tools/make_pseudo_labels.py`` and the multi-view datasets. The checkpoint is a local path:
nothing is downloaded.
"""
import argparse
import os.path as osp

import numpy as np

from epipolar_plugin.apis.keypoints_2d import (detect_multiview_keypoints, folder_views,
                                               h36m_layout_views)
from epipolar_plugin.fileio import load_npz
from epipolar_plugin.geometry.camera import pinhole_from_image_size
from epipolar_plugin.synthetic.skeleton import JOINT_NAMES


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='MMPose top-down 2D model config')
    parser.add_argument('checkpoint', help='its checkpoint (a local file)')
    parser.add_argument('output', help='multi-view keypoints .npz to write')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--h36m', metavar='DATA_ROOT', help='a dataset in the Human3.6M layout')
    source.add_argument('--folder', metavar='ROOT', help='ROOT/<camera>/<image> folders')
    parser.add_argument('--ann-file', default='annotation_body3d/fps10/h36m_train.npz',
                        help='--h36m: annotation file relative to DATA_ROOT')
    parser.add_argument('--intrinsics', help='--folder: .npz with intrinsics (V, 3, 3) and '
                        'optional distortion, in the sorted order of the camera folders')
    parser.add_argument('--guess-intrinsics', action='store_true',
                        help='--folder without calibration: a pinhole guessed from the image '
                        'size (focal = max(width, height)); labels are only as good as the guess')
    parser.add_argument('--boxes', help='.npz with boxes (V, F, 4) xyxy pixels, NaN = whole '
                        'image (default: --h36m the annotation boxes, --folder whole images)')
    parser.add_argument('--whole-image', action='store_true',
                        help='--h36m: use whole images instead of the annotation boxes')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    add_detector_args(parser)
    return parser.parse_args()


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
    if args.intrinsics:
        calibration = load_npz(args.intrinsics, ('intrinsics', ))
        intrinsics = calibration['intrinsics']
        if intrinsics.shape != (num_views, 3, 3):
            raise ValueError(f'{args.intrinsics}: intrinsics must have shape ({num_views}, 3, 3) '
                             f"for cameras {list(views['camera_names'])}, got {intrinsics.shape}")
        distortion = calibration.get('distortion', np.zeros((num_views, 5)))
    elif args.guess_intrinsics:
        intrinsics = np.stack([pinhole_from_image_size(w, h) for w, h in sizes])
        distortion = np.zeros((num_views, 5))
    else:
        raise SystemExit('--folder needs --intrinsics FILE or, explicitly, --guess-intrinsics')
    return intrinsics, distortion, np.array(sizes)


def main():
    args = parse_args()
    from mmpose.apis import init_model
    if args.h36m:
        views = h36m_layout_views(args.h36m, args.ann_file)
        image_paths = np.vectorize(lambda n: osp.join(args.h36m, 'images', n))(
            views['image_names'])
        boxes = None if args.whole_image else views['boxes']
        intrinsics, distortion = views['intrinsics'], views['distortion']
        sizes = views['image_size'] if views['image_size'].all() else None
    else:
        views = folder_views(args.folder)
        image_paths = np.vectorize(lambda n: osp.join(args.folder, n))(views['image_names'])
        boxes = None
        intrinsics, distortion, sizes = folder_cameras(args, views, image_paths)
    if args.boxes:
        boxes = load_npz(args.boxes, ('boxes', ))['boxes']
    if args.det_config:
        boxes = detector_boxes(args, image_paths)
    model = init_model(args.config, args.checkpoint, device=args.device)
    keypoints, readable = detect_multiview_keypoints(model, image_paths, boxes, args.batch_size)
    if args.det_config:
        keypoints = drop_views_without_person(keypoints, boxes)
    out = dict(keypoints_2d=keypoints, intrinsics=intrinsics, distortion=distortion,
               camera_names=views['camera_names'], joint_names=np.array(JOINT_NAMES),
               image_names=views['image_names'])
    if sizes is not None:
        out['image_size'] = sizes
    np.savez_compressed(args.output, **out)
    found = keypoints[readable][..., 2] > 0
    print(f'wrote {args.output}: {keypoints.shape[0]} views x {keypoints.shape[1]} frames x 17 '
          f'joints; images read: {readable.sum()}/{readable.size}; joints detected in them: '
          f'{found.mean() if found.size else 0:.1%}, mean score {keypoints[..., 2].mean():.2f}')


if __name__ == '__main__':
    main()
