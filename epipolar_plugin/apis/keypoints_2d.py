"""2D keypoints of multi-view images from any MMPose top-down model (``tools/precompute_2d.py``).

The output is the multi-view keypoints file of DESIGN.md section 4: ``keypoints_2d`` (V, F, J, 3)
in pixels of the original images with scores, in Human3.6M's 17-joint order.
"""
import os
import os.path as osp
import pickle
from collections import Counter
from typing import Optional

import cv2
import numpy as np
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.logging import MMLogger

from ..datasets.h36m_multiview import group_views, intrinsics_from_camera
from ..fileio import load_npz

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')
# 2D datasets whose joints MMPose's convert_keypoint_definition maps to Human3.6M's 17
CONVERTIBLE_DATASETS = ('h36m', 'coco', 'posetrack18', 'aic', 'crowdpose')
H36M_BOX_PADDING = 1.2       # preprocess_h36m.py's boxes are 1.2 x the person's extent


def h36m_layout_views(data_root: str, ann_file: str,
                      camera_param_file: str = 'annotation_body3d/cameras.pkl') -> dict:
    """The multi-view frames of an annotation file in MMPose's Human3.6M layout.

    Rows sharing (subject, sequence, frame number) form a frame; every frame must have the
    same cameras, with the same intrinsics for every subject. Boxes come from the annotation's
    ``center`` and ``scale`` (side / 200) without preprocess_h36m.py's 1.2 padding, which the
    2D model's ``GetBBoxCenterScale`` adds back (its own 1.25).

    Returns:
        dict with ``image_names`` (V, F) relative to ``images/``, ``boxes`` (V, F, 4) xyxy
        pixels, ``intrinsics`` (V, 3, 3), ``distortion`` (V, 5), ``camera_names`` (V,),
        ``image_size`` (V, 2) (width, height; 0 where ``cameras.pkl`` has no ``w``/``h``).
    """
    ann_path = osp.join(data_root, ann_file)
    data = load_npz(ann_path, ('imgname', 'center', 'scale'), 'annotation file',
                    only_required=True)
    names, centers, scales = data['imgname'], data['center'], data['scale']
    camera_path = osp.join(data_root, camera_param_file)
    if not osp.isfile(camera_path):
        raise FileNotFoundError(f'camera parameter file not found: {camera_path}')
    with open(camera_path, 'rb') as file:
        cameras = pickle.load(file)
    frames = group_views(names)
    camera_names = sorted({c for views in frames.values() for c in views})
    incomplete = [key for key, views in frames.items() if len(views) != len(camera_names)]
    if incomplete:
        raise ValueError(f'{ann_path}: {len(incomplete)} frames lack some of the cameras '
                         f'{camera_names}, e.g. {incomplete[0]}')
    keys = sorted(frames)
    rows = np.array([[frames[key][c] for key in keys] for c in camera_names])   # (V, F)
    half = scales[rows] * 100.0 / H36M_BOX_PADDING     # the 2D model's pipeline pads again
    boxes = np.concatenate([centers[rows] - half[..., None], centers[rows] + half[..., None]], -1)
    subjects = sorted({key[0] for key in keys})
    for subject in subjects:
        for camera in camera_names:
            if (subject, camera) not in cameras:
                raise KeyError(f'{camera_path}: no camera {(subject, camera)!r}')
    subject = subjects[0]
    params = [intrinsics_from_camera(cameras[(subject, c)]) for c in camera_names]
    for other in subjects[1:]:        # one keypoints file holds one set of intrinsics per view
        for camera, (matrix, distortion) in zip(camera_names, params):
            k, d = intrinsics_from_camera(cameras[(other, camera)])
            if not (np.allclose(k, matrix) and np.allclose(d, distortion)):
                raise ValueError(f'{camera_path}: camera {camera} has other intrinsics for '
                                 f'{other} than for {subject}; write one file per subject')
    return dict(image_names=names[rows], boxes=boxes.astype(np.float64),
                intrinsics=np.stack([p[0] for p in params]),
                distortion=np.stack([p[1] for p in params]), camera_names=np.array(camera_names),
                image_size=np.array([[int(np.ravel(cameras[(subject, c)].get('w', 0))[0]),
                                      int(np.ravel(cameras[(subject, c)].get('h', 0))[0])]
                                     for c in camera_names]))


def folder_views(root: str) -> dict:
    """The synchronized frames of ``root/<camera>/<image>``: one sub-folder per camera, frame f
    of every camera is its f-th image in sorted order (the folders must hold equal counts).

    Returns:
        dict with ``image_names`` (V, F) relative to ``root`` and ``camera_names`` (V,).
    """
    if not osp.isdir(root):
        raise FileNotFoundError(f'image folder not found: {root}')
    camera_names = sorted(d for d in os.listdir(root) if osp.isdir(osp.join(root, d)))
    if len(camera_names) < 2:
        raise ValueError(f'{root}: need one sub-folder per camera (at least 2), found '
                         f'{camera_names}')
    files = {c: sorted(f for f in os.listdir(osp.join(root, c))
                       if f.lower().endswith(IMAGE_EXTENSIONS)) for c in camera_names}
    counts = {c: len(f) for c, f in files.items()}
    if len(set(counts.values())) != 1 or not counts[camera_names[0]]:
        raise ValueError(f'{root}: every camera folder needs the same number of images '
                         f'(one per synchronized frame), found {counts}')
    names = np.array([[f'{c}/{f}' for f in files[c]] for c in camera_names])
    return dict(image_names=names, camera_names=np.array(camera_names))


