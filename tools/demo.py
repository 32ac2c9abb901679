"""3D pose of the person in an image, a video or a folder of frames: the image with the pose
drawn over it and the 3D skeleton side by side, and the joints as JSON.

    python tools/demo.py IMAGE CONFIG CHECKPOINT [--box X1 Y1 X2 Y2] [--out demo.png]
    python tools/demo.py VIDEO_OR_FOLDER CONFIG CHECKPOINT [--out demo.mp4]
        [--det-config DET_CONFIG --det-checkpoint DET_CKPT | --boxes BOXES.npz | --box ...
         | --whole-image] [--intrinsics ROOT/intrinsics.npz --camera NAME] [--fps 10]

The person box is, per frame, the detection of an MMDetection model (one person, the one most
consistent with the previous frame's box; a frame without a person is written without a pose),
``--boxes`` (an ``.npz`` with ``boxes`` (F, 4) xyxy pixels, one row per frame, NaN = the whole
frame), ``--box`` (pixels, every frame) or the whole frame. The whole frame is the box only
when the person fills most of it: without a box the tool says so (a warning), and it refuses a
frame more than :data:`MAX_WHOLE_FRAME_RATIO` times the model's input in width or height unless
``--whole-image`` asks for the whole frame. A video or folder gives ``OUT.mp4``
(``mp4v``) and ``OUT.json`` with every frame's joints; an image ``OUT.png`` and ``OUT.json``.
The skeleton is drawn in the colours of the model's pose metainfo, as MMPose's visualizers do
(Human3.6M: left limbs green, right limbs orange, the spine blue), in both pictures.
The model predicts root-relative 3D joints in the camera frame (metres, x right, y down,
z forward); the overlay is their orthographic projection placed in the person box (the network
does not predict the distance to the camera, so this is a drawing aid, not a reprojection).
Without ``--intrinsics``, ``PixelDepthVolumeLabel`` decodes with parallel rays (weak
perspective), which is close for a person far from the camera compared with their size.
"""
import argparse
import json
import os
import os.path as osp

import numpy as np

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')
#: without a person box, frames wider or taller than this many times the model's input are
#: refused (unless --whole-image): the person would be a few pixels of the network's input
MAX_WHOLE_FRAME_RATIO = 2.0
BOX_OPTIONS = ('--box X1 Y1 X2 Y2 (pixels, every frame), --boxes BOXES.npz (one box per frame) '
               'or a person detector (--det-config DET_CONFIG --det-checkpoint DET_CKPT)')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('input', help='an image, a video or a folder of frames (sorted names)')
    parser.add_argument('config', help='a 3D config of this plugin, e.g. configs/epipolar_h36m.py')
    parser.add_argument('checkpoint', help='a local checkpoint of that config')
    boxes = parser.add_mutually_exclusive_group()
    boxes.add_argument('--box', type=float, nargs=4, metavar=('X1', 'Y1', 'X2', 'Y2'),
                       help='person box in pixels, every frame (default: the whole frame)')
    boxes.add_argument('--boxes', metavar='BOXES.npz', help="key 'boxes' (F, 4) xyxy pixels")
    boxes.add_argument('--det-config', help='MMDetection config of a person detector')
    boxes.add_argument('--whole-image', action='store_true',
                       help='use the whole frame as the person box, also for a frame more than '
                       f'{MAX_WHOLE_FRAME_RATIO:g}x the model\'s input (the default without a '
                       'box, which refuses such frames)')
    parser.add_argument('--det-checkpoint', help='its checkpoint (a local file)')
    parser.add_argument('--det-cat-id', type=int, default=0, help='person class (COCO: 0)')
    parser.add_argument('--bbox-thr', type=float, default=0.3, help='detection score threshold')
    parser.add_argument('--nms-thr', type=float, default=0.3, help='IoU threshold of the NMS')
    parser.add_argument('--intrinsics', metavar='CALIB.npz',
                        help="the camera: key 'intrinsics' (3, 3) or (V, 3, 3) with "
                        "'camera_names' (tools/prepare_videos.py writes ROOT/intrinsics.npz)")
    parser.add_argument('--camera', help='--intrinsics: the camera name (e.g. the video stem)')
    parser.add_argument('--fps', type=float, default=10.0, help='frame rate of a folder\'s video')
    parser.add_argument('--out', help='picture or video to write (default demo.png / demo.mp4); '
                        'the joints go to OUT.json')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    if args.det_config and not args.det_checkpoint:
        parser.error('--det-config needs --det-checkpoint')
    if args.box and not (args.box[2] > args.box[0] and args.box[3] > args.box[1]):
        parser.error(f'--box must be X1 Y1 X2 Y2 with X2 > X1 and Y2 > Y1, got {args.box}')
    return args


