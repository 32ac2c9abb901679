"""Human3.6M (MMPose's preprocessed layout) with the views of each frame grouped together."""
import os.path as osp
from collections import defaultdict
from typing import Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger

from mmpose.registry import DATASETS
from ..fileio import (load_camera_params, load_multiview_keypoints, load_pose_annotation,
                      load_pseudo_labels_for)
from .label_pairing import LabelPairing, add_pseudo_label
from .pose_metainfo import PoseMetainfoDataset


def parse_h36m_imgname(imgname: str):
    """``S1/S1_Walking_1.54138969/S1_Walking_1.54138969_000001.jpg`` ->
    ('S1', 'Walking_1', '54138969', 1)."""
    base = osp.splitext(osp.basename(str(imgname)))[0]
    subject, rest = base.split('_', 1)
    sequence, rest = rest.split('.', 1)
    camera, number = rest.rsplit('_', 1)
    return subject, sequence, camera, int(number)


def group_views(imgnames, parse=parse_h36m_imgname) -> dict:
    """Rows of an annotation grouped per frame: {(subject, sequence, frame number):
    {camera id: row}}, with ``parse`` mapping an image name to (subject, sequence, camera,
    number)."""
    frames = defaultdict(dict)
    for row, name in enumerate(imgnames):
        subject, sequence, camera, number = parse(name)
        frames[(subject, sequence, number)][camera] = row
    return frames


def view_keypoints(kpts: np.ndarray):
    """(J, 3) x, y, score of one view -> MMPose's ``keypoints`` (1, J, 2) and
    ``keypoints_visible`` (1, J); a NaN or inf joint, or one beyond float32's range, is
    missing: (0, 0) and visibility 0."""
    finite = (np.abs(kpts) <= np.finfo(np.float32).max).all(axis=-1)    # False for NaN
    keypoints = np.where(finite[:, None], kpts[:, :2], 0.0)[None].astype(np.float32)
    return keypoints, np.where(finite, kpts[:, 2], 0.0)[None].astype(np.float32)


def intrinsics_from_camera(param: dict):
    """(3, 3) K and (5,) OpenCV distortion (k1, k2, p1, p2, k3) of a ``cameras.pkl`` entry."""
    f, c = np.ravel(param['f']), np.ravel(param['c'])
    k, p = np.ravel(param.get('k', np.zeros(3))), np.ravel(param.get('p', np.zeros(2)))
    intrinsics = np.array([[f[0], 0, c[0]], [0, f[1], c[1]], [0, 0, 1.0]])
    return intrinsics, np.array([k[0], k[1], p[0], p[1], k[2] if len(k) > 2 else 0.0])


