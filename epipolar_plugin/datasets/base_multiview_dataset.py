"""The base of the multi-view datasets: frames of synchronized views, one sample per (frame,
reference view), modelled on MMPose's ``BaseMocapDataset``.

The base reads MMPose's preprocessed 3D layout (``preprocess_h36m.py``,
``preprocess_mpi_inf_3dhp.py``: an annotation ``.npz`` with ``imgname``, ``center``, ``scale``,
``part``, ``S`` and a camera ``.pkl``); a layout says how its image names parse
(:meth:`BaseMultiViewDataset.parse_imgname`) and which camera entry a view has
(:meth:`BaseMultiViewDataset.camera_key`). A layout without an annotation overrides how frames
and views are found (:meth:`BaseMultiViewDataset._load_layout`,
:meth:`BaseMultiViewDataset._read_frame`) and how a view's person box is drawn
(:meth:`BaseMultiViewDataset._view_box`). :meth:`BaseMultiViewDataset.build_sample` alone
builds a sample.
"""
import os.path as osp
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, Hashable, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import MMLogger

from ..fileio import (load_camera_params, load_multiview_keypoints, load_pose_annotation,
                      load_pseudo_labels_for)
from .label_pairing import LabelPairing, add_pseudo_label
from .pose_metainfo import PoseMetainfoDataset

#: skip reasons counted in the log (``<file>: skipped <count> <reason>``)
INCOMPLETE_FRAME = 'frames without every view of their sequence'
NOT_IN_KEYPOINTS_FILE = 'frames missing from the keypoints file'


def group_views(imgnames, parse: Callable) -> dict:
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


@dataclass
class MultiViewFrame:
    """The views of one frame (one instant of synchronized cameras): what every sample of the
    frame shares, read by :meth:`BaseMultiViewDataset._read_frame`.

    Note:
        - view number: V
        - keypoint number: J

    Attributes:
        image_names: (V,) each view's image, relative to ``data_prefix['img']``.
        camera_names: (V,) the views' cameras (what ``reference_views`` names).
        ids: (V,) each view's sample ``id`` and ``img_id`` (int).
        target_names: (V,) each view's ``target_img_path`` (MMPose's MPJPE groups results by
            the action it parses from it).
        keypoints_2d: (V, J, 3) float64 2D poses of all views, pixels + score; NaN or inf:
            missing.
        intrinsics: (V, 3, 3) pixels. distortion: (V, K) OpenCV order (k1, k2, p1, p2[, k3...]);
            K = 5 in annotation layouts, a keypoints file's own K (4, 5 or 8) otherwise.
        keypoints_row: the frame's column of the multi-view keypoints file, where
            :class:`LabelPairing` finds the pseudo label of each view; None without that file.
        keypoints_views: (V,) each view's index in the keypoints file (and its label file),
            found by camera name, since a sequence may lack a camera that the file has; None:
            the file's views in order.
        bbox_centers: (V, 2) pixels and bbox_sides: (V,) pixels, the person box of each view
            when the layout stores it (read by :meth:`BaseMultiViewDataset._view_box`).
        joints_3d: (V, J, 3) float32 ground truth in each view's camera frame, metres; None
            without (``load_ground_truth=False``, or a layout without 3D).
    """
    image_names: List[str]
    camera_names: List[str]
    ids: List[int]
    target_names: List[str]
    keypoints_2d: np.ndarray
    intrinsics: np.ndarray
    distortion: np.ndarray
    keypoints_row: Optional[int] = None
    keypoints_views: Optional[List[int]] = None
    bbox_centers: Optional[np.ndarray] = None
    bbox_sides: Optional[Sequence[float]] = None
    joints_3d: Optional[np.ndarray] = None