def open_frames(path: str, folder_fps: float):
    """(kind, frame count, fps, iterator of (frame name, BGR image or None)) of an input.

    A folder's frames are its images in sorted order; a video's are named by their index.
    """
    import cv2
    import mmcv
    if osp.isdir(path):
        names = sorted(f for f in os.listdir(path) if f.lower().endswith(IMAGE_EXTENSIONS))
        if not names:
            raise SystemExit(f'no images ({", ".join(IMAGE_EXTENSIONS)}) in folder {path}')
        return 'folder', len(names), folder_fps, (
            (name, cv2.imread(osp.join(path, name))) for name in names)
    if not osp.isfile(path):
        raise SystemExit(f'cannot read image: {path} (no such file)')
    if path.lower().endswith(IMAGE_EXTENSIONS):
        image = cv2.imread(path)
        if image is None:
            raise SystemExit(f'cannot read image: {path}')
        return 'image', 1, None, iter([(osp.basename(path), image)])
    reader = mmcv.VideoReader(path)
    if not reader.opened or reader.frame_cnt <= 0:
        raise SystemExit(f'cannot read video: {path} (OpenCV cannot open it or finds no frames)')
    return 'video', reader.frame_cnt, reader.fps, video_frames(reader)


def video_frames(reader):
    """(name = zero-padded index, BGR image) of a ``VideoReader``'s frames, in order."""
    index, image = 0, reader.read()
    while image is not None:
        yield f'{index:06d}', image
        index, image = index + 1, reader.read()


def load_camera(path: str, camera=None) -> tuple:
    """(3, 3) intrinsics and (D,) distortion of one camera of a calibration ``.npz``."""
    from epipolar_plugin.fileio import load_npz
    data = load_npz(path, ('intrinsics', ), 'intrinsics file')
    matrix = np.asarray(data['intrinsics'], np.float64)
    distortion = np.asarray(data.get('distortion', np.zeros(matrix.shape[:-2] + (5, ))),
                            np.float64)
    if matrix.shape == (3, 3):
        return matrix, distortion
    names = [str(n) for n in data.get('camera_names', [])]
    if matrix.ndim != 3 or matrix.shape[1:] != (3, 3) or camera not in names:
        raise SystemExit(f"{path}: key 'intrinsics' has shape {matrix.shape}; pick one of its "
                         f"cameras {names} with --camera (got {camera!r})")
    return matrix[names.index(camera)], distortion[names.index(camera)]


def input_size_of(cfg) -> tuple:
    """The model's input size: ``TopdownAffine``'s in the test pipeline, or the training one's
    for a config without a test set (``configs/epipolar_folder.py``)."""
    for loader in ('test_dataloader', 'train_dataloader'):
        if cfg.get(loader):
            for step in cfg[loader].dataset.pipeline:
                if step['type'] == 'TopdownAffine':
                    return tuple(step['input_size'])
    raise ValueError('the config has no TopdownAffine in its test or training pipeline: '
                     'cannot tell the input size')


