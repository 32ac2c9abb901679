"""2D keypoints of multi-view images from any MMPose top-down model (``tools/precompute_2d.py``),
or from a dataset annotation's 2D.

The output is the multi-view keypoints file (``epipolar_plugin.fileio.load_multiview_keypoints``):
``keypoints_2d`` (V, F, J, 3) in pixels of the original images with scores, in Human3.6M's
17-joint order, and ``session`` (F,), the recording session of each frame.
"""
import os
import os.path as osp
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Optional

import cv2
import numpy as np
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.logging import MMLogger

from ..datasets.h36m_multiview import MultiViewH36MDataset, group_views, intrinsics_from_camera
from ..datasets.mpi_inf_3dhp import MultiViewMPIINF3DHPDataset
from ..fileio import load_camera_params, load_pose_annotation

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')
# 2D datasets whose joints MMPose's convert_keypoint_definition maps to Human3.6M's 17
CONVERTIBLE_DATASETS = ('h36m', 'coco', 'posetrack18', 'aic', 'crowdpose')
H36M_BOX_PADDING = 1.2       # preprocess_h36m.py's boxes are 1.2 x the person's extent


def h36m_session(subject: str, sequence: str) -> int:
    """Human3.6M calibrated its cameras per subject: session = subject number (S11 -> 11)."""
    match = re.fullmatch(r'S(\d+)', subject)
    if match is None:
        raise ValueError(f"subject {subject!r} is not 'S<number>': cannot number its session")
    return int(match.group(1))


def mpi_inf_3dhp_session(subject: str, sequence: str) -> int:
    """MPI-INF-3DHP calibrated its cameras per recording: session = 100 x subject + sequence
    (S3, Seq2 -> 302); a test sequence, filmed by a camera of its own, is its number (TS4, the
    sequence ``test`` of ``MultiViewMPIINF3DHPDataset.parse_imgname`` -> 4; no training
    session is below 101)."""
    test = re.fullmatch(r'TS(\d+)', subject)
    if test is not None and sequence == 'test' and int(test.group(1)) < 100:
        return int(test.group(1))
    match = (re.fullmatch(r'S(\d+)', subject), re.fullmatch(r'Seq(\d+)', sequence))
    if None in match or int(match[1].group(1)) >= 100:
        raise ValueError(f"subject {subject!r}, sequence {sequence!r} are not 'S<number>', "
                         f"'Seq<number below 100>': cannot number their session")
    return 100 * int(match[0].group(1)) + int(match[1].group(1))


@dataclass(frozen=True)
class AnnotationLayout:
    """A multi-view dataset as one of MMPose's dataset converters writes it.

    ``dataset`` is the plugin's dataset class of the layout: its ``parse_imgname``,
    ``camera_key`` and ``joint_order`` are the single place that reads the layout.
    """
    name: str
    dataset: type
    ann_file: str                               # the training annotation, relative to the root
    camera_param_file: str
    session: Callable[[str, str], int]          # (subject, sequence) -> session number


LAYOUTS = {
    'h36m': AnnotationLayout('Human3.6M (preprocess_h36m.py)', MultiViewH36MDataset,
                             'annotation_body3d/fps10/h36m_train.npz',
                             'annotation_body3d/cameras.pkl', h36m_session),
    'mpi_inf_3dhp': AnnotationLayout('MPI-INF-3DHP (preprocess_mpi_inf_3dhp.py)',
                                     MultiViewMPIINF3DHPDataset,
                                     'annotations/mpi_inf_3dhp_train.npz',
                                     'annotations/cameras_train.pkl', mpi_inf_3dhp_session),
}


def annotation_layout(imgnames, source: str = 'annotation') -> str:
    """The key of ``LAYOUTS`` whose image names are ``imgnames`` (N,): the first layout whose
    dataset parses every name (Human3.6M's names have a '.' before the camera, which
    MPI-INF-3DHP's never have, so the order decides nothing else); the error names
    ``source``."""
    for name, spec in LAYOUTS.items():
        try:
            for imgname in imgnames:
                spec.dataset.parse_imgname(imgname)
        except (ValueError, IndexError):
            continue
        return name
    raise ValueError(f"{source}: key 'imgname' holds names of none of the layouts "
                     f"{', '.join(s.name for s in LAYOUTS.values())}, e.g. {imgnames[0]!r}")