def to_h36m_joints(keypoints: np.ndarray, dataset_name: str) -> np.ndarray:
    """(N, K, 3) keypoints + scores of a 2D dataset -> (N, 17, 3) in Human3.6M's order, with
    MMPose's ``convert_keypoint_definition`` (derived joints average their sources' scores)."""
    from mmpose.apis.inference_3d import convert_keypoint_definition
    if dataset_name not in CONVERTIBLE_DATASETS:
        raise ValueError(f"2D model trained on '{dataset_name}': its joints cannot be mapped to "
                         f"Human3.6M's 17; use a model of one of {CONVERTIBLE_DATASETS}")
    return convert_keypoint_definition(keypoints, dataset_name, 'h36m')


def _read_image(path: str) -> Optional[np.ndarray]:
    """BGR image, or None when the file is missing or cannot be decoded."""
    if not osp.isfile(path):
        return None
    return cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_COLOR)


def detect_multiview_keypoints(model, image_paths: np.ndarray,
                               boxes: Optional[np.ndarray] = None, batch_size: int = 32,
                               progress: bool = True) -> np.ndarray:
    """Run a top-down MMPose model (``mmpose.apis.init_model``) over every view of every frame.

    Args:
        model: a ``TopdownPoseEstimator`` with ``cfg`` and ``dataset_meta``.
        image_paths: (V, F) image files.
        boxes: (V, F, 4) person boxes, xyxy pixels; None or a NaN row: the whole image.
        batch_size: crops per forward pass.

    Returns:
        keypoints: (V, F, 17, 3) x, y in pixels and score (the model's confidence clipped to [0, 1]:
        heatmap maxima and SimCC scores can leave it), Human3.6M joint order; NaN, score 0 for
        joints without a detection and for images that cannot be read (counted and logged);
        readable: (V, F) bool, False for the images that could not be read.
    """
    from tqdm import tqdm
    image_paths = np.asarray(image_paths)
    num_views, num_frames = image_paths.shape
    if boxes is not None and np.shape(boxes) != (num_views, num_frames, 4):
        raise ValueError(f'boxes must have shape (V, F, 4) = ({num_views}, {num_frames}, 4), '
                         f'got {np.shape(boxes)}')
    dataset_name = model.dataset_meta.get('dataset_name')
    if dataset_name is None:
        raise ValueError("the 2D model's dataset_meta has no 'dataset_name': cannot tell its "
                         "joint order (set the config's test dataset metainfo)")
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    output = np.full((num_views, num_frames, 17, 3), np.nan)
    output[..., 2] = 0.0
    readable = np.ones((num_views, num_frames), bool)
    skipped = Counter()
    items = [(v, f) for f in range(num_frames) for v in range(num_views)]
    bar = tqdm(total=len(items), desc='2D keypoints', unit='img', disable=not progress)
    for start in range(0, len(items), batch_size):
        batch, where = [], []
        for v, f in items[start:start + batch_size]:
            image = _read_image(str(image_paths[v, f]))
            if image is None:
                skipped['unreadable images'] += 1
                readable[v, f] = False
                continue
            box = None if boxes is None else np.asarray(boxes[v, f], np.float32)
            if box is None or not np.isfinite(box).all():
                box = np.array([0, 0, image.shape[1], image.shape[0]], np.float32)
            info = dict(img=image, img_path=str(image_paths[v, f]), bbox=box[None],
                        bbox_score=np.ones(1, np.float32), **model.dataset_meta)
            batch.append(pipeline(info))
            where.append((v, f))
        if batch:
            with torch.no_grad():
                results = model.test_step(pseudo_collate(batch))
            keypoints = np.stack([np.concatenate(
                [r.pred_instances.keypoints[0], r.pred_instances.keypoint_scores[0][:, None]],
                -1) for r in results]).astype(np.float64)
            keypoints[keypoints[..., 2] <= 0, :2] = np.nan     # MMPose: no maximum found
            keypoints = to_h36m_joints(keypoints, dataset_name)  # NaN spreads to derived joints
            keypoints[..., 2] = np.clip(np.nan_to_num(keypoints[..., 2]), 0.0, 1.0)
            keypoints[~np.isfinite(keypoints[..., :2]).all(-1), 2] = 0.0
            for (v, f), joints in zip(where, keypoints):
                output[v, f] = joints
        bar.update(len(items[start:start + batch_size]))
    bar.close()
    if skipped:
        MMLogger.get_current_instance().warning(
            f'2D keypoints: skipped {dict(skipped)} (NaN, score 0 in the output)')
    return output, readable