def predict_3d(model, image: np.ndarray, box: np.ndarray, camera=None) -> np.ndarray:
    """(J, 3) root-relative camera-frame joints (metres) of the person in ``box`` (xyxy px);
    ``camera``: optional (intrinsics (3, 3), distortion) for a perspective decoding."""
    import torch
    from mmengine.dataset import Compose, pseudo_collate
    meta_keys = ('id', 'img_id', 'img_path', 'input_size', 'input_center', 'input_scale')
    info = dict(img=image, bbox=box[None].astype(np.float32), bbox_score=np.ones(1, np.float32),
                **model.dataset_meta)
    if camera is not None:
        meta_keys += ('intrinsics', 'distortion')
        info.update(intrinsics=camera[0], distortion=camera[1])
    pipeline = Compose([dict(type='LoadImage'), dict(type='GetBBoxCenterScale', padding=1.25),
                        dict(type='TopdownAffine', input_size=input_size_of(model.cfg)),
                        dict(type='PackPoseInputs', meta_keys=meta_keys)])
    with torch.no_grad():
        result = model.test_step(pseudo_collate([pipeline(info)]))[0]
    return np.asarray(result.pred_instances.keypoints[0], dtype=np.float64)


def overlay_2d(pose: np.ndarray, box: np.ndarray) -> np.ndarray:
    """(J, 2) pixels: the orthographic projection of ``pose`` fitted into ``box``."""
    xy = pose[:, :2] - pose[:, :2].mean(0)
    extent = max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1e-6)
    side = min(box[2] - box[0], box[3] - box[1]) * 0.9
    return xy / extent * side + (box[:2] + box[2:]) / 2


def draw_overlay(image: np.ndarray, pose, box, style: dict) -> np.ndarray:
    """A copy of the BGR image with the box (yellow) and the pose's overlay in the colours of
    ``style`` (``skeleton_style``: RGB, drawn as BGR); ``pose`` None: the image alone."""
    import cv2
    canvas = image.copy()
    if pose is None:
        return canvas
    width = max(1, round(max(image.shape[:2]) / 200))
    cv2.rectangle(canvas, tuple(int(c) for c in box[:2]), tuple(int(c) for c in box[2:]),
                  (0, 220, 220), width)
    points = np.round(overlay_2d(pose, box)).astype(int)
    for (a, b), colour in zip(style['links'], style['link_colours']):
        cv2.line(canvas, tuple(points[a]), tuple(points[b]), colour[::-1].tolist(), width + 1,
                 cv2.LINE_AA)
    for point, colour in zip(points, style['joint_colours']):
        cv2.circle(canvas, tuple(point), width + 1, colour[::-1].tolist(), -1, cv2.LINE_AA)
    return canvas


class SkeletonPanel:
    """The 3D skeleton as a BGR picture in the colours of ``style`` (``skeleton_style``), one
    matplotlib figure reused for every frame."""

    def __init__(self, style: dict, size_px: int = 480):
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        self.style = style
        self.figure = plt.figure(figsize=(size_px / 100, size_px / 100), dpi=100)
        self.ax = self.figure.add_subplot(projection='3d')

    def render(self, pose) -> np.ndarray:
        """(H, W, 3) uint8 BGR of ``pose`` (J, 3) camera frame, metres; None: empty axes."""
        from epipolar_plugin.visualization.skeleton_plot import (draw_styled_skeleton,
                                                                 set_equal_box)
        self.ax.cla()
        if pose is not None:
            draw_styled_skeleton(self.ax, pose, self.style)
            set_equal_box(self.ax, [pose])
        self.ax.view_init(elev=12, azim=-70)
        self.ax.set_title('3D pose (camera frame, metres)' if pose is not None
                          else 'no person found', fontsize=9)
        self.ax.set_xlabel('x')
        self.ax.set_ylabel('z (depth)')
        self.ax.set_zlabel('-y')
        self.ax.locator_params(nbins=4)
        self.ax.tick_params(labelsize=7)
        self.figure.canvas.draw()
        rgba = np.asarray(self.figure.canvas.buffer_rgba())
        return np.ascontiguousarray(rgba[..., 2::-1])

    def close(self):
        import matplotlib.pyplot as plt
        plt.close(self.figure)