@DATASETS.register_module()
class MultiViewH36MDataset(PoseMetainfoDataset):
    """Human3.6M in the layout of MMPose's ``preprocess_h36m.py``, one sample per (frame, view).

    Rows of the annotation file that share (subject, sequence, frame number) are one multi-view
    frame; each of its views is a sample whose image is the *reference view*, carrying the 2D
    poses and intrinsics of all views for the pseudo-label transform. Extrinsics are never read.

    Sample keys: ``img_path`` (reference view), ``img_paths`` (V,), ``bbox_center`` (1, 2),
    ``bbox_scale`` (1, 2) pixels, ``keypoints`` (1, J, 2) and ``keypoints_visible`` (1, J) of the
    reference view, ``view_keypoints_2d`` (V, J, 3) pixels + score, ``intrinsics`` (V, 3, 3),
    ``distortion`` (V, 5), ``reference_view`` int, ``target_img_path`` [str]; with
    ``load_ground_truth``: ``lifting_target`` (1, J, 3) **root-relative** camera-frame ground
    truth in metres (Human3.6M's protocol-1 MPJPE is root-relative),
    ``lifting_target_root`` (1, 3) the root in the camera frame and
    ``lifting_target_visible`` (1, J); with ``pseudo_label_file``: ``pseudo_label`` = dict of the
    frame's label (``keypoints_3d`` (J, 3), ``valid`` (J,), in the label file's reference camera)
    and the reference view's pose relative to it (``rotation`` (3, 3), ``translation`` (3,)).

    Args:
        ann_file: ``annotation_body3d/fps*/h36m_{train,test}.npz``, relative to ``data_root``.
        camera_param_file: ``annotation_body3d/cameras.pkl`` (intrinsics only are used).
        keypoints_2d_file: optional multi-view 2D keypoints file (docs/file_formats.md) with
            ``image_names`` (V, F); without it the annotation's 2D (``part``) is used, score 1.
        pseudo_label_file: optional output of ``tools/make_pseudo_labels.py`` computed from
            ``keypoints_2d_file`` (same frames).
        load_ground_truth: load the 3D ground truth (evaluation and supervised baselines only).
        reference_views: camera ids used as reference views (default: all).
        frame_step: keep every ``frame_step``-th frame of each sequence.
    """
    METAINFO = dict(from_file='configs/_base_/datasets/h36m.py')
    # joints of the annotation, in the order of the metainfo (None: already in that order)
    joint_order: Optional[Sequence[int]] = None

    @staticmethod
    def parse_imgname(imgname: str):
        """(subject, sequence, camera id, frame number) of an annotation image name."""
        return parse_h36m_imgname(imgname)

    @staticmethod
    def camera_key(subject: str, sequence: str, camera: str):
        """The key of a view's entry in the camera parameter file."""
        return (subject, camera)

    @staticmethod
    def target_name(imgname: str, subject: str, sequence: str, camera: str, number: int) -> str:
        """``target_img_path`` of a sample: MMPose's MPJPE groups results by the action that it
        parses from it (``<subject>_<action>.<camera>_<frame>``)."""
        return imgname

    def __init__(self, ann_file: str, camera_param_file: str,
                 keypoints_2d_file: Optional[str] = None,
                 pseudo_label_file: Optional[str] = None, load_ground_truth: bool = True,
                 reference_views: Optional[Sequence[str]] = None, frame_step: int = 1,
                 **kwargs):
        self.camera_param_file = camera_param_file
        self.keypoints_2d_file = keypoints_2d_file
        self.pseudo_label_file = pseudo_label_file
        self.load_ground_truth = load_ground_truth
        self.reference_views = None if reference_views is None else [str(v)
                                                                     for v in reference_views]
        if frame_step < 1:
            raise ValueError(f'frame_step must be >= 1, got {frame_step}')
        self.frame_step = frame_step
        super().__init__(ann_file=ann_file, **kwargs)

    def _path(self, name: Optional[str]) -> Optional[str]:
        if name is None or osp.isabs(name) or not self.data_root:
            return name
        return osp.join(self.data_root, name)

    def _load_annotation(self) -> dict:
        required = ('imgname', 'center', 'scale', 'part') + (('S', ) if self.load_ground_truth
                                                              else ())
        return load_pose_annotation(self.ann_file, required)

    def _load_cameras(self) -> dict:
        return load_camera_params(self._path(self.camera_param_file))

    def load_data_list(self) -> list:
        logger = MMLogger.get_current_instance()
        ann = self._load_annotation()
        cameras = self._load_cameras()
        if self.joint_order is not None:
            for key in ('part', 'S'):
                if key in ann:
                    ann[key] = ann[key][:, list(self.joint_order)]
        for key in ('part', 'S'):
            if key in ann and ann[key].shape[1:2] != (self.metainfo['num_keypoints'], ):
                raise ValueError(f"{self.ann_file}: key '{key}' has shape {ann[key].shape}, "
                                 f"expected (N, {self.metainfo['num_keypoints']}, 3|4)")
        try:
            frames = group_views(ann['imgname'], self.parse_imgname)
        except (ValueError, IndexError) as error:
            raise ValueError(f"{self.ann_file}: key 'imgname' holds a name that is not "
                             f'<subject>_<sequence>.<camera>_<frame>.jpg ({error})') from error
        sequence_cameras = defaultdict(set)
        for (subject, sequence, _), views in frames.items():
            sequence_cameras[(subject, sequence)].update(views)
        all_cameras = sorted({c for views in sequence_cameras.values() for c in views})
        detections, labels = self._load_detections_and_labels(all_cameras)
        data_list, skipped = [], defaultdict(int)
        sequence_counter = defaultdict(int)
        for key in sorted(frames):
            subject, sequence, number = key
            views = frames[key]
            camera_ids = sorted(sequence_cameras[(subject, sequence)])
            counter = sequence_counter[(subject, sequence)]
            sequence_counter[(subject, sequence)] += 1
            if counter % self.frame_step:
                continue
            if len(views) != len(camera_ids):
                skipped['frames without every view of their sequence'] += 1
                continue
            rows = [views[c] for c in camera_ids]
            params = []
            for camera in camera_ids:
                camera_key = self.camera_key(subject, sequence, camera)
                if camera_key not in cameras:
                    raise KeyError(f'{self._path(self.camera_param_file)}: no camera '
                                   f'{camera_key!r}')
                params.append(intrinsics_from_camera(cameras[camera_key]))
            if detections is not None:
                frame = detections['index'].get(str(ann['imgname'][rows[0]]))
                if frame is None:
                    skipped['frames missing from the keypoints file'] += 1
                    continue
                view_kpts = detections['keypoints_2d'][:, frame]
            else:
                frame = None
                part = ann['part'][rows].astype(np.float64)
                view_kpts = np.concatenate([part[..., :2], np.ones(part.shape[:2] + (1, ))], -1)
            for v, camera in enumerate(camera_ids):
                if self.reference_views is not None and camera not in self.reference_views:
                    continue
                label = None
                if labels is not None:
                    label, reason = labels.target(frame, v)
                    if label is None:
                        skipped[reason] += 1
                        continue
                sample = self._sample(ann, rows, v, view_kpts, params, label)
                sample['target_img_path'] = [self.target_name(sample['target_img_path'][0],
                                                              subject, sequence, camera, number)]
                data_list.append(sample)
        for reason, count in skipped.items():
            logger.warning(f'{self.ann_file}: skipped {count} {reason}')
        if not data_list:
            raise ValueError(f'{self.ann_file}: no samples (frames {len(frames)}, cameras '
                             f'{all_cameras}, skipped {dict(skipped)})')
        return data_list

    def _sample(self, ann, rows, v, view_kpts, params, label) -> dict:
        row = rows[v]
        name = str(ann['imgname'][row])
        side = float(ann['scale'][row]) * 200.0
        keypoints, visible = view_keypoints(view_kpts[v])
        sample = dict(
            img_path=osp.join(self.data_prefix.get('img', ''), name),
            img_paths=[osp.join(self.data_prefix.get('img', ''), str(ann['imgname'][r]))
                       for r in rows],
            img_id=row, id=row,
            bbox_center=ann['center'][row].reshape(1, 2).astype(np.float32),
            bbox_scale=np.array([[side, side]], dtype=np.float32),
            keypoints=keypoints, keypoints_visible=visible,
            view_keypoints_2d=view_kpts.astype(np.float64),
            intrinsics=np.stack([p[0] for p in params]),
            distortion=np.stack([p[1] for p in params]),
            reference_view=v, target_img_path=[name], category_id=1)
        if self.load_ground_truth:
            joints = ann['S'][row][:, :3].astype(np.float32)
            sample['lifting_target'] = (joints - joints[:1])[None]
            sample['lifting_target_root'] = joints[:1].copy()
            sample['lifting_target_visible'] = np.ones((1, len(joints)), np.float32)
        if label is not None:
            add_pseudo_label(sample, label)
        return sample

    def _load_detections_and_labels(self, camera_ids):
        if self.keypoints_2d_file is None:
            if self.pseudo_label_file is not None:
                raise ValueError('pseudo_label_file needs the keypoints_2d_file it was made from')
            return None, None
        path = self._path(self.keypoints_2d_file)
        detections = load_multiview_keypoints(path)
        names = detections.get('image_names')
        if names is None:
            raise KeyError(f"{path}: key 'image_names' (V, F) is needed to match frames to "
                           f"the annotation's images")
        file_cameras = detections.get('camera_names')
        if file_cameras is not None and [str(c) for c in file_cameras] != camera_ids:
            raise ValueError(f'{path}: camera_names {list(file_cameras)} differ from the '
                             f'annotation cameras {camera_ids} (sorted)')
        num_joints = detections['keypoints_2d'].shape[2]
        if num_joints != self.metainfo['num_keypoints']:
            raise ValueError(f"{path}: key 'keypoints_2d' has {num_joints} joints, the dataset "
                             f"{self.metainfo['num_keypoints']} ({self.metainfo['dataset_name']})")
        detections['index'] = {str(n): f for f, n in enumerate(names[0])}
        labels = None
        if self.pseudo_label_file is not None:
            labels = LabelPairing(load_pseudo_labels_for(self._path(self.pseudo_label_file),
                                                         path, names.shape[1], names.shape[0]))
        return detections, labels