def annotation_views(data_root: str, ann_file: Optional[str] = None, layout: str = 'h36m',
                     camera_param_file: Optional[str] = None) -> dict:
    """The multi-view frames of an annotation file in one of MMPose's layouts (``LAYOUTS``).

    Rows sharing (subject, sequence, frame number) form a frame. The views are every camera of
    the file (at least 2), sorted by name; a frame whose sequence lacks a camera (Human3.6M's
    test split: S11's Directions has no camera 54138969) keeps its other views, the missing
    one has row -1, image name '' and a NaN box (counted in ``missing_views``). A camera has
    the same intrinsics in every session that films with it. Boxes come from the annotation's
    ``center`` and ``scale`` (side / 200) without the converters' 1.2 padding, which the 2D
    model's ``GetBBoxCenterScale`` adds back (its own 1.25).

    Args:
        data_root: the dataset root; ``ann_file`` and ``camera_param_file`` are relative to
            it (default: the layout's training annotation and its camera file).
        layout: a key of ``LAYOUTS``.

    Returns:
        dict with ``image_names`` (V, F) relative to ``images/`` ('' for a missing view),
        ``rows`` (V, F) of the annotation (-1: missing), ``boxes`` (V, F, 4) xyxy pixels,
        ``intrinsics`` (V, 3, 3), ``distortion`` (V, 5), ``camera_names`` (V,), ``image_size``
        (V, 2) (width, height; 0 where the camera file has no ``w``/``h``), ``session`` (F,)
        int64 (``LAYOUTS[layout].session``), ``take`` (F,) int64 (the index of the frame's
        (subject, sequence) in sorted order), ``missing_views`` {camera: frames without it}
        and ``ann_path``.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'layout must be one of {sorted(LAYOUTS)}, got {layout!r}')
    spec = LAYOUTS[layout]
    ann_path = osp.join(data_root, ann_file or spec.ann_file)
    data = load_pose_annotation(ann_path, ('imgname', 'center', 'scale'), only_required=True)
    names, centers, scales = data['imgname'], data['center'], data['scale']
    camera_path = osp.join(data_root, camera_param_file or spec.camera_param_file)
    cameras = load_camera_params(camera_path)
    frames = group_views(names, spec.dataset.parse_imgname)
    camera_names = sorted({c for views in frames.values() for c in views})
    if len(camera_names) < 2:
        raise ValueError(f'{ann_path}: one camera ({camera_names}): a multi-view keypoints file '
                         f'needs at least 2 (the training split of a multi-view capture)')
    keys = sorted(frames)
    rows = np.array([[frames[key].get(c, -1) for key in keys] for c in camera_names])  # (V, F)
    present = rows >= 0
    half = scales[rows] * 100.0 / H36M_BOX_PADDING     # the 2D model's pipeline pads again
    boxes = np.concatenate([centers[rows] - half[..., None], centers[rows] + half[..., None]], -1)
    boxes[~present] = np.nan
    image_names = np.where(present, names[rows], '')
    sequences = sorted({key[:2] for key in keys})
    try:
        session_of = {key: spec.session(*key) for key in sequences}
    except ValueError as error:
        raise ValueError(f'{ann_path}: {error}') from error
    sequence_cameras = {sequence: set() for sequence in sequences}
    for key, views in frames.items():
        sequence_cameras[key[:2]].update(views)
    intrinsics, distortion, size = _camera_intrinsics(cameras, camera_path, spec,
                                                      sequence_cameras, camera_names)
    take_of = {sequence: index for index, sequence in enumerate(sequences)}
    return dict(image_names=image_names, rows=rows, boxes=boxes.astype(np.float64),
                intrinsics=intrinsics, distortion=distortion,
                camera_names=np.array(camera_names), image_size=size, ann_path=ann_path,
                session=np.array([session_of[key[:2]] for key in keys], dtype=np.int64),
                take=np.array([take_of[key[:2]] for key in keys], dtype=np.int64),
                missing_views={c: int((~present[v]).sum()) for v, c in enumerate(camera_names)
                               if not present[v].all()})


def _camera_intrinsics(cameras: dict, camera_path: str, spec: AnnotationLayout,
                       sequence_cameras: dict, camera_names: list):
    """K (V, 3, 3), distortion (V, 5) and image size (V, 2) of every camera, checked equal in
    every (subject, sequence) that films with it: one keypoints file holds one set of
    intrinsics per view."""
    params, first = {}, {}
    for (subject, sequence), here in sorted(sequence_cameras.items()):
        for camera in sorted(here):
            key = spec.dataset.camera_key(subject, sequence, camera)
            if key not in cameras:
                raise KeyError(f'{camera_path}: no camera {key!r}')
            k, d = intrinsics_from_camera(cameras[key])
            if camera not in params:
                params[camera], first[camera] = (k, d, cameras[key]), (subject, sequence)
            elif not (np.allclose(k, params[camera][0]) and np.allclose(d, params[camera][1])):
                raise ValueError(f'{camera_path}: camera {camera} has other intrinsics in '
                                 f'{subject} {sequence} than in {first[camera][0]} '
                                 f'{first[camera][1]}; write one keypoints file per set of '
                                 f'intrinsics')
    size = [[int(np.ravel(params[c][2].get(key, 0))[0]) for key in ('w', 'h')]
            for c in camera_names]
    return (np.stack([params[c][0] for c in camera_names]),
            np.stack([params[c][1] for c in camera_names]), np.array(size))


def annotation_keypoints(views: dict, layout: str = 'h36m') -> np.ndarray:
    """(V, F, 17, 3) the annotation's 2D (``part``) of ``annotation_views``' frames in
    Human3.6M's joint order, score 1 (0 and NaN where a coordinate is not finite): the exact
    projections, the paper's ground-truth-2D setting."""
    part = load_pose_annotation(views['ann_path'], ('part', ), only_required=True)['part']
    if part.ndim != 3 or part.shape[1:] not in ((17, 2), (17, 3)):
        raise ValueError(f"{views['ann_path']}: key 'part' must have shape (N, 17, 2|3), got "
                         f'{part.shape}')
    order = LAYOUTS[layout].dataset.joint_order
    if order is not None:
        part = part[:, list(order)]
    keypoints = np.concatenate([part[views['rows']][..., :2].astype(np.float64),
                                np.ones(views['rows'].shape + (17, 1))], -1)
    keypoints[views['rows'] < 0] = np.nan                  # a view its sequence lacks
    missing = ~np.isfinite(keypoints[..., :2]).all(-1)
    keypoints[missing] = [np.nan, np.nan, 0.0]
    return keypoints