def side_by_side(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The two BGR pictures next to each other at ``right``'s height (``left`` scaled, keeping
    its aspect ratio); the size made even (video codecs want even sizes)."""
    import cv2
    height = right.shape[0]
    width = max(1, round(left.shape[1] * height / left.shape[0]))
    left = cv2.resize(left, (width, height), interpolation=cv2.INTER_AREA
                      if left.shape[0] > height else cv2.INTER_LINEAR)
    frame = np.concatenate([left, right], axis=1)
    return frame[:height - height % 2, :frame.shape[1] - frame.shape[1] % 2]


def panel_size(image_height: int) -> int:
    """Height in pixels of the demo's pictures: the input's, within [480, 720]."""
    return int(min(max(image_height, 480), 720))


class BoxSource:
    """The person box of each frame: a detector with a one-person track, a file, one box, or the
    whole frame. ``box(index, image)`` -> (4,) xyxy pixels, or None when nobody was found.

    The whole frame without ``--whole-image``: a warning (once), and a frame more than
    :data:`MAX_WHOLE_FRAME_RATIO` times ``input_size`` (width, height of the model's input,
    pixels) is refused (``SystemExit``). ``--whole-image``: the warning alone."""

    def __init__(self, args, num_frames: int, input_size: tuple):
        self.fixed = None if args.box is None else np.asarray(args.box, np.float64)
        self.table = self.detector = None
        self.input, self.input_size = args.input, input_size
        self.whole_image, self.warned = args.whole_image, False
        if args.boxes:
            from epipolar_plugin.fileio import load_npz
            self.table = load_npz(args.boxes, ('boxes', ), 'boxes file')['boxes']
            if self.table.shape != (num_frames, 4):
                raise SystemExit(f"{args.boxes}: key 'boxes' must have shape ({num_frames}, 4) "
                                 f'(one xyxy row per frame), got {self.table.shape}')
        if args.det_config:
            from epipolar_plugin.apis.person_boxes import PersonTrack, init_person_detector
            self.detector = init_person_detector(args.det_config, args.det_checkpoint,
                                                 device=args.device)
            self.track = PersonTrack()
            self.thresholds = (args.det_cat_id, args.bbox_thr, args.nms_thr)

    def box(self, index: int, image: np.ndarray):
        whole = np.array([0, 0, image.shape[1], image.shape[0]], np.float64)
        if self.detector is not None:
            from epipolar_plugin.apis.person_boxes import person_candidates
            box = self.track.update(person_candidates(self.detector, image, *self.thresholds))
            return box if np.isfinite(box).all() else None
        if self.table is not None:
            return self.table[index] if np.isfinite(self.table[index]).all() else whole
        if self.fixed is not None:
            return self.fixed
        self.check_whole_frame(image.shape[1], image.shape[0])
        return whole

    def check_whole_frame(self, width: int, height: int) -> None:
        """Warn (once) that the whole frame is the box; refuse a frame much larger than the
        model's input unless ``--whole-image``."""
        size = f'{width} x {height} px'
        input_width, input_height = self.input_size
        if not self.whole_image and (width > MAX_WHOLE_FRAME_RATIO * input_width
                                     or height > MAX_WHOLE_FRAME_RATIO * input_height):
            raise SystemExit(
                f'{self.input}: no person box given and the frame ({size}) is more than '
                f"{MAX_WHOLE_FRAME_RATIO:g}x the model's input ({input_width} x {input_height} "
                'px): with the whole frame as the box, a person who does not fill it is a few '
                "pixels of the input and the 3D pose is meaningless. Give the person's box: "
                f'{BOX_OPTIONS}; or pass --whole-image to use the whole frame anyway.')
        if not self.warned:
            from mmengine.logging import MMLogger
            self.warned = True
            how = ('(--whole-image)' if self.whole_image
                   else '(no --box, --boxes or --det-config given)')
            MMLogger.get_current_instance().warning(
                f"the whole frame ({size}) is taken as the person's box {how}: the 3D pose is "
                "meaningful only when the person fills most of the frame. Otherwise give the "
                f"person's box: {BOX_OPTIONS}.")