class BaseMultiViewDataset(PoseMetainfoDataset):
    """Base class of the multi-view 3D pose datasets: one sample per (frame, reference view).

    A frame is one instant of synchronized cameras; each of its views (or each listed in
    ``reference_views``) is a sample whose image is the *reference view*, carrying the 2D poses
    and intrinsics of all views for the pseudo-label transform. Extrinsics are never read.
    Samples that cannot be made (an incomplete frame, an image without pseudo label, ...) are
    skipped and counted in the log; a dataset without any sample is an error naming its file.

    Layout hooks (the default reads MMPose's preprocessed annotation layout):

    - :meth:`parse_imgname`: (subject, sequence, camera, frame number) of an image name;
    - :meth:`camera_key`: the camera-file entry of a view;
    - :meth:`target_name`: the ``target_img_path`` of a view;
    - :attr:`joint_order`: the annotation's joints in the metainfo's order;
    - :meth:`_load_layout` / :meth:`_read_frame`: how frames and their views are found;
    - :meth:`_reference_views`: which views of a frame are reference views;
    - :meth:`_view_box`: the person box of a view.

    The target comes from the frame (``joints_3d``), the pseudo label from
    :class:`LabelPairing` (the frame's ``keypoints_row``, the view); :meth:`build_sample` builds
    every sample.

    Sample keys: ``img_path`` (reference view), ``img_paths`` (V,), ``img_id``, ``id``,
    ``bbox_center`` (1, 2) and ``bbox_scale`` (1, 2) pixels, ``keypoints`` (1, J, 2) and
    ``keypoints_visible`` (1, J) of the reference view, ``view_keypoints_2d`` (V, J, 3) pixels +
    score, ``intrinsics`` (V, 3, 3), ``distortion`` (V, K) (K = 5 from a camera file),
    ``reference_view`` int, ``target_img_path`` [str], ``category_id`` 1; with ground truth
    (``load_ground_truth``):
    ``lifting_target`` (1, J, 3) **root-relative** camera-frame ground truth in metres
    (Human3.6M's protocol-1 MPJPE is root-relative), ``lifting_target_root`` (1, 3) the root in
    the camera frame (metres) and ``lifting_target_visible`` (1, J); with ``pseudo_label_file``:
    ``pseudo_label`` = dict of the frame's label (``keypoints_3d`` (J, 3), ``valid`` (J,), in the
    label file's reference camera) and the reference view's pose relative to it (``rotation``
    (3, 3), ``translation`` (3,)), and ``intrinsics`` / ``distortion`` those the labels used.

    Note:
        - view number: V (the cameras of a frame; sorted by name in annotation layouts)
        - frame number: F (frames of the multi-view keypoints file)
        - keypoint number: J (the metainfo's ``num_keypoints``)

    Args:
        ann_file: the annotation ``.npz`` (``imgname``, ``center``, ``scale``, ``part``, ``S``),
            relative to ``data_root``; '' for layouts without one.
        camera_param_file: the camera ``.pkl`` (intrinsics only are used), relative to
            ``data_root``.
        keypoints_2d_file: optional multi-view 2D keypoints file (docs/file_formats.md) with
            ``image_names`` (V, F); without it the annotation's 2D (``part``) is used, score 1.
        pseudo_label_file: optional output of ``tools/make_pseudo_labels.py`` computed from
            ``keypoints_2d_file`` (same frames).
        load_ground_truth: load the 3D ground truth (evaluation and supervised baselines only).
        reference_views: cameras used as reference views (default: all); see
            :meth:`_reference_views`.
        frame_step: keep every ``frame_step``-th frame of each sequence.
        **kwargs: MMEngine's ``BaseDataset`` arguments (``data_root``, ``data_prefix``,
            ``pipeline``, ``test_mode``, ...).
    """
    METAINFO: dict = dict()
    #: joints of the annotation, in the order of the metainfo (None: already in that order)
    joint_order: Optional[Sequence[int]] = None

    def __init__(self, ann_file: str, camera_param_file: Optional[str],
                 keypoints_2d_file: Optional[str] = None,
                 pseudo_label_file: Optional[str] = None, load_ground_truth: bool = True,
                 reference_views: Optional[Sequence] = None, frame_step: int = 1, **kwargs):
        self.camera_param_file = camera_param_file
        self.keypoints_2d_file = keypoints_2d_file
        self.pseudo_label_file = pseudo_label_file
        self.load_ground_truth = load_ground_truth
        self.reference_views = None if reference_views is None else list(reference_views)
        if frame_step < 1:
            raise ValueError(f'frame_step must be >= 1, got {frame_step}')
        self.frame_step = frame_step
        super().__init__(ann_file=ann_file, **kwargs)

    # --- layout hooks ---------------------------------------------------------------------------

    @staticmethod
    def parse_imgname(imgname: str) -> Tuple[str, str, str, int]:
        """(subject, sequence, camera id, frame number) of an annotation image name; rows
        sharing (subject, sequence, frame number) are one frame. Raises ValueError or
        IndexError for a name of another layout."""
        raise NotImplementedError('an annotation layout defines how its image names parse')

    @staticmethod
    def camera_key(subject: str, sequence: str, camera: str) -> Hashable:
        """The key of a view's entry in the camera parameter file."""
        raise NotImplementedError('an annotation layout defines its camera-file keys')

    @staticmethod
    def target_name(imgname: str, subject: str, sequence: str, camera: str, number: int) -> str:
        """``target_img_path`` of a sample: MMPose's MPJPE groups results by the action that it
        parses from it (``<subject>_<action>.<camera>_<frame>``); default: the image name."""
        return imgname

    def _load_layout(self) -> dict:
        """Read and check the files the frames come from (errors name the file and key).

        Returns:
            dict with at least ``name`` (the file named in the log and errors), ``frames``:
            [(sequence, frame key)] in sample order (``frame_step`` counts frames per
            sequence; :meth:`_read_frame` reads a key), ``keypoints`` (the multi-view
            keypoints file's dict, or None) and ``keypoints_file`` (its path), ``summary``
            (what was found, for the error of a dataset without samples); anything else is
            for :meth:`_read_frame`. The default: annotation rows grouped by
            :meth:`parse_imgname`, cameras sorted by name, the keypoints file's entries matched
            by the first camera's image name.
        """
        ann = self._load_annotation()
        cameras = load_camera_params(self._path(self.camera_param_file))
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
        keypoints_file, keypoints = self._load_keypoints_file(all_cameras)
        return dict(name=self.ann_file, ann=ann, cameras=cameras, views=frames,
                    frames=[(key[:2], key) for key in sorted(frames)],
                    sequence_cameras=sequence_cameras, keypoints=keypoints,
                    keypoints_file=keypoints_file,
                    summary=f'frames {len(frames)}, cameras {all_cameras}')

    def _read_frame(self, layout: dict, key) -> Tuple[Optional[MultiViewFrame], str]:
        """The views of frame ``key`` of :meth:`_load_layout`, or (None, why the frame is
        skipped). The default: the annotation rows of (subject, sequence, frame number), a
        frame lacking a camera of its sequence is skipped; 2D from the keypoints file, each
        view's by its camera name (a frame missing from it is skipped), or the annotation's
        ``part`` (score 1)."""
        subject, sequence, number = key
        ann, views = layout['ann'], layout['views'][key]
        camera_ids = sorted(layout['sequence_cameras'][(subject, sequence)])
        if len(views) != len(camera_ids):
            return None, INCOMPLETE_FRAME
        rows = [views[c] for c in camera_ids]
        params = []
        for camera in camera_ids:
            camera_key = self.camera_key(subject, sequence, camera)
            if camera_key not in layout['cameras']:
                raise KeyError(f'{self._path(self.camera_param_file)}: no camera '
                               f'{camera_key!r}')
            params.append(intrinsics_from_camera(layout['cameras'][camera_key]))
        names = [str(ann['imgname'][row]) for row in rows]
        keypoints, column, file_views = layout['keypoints'], None, None
        if keypoints is not None:
            column = keypoints['index'].get(names[0])
            if column is None:
                return None, NOT_IN_KEYPOINTS_FILE
            file_views = [keypoints['view_of'][camera] for camera in camera_ids]
            filed = keypoints['image_names'][file_views, column]
            if list(filed) != names:
                raise ValueError(f"{layout['keypoints_file']}: key 'image_names' holds "
                                 f'{list(filed)} in column {column} for the images {names} of '
                                 f'cameras {camera_ids}: not the file of this annotation')
            view_kpts = keypoints['keypoints_2d'][file_views, column]
        else:
            part = ann['part'][rows].astype(np.float64)
            view_kpts = np.concatenate([part[..., :2], np.ones(part.shape[:2] + (1, ))], -1)
        return MultiViewFrame(
            image_names=names, camera_names=camera_ids, ids=rows,
            target_names=[self.target_name(name, subject, sequence, camera, number)
                          for name, camera in zip(names, camera_ids)],
            keypoints_2d=view_kpts.astype(np.float64),
            intrinsics=np.stack([p[0] for p in params]),
            distortion=np.stack([p[1] for p in params]), keypoints_row=column,
            keypoints_views=file_views, bbox_centers=ann['center'][rows],
            bbox_sides=[float(scale) * 200.0 for scale in ann['scale'][rows]],
            joints_3d=(ann['S'][rows][..., :3].astype(np.float32) if self.load_ground_truth
                       else None)), ''

    def _reference_views(self, frame: MultiViewFrame) -> List[int]:
        """Indices of the frame's views that are reference views (samples), in view order:
        those whose camera name is in ``reference_views`` (compared as text), all without."""
        if self.reference_views is None:
            return list(range(len(frame.camera_names)))
        wanted = [str(v) for v in self.reference_views]
        return [v for v, camera in enumerate(frame.camera_names) if camera in wanted]

    def _view_box(self, frame: MultiViewFrame, view: int,
                  label: Optional[dict]) -> Tuple[Optional[tuple], str]:
        """The person box of a view: ((centre (2,), side) in pixels, ''), or (None, why the
        sample is skipped). ``label`` is the view's :meth:`LabelPairing.target` (None without
        labels). The default: the frame's stored box (annotation ``center``, ``scale`` x 200)."""
        return (frame.bbox_centers[view], frame.bbox_sides[view]), ''

    # --- shared by every layout -----------------------------------------------------------------

    def load_data_list(self) -> List[dict]:
        """Every sample: the frames of :meth:`_load_layout` (every ``frame_step``-th of each
        sequence) read by :meth:`_read_frame`, their reference views paired with their pseudo
        labels, boxed by :meth:`_view_box` and built by :meth:`build_sample`."""
        logger = MMLogger.get_current_instance()
        layout = self._load_layout()
        labels = self._load_labels(layout)
        data_list, skipped, counters = [], Counter(), Counter()
        for sequence, key in layout['frames']:
            counter = counters[sequence]
            counters[sequence] += 1
            if counter % self.frame_step:
                continue
            frame, reason = self._read_frame(layout, key)
            if frame is None:
                skipped[reason] += 1
                continue
            file_views = frame.keypoints_views or list(range(len(frame.camera_names)))
            for view in self._reference_views(frame):
                label = None
                if labels is not None:
                    label, reason = labels.target(frame.keypoints_row, file_views[view],
                                                  file_views)
                    if label is None:
                        skipped[reason] += 1
                        continue
                box, reason = self._view_box(frame, view, label)
                if box is None:
                    skipped[reason] += 1
                    continue
                data_list.append(self.build_sample(frame, view, box, label))
        for reason, count in skipped.items():
            logger.warning(f"{layout['name']}: skipped {count} {reason}")
        if not data_list:
            raise ValueError(f"{layout['name']}: no samples ({layout['summary']}, skipped "
                             f'{dict(skipped)})')
        return data_list

    def build_sample(self, frame: MultiViewFrame, view: int, box: tuple,
                     label: Optional[dict] = None) -> dict:
        """The sample of reference view ``view`` of ``frame`` (keys: see the class).

        Args:
            frame: the frame's views.
            view: the reference view's index in the frame.
            box: (centre (2,), side) of the person box in pixels (:meth:`_view_box`).
            label: the view's :meth:`LabelPairing.target`, or None.
        """
        center, side = box
        keypoints, visible = view_keypoints(frame.keypoints_2d[view])
        prefix = self.data_prefix.get('img', '')
        sample = dict(
            img_path=osp.join(prefix, frame.image_names[view]),
            img_paths=[osp.join(prefix, name) for name in frame.image_names],
            img_id=frame.ids[view], id=frame.ids[view],
            bbox_center=np.reshape(center, (1, 2)).astype(np.float32),
            bbox_scale=np.array([[side, side]], dtype=np.float32),
            keypoints=keypoints, keypoints_visible=visible,
            view_keypoints_2d=frame.keypoints_2d, intrinsics=frame.intrinsics,
            distortion=frame.distortion, reference_view=view,
            target_img_path=[frame.target_names[view]], category_id=1)
        if frame.joints_3d is not None:
            joints = frame.joints_3d[view]
            sample['lifting_target'] = (joints - joints[:1])[None]
            sample['lifting_target_root'] = joints[:1].copy()
            sample['lifting_target_visible'] = np.ones((1, len(joints)), np.float32)
        if label is not None:
            add_pseudo_label(sample, label)
        return sample

    def _path(self, name: Optional[str]) -> Optional[str]:
        """``name`` relative to ``data_root`` (absolute names and None unchanged)."""
        if name is None or osp.isabs(name) or not self.data_root:
            return name
        return osp.join(self.data_root, name)

    def _load_annotation(self) -> dict:
        required = ('imgname', 'center', 'scale', 'part') + (('S', ) if self.load_ground_truth
                                                              else ())
        return load_pose_annotation(self.ann_file, required)

    def _load_keypoints_file(self, camera_ids: List[str]) -> Tuple[Optional[str],
                                                                    Optional[dict]]:
        """(path, checked dict + ``index``: {image name: column}, ``view_of``: {camera name:
        view}) of ``keypoints_2d_file``, or (None, None) without it. The file's cameras are
        those of the annotation (``camera_ids``, sorted); each view is found by its name."""
        if self.keypoints_2d_file is None:
            return None, None
        path = self._path(self.keypoints_2d_file)
        detections = load_multiview_keypoints(path)
        names = detections.get('image_names')
        if names is None:
            raise KeyError(f"{path}: key 'image_names' (V, F) is needed to match frames to "
                           f"the annotation's images")
        file_cameras = detections.get('camera_names')
        file_cameras = camera_ids if file_cameras is None else [str(c) for c in file_cameras]
        if sorted(file_cameras) != camera_ids or len(file_cameras) != len(names):
            raise ValueError(f"{path}: key 'camera_names' {file_cameras} (or, without it, its "
                             f'{len(names)} views) differ from the annotation cameras '
                             f'{camera_ids}')
        num_joints = detections['keypoints_2d'].shape[2]
        if num_joints != self.metainfo['num_keypoints']:
            raise ValueError(f"{path}: key 'keypoints_2d' has {num_joints} joints, the dataset "
                             f"{self.metainfo['num_keypoints']} ({self.metainfo['dataset_name']})")
        detections['image_names'] = names.astype(str)
        detections['index'] = {n: f for view in detections['image_names']
                               for f, n in enumerate(view) if n}
        detections['view_of'] = {camera: v for v, camera in enumerate(file_cameras)}
        return path, detections

    def _load_labels(self, layout: dict) -> Optional[LabelPairing]:
        """The :class:`LabelPairing` of ``pseudo_label_file`` (made from the layout's keypoints
        file), or None without labels."""
        if self.pseudo_label_file is None:
            return None
        if layout['keypoints'] is None:
            raise ValueError('pseudo_label_file needs the keypoints_2d_file it was made from')
        num_views, num_frames = layout['keypoints']['keypoints_2d'].shape[:2]
        return LabelPairing(load_pseudo_labels_for(self._path(self.pseudo_label_file),
                                                   layout['keypoints_file'], num_frames,
                                                   num_views))