def folder_views(root: str, session_per_folder: bool = False) -> dict:
    """The synchronized frames of ``root/<camera>/<image>``: one sub-folder per camera, frame f
    of every camera is its f-th image in sorted order (the folders must hold equal counts).

    With ``session_per_folder``, ``root/<session>/<camera>/<image>``: every top-level folder is
    one recording session (the cameras may have moved in between) holding the same camera
    folders; the frames are those of the sessions one after the other, sessions in sorted
    order.

    Returns:
        dict with ``image_names`` (V, F) relative to ``root``, ``camera_names`` (V,) and
        ``session`` (F,) int64, the index of each frame's session folder in sorted order
        (None without ``session_per_folder``), ``session_names`` the session folders, and
        ``take`` (F,): each session folder is one recording, so its take is its session.
    """
    if not session_per_folder:
        camera_names, names = _camera_folders(root)
        return dict(image_names=names, camera_names=camera_names, session=None,
                    session_names=None, take=None)
    session_names = _sub_folders(root)
    if not session_names:
        raise ValueError(f'{root}: no session folder (one per session expected: '
                         f'ROOT/<session>/<camera>/<image>)')
    camera_names, names, session = None, [], []
    for index, folder in enumerate(session_names):
        cameras, frames = _camera_folders(osp.join(root, folder), prefix=f'{folder}/')
        if camera_names is not None and list(cameras) != list(camera_names):
            raise ValueError(f'{root}: session {folder} has the cameras {list(cameras)}, '
                             f'session {session_names[0]} {list(camera_names)}: every session '
                             f'needs the same camera folders')
        camera_names = cameras
        names.append(frames)
        session += [index] * frames.shape[1]
    session = np.array(session, dtype=np.int64)
    return dict(image_names=np.concatenate(names, axis=1), camera_names=camera_names,
                session=session, session_names=session_names, take=session.copy())


def _sub_folders(root: str) -> list:
    if not osp.isdir(root):
        raise FileNotFoundError(f'image folder not found: {root}')
    return sorted(d for d in os.listdir(root) if osp.isdir(osp.join(root, d)))


def _camera_folders(root: str, prefix: str = ''):
    """(camera_names (V,), image names (V, F) = ``prefix<camera>/<image>``) of
    ``root/<camera>/<image>``."""
    camera_names = _sub_folders(root)
    if len(camera_names) < 2:
        raise ValueError(f'{root}: need one sub-folder per camera (at least 2), found '
                         f'{camera_names}')
    files = {c: sorted(f for f in os.listdir(osp.join(root, c))
                       if f.lower().endswith(IMAGE_EXTENSIONS)) for c in camera_names}
    counts = {c: len(f) for c, f in files.items()}
    if len(set(counts.values())) != 1 or not counts[camera_names[0]]:
        raise ValueError(f'{root}: every camera folder needs the same number of images '
                         f'(one per synchronized frame), found {counts}')
    names = np.array([[f'{prefix}{c}/{f}' for f in files[c]] for c in camera_names])
    return np.array(camera_names), names


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
        image_paths: (V, F) image files; '' for a view that the frame's sequence lacks.
        boxes: (V, F, 4) person boxes, xyxy pixels; None or a NaN row: the whole image.
        batch_size: crops per forward pass.

    Returns:
        keypoints: (V, F, 17, 3) x, y in pixels and score (the model's confidence clipped to [0, 1]:
        heatmap maxima and SimCC scores can leave it), Human3.6M joint order; NaN, score 0 for
        joints without a detection, for images that cannot be read and for views without an
        image (both counted and logged);
        readable: (V, F) bool, False for the images that could not be read or do not exist.
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
            if not image_paths[v, f]:
                skipped['views their sequence lacks'] += 1
                readable[v, f] = False
                continue
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