def joints_dict(pose, names: dict):
    """{joint name: [x, y, z]} in metres (4 decimals); None without a pose."""
    if pose is None:
        return None
    return {names.get(j, str(j)): [round(float(c), 4) for c in pose[j]] for j in range(len(pose))}


def main(argv=None):
    args = parse_args(argv)
    import cv2
    from mmengine.config import Config
    from mmpose.apis import init_model
    from tqdm import tqdm

    from epipolar_plugin.fileio import atomic_output
    from epipolar_plugin.visualization.skeleton_plot import skeleton_style
    kind, num_frames, fps, frames = open_frames(args.input, args.fps)
    out = args.out or ('demo.png' if kind == 'image' else 'demo.mp4')
    camera = load_camera(args.intrinsics, args.camera) if args.intrinsics else None
    # the detector (if any) first: initialising the pose model last leaves MMPose's scope
    boxes = BoxSource(args, num_frames, input_size_of(Config.fromfile(args.config)))
    model = init_model(args.config, args.checkpoint, device=args.device)
    names = model.dataset_meta.get('keypoint_id2name', {})
    style = skeleton_style(model.dataset_meta, model.dataset_meta.get('num_keypoints', 17))
    panel, writer, records, unreadable = None, None, [], 0
    with atomic_output(out) as temporary:       # the picture or video appears when complete
        for index, (name, image) in enumerate(tqdm(frames, total=num_frames, desc='demo',
                                                   unit='frame', disable=kind == 'image')):
            if image is None:
                unreadable += 1
                continue
            box = boxes.box(index, image)
            pose = None if box is None else predict_3d(model, image, box, camera)
            panel = panel or SkeletonPanel(style, panel_size(image.shape[0]))
            picture = side_by_side(draw_overlay(image, pose, box, style), panel.render(pose))
            records.append(dict(frame=index, image=name,
                                box=None if box is None else box.tolist(),
                                joints=joints_dict(pose, names)))
            if kind == 'image':
                cv2.imwrite(temporary, picture)
                continue
            if writer is None:
                writer = cv2.VideoWriter(temporary, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                         picture.shape[1::-1])
                if not writer.isOpened():
                    raise SystemExit(f'OpenCV cannot write the video {out} (codec mp4v)')
            writer.write(picture)
        if panel is not None:
            panel.close()
        if writer is not None:
            writer.release()
        if not records:
            raise SystemExit(f'{args.input}: no readable frame')
    unit = 'metres, root-relative, camera frame (x right, y down, z forward)'
    json_path = osp.splitext(out)[0] + '.json'
    with atomic_output(json_path) as temporary, open(temporary, 'w') as file:
        if kind == 'image':
            json.dump(dict(image=args.input, box=records[0]['box'], unit=unit,
                           joints=records[0]['joints']), file, indent=1)
        else:
            json.dump(dict(input=args.input, fps=fps, unit=unit, frames=records), file)
    missing = sum(r['joints'] is None for r in records)
    print(f'wrote {out} and {json_path}: {len(records)} frames, {missing} without a person'
          + (f', {unreadable} unreadable images skipped' if unreadable else ''))
    if kind == 'image' and records[0]['joints']:
        for joint, xyz in records[0]['joints'].items():
            print(f'  {joint:>12s}  {xyz}')


if __name__ == '__main__':
    main()
