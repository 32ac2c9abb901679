"""Users' own rigs: synchronized images plus a multi-view 2D keypoints file, nothing else."""
import os.path as osp
from collections import Counter
from typing import Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger

from mmpose.registry import DATASETS
from ..fileio import load_multiview_keypoints, load_pseudo_labels_for
from ..geometry import project_points, view_camera
from .h36m_multiview import view_keypoints
from .label_pairing import LabelPairing, add_pseudo_label
from .pose_metainfo import PoseMetainfoDataset


@DATASETS.register_module()
class MultiViewFolderDataset(PoseMetainfoDataset):
    """A folder of synchronized images per camera described by one multi-view keypoints file.

    The keypoints file (docs/file_formats.md, e.g. from ``tools/precompute_2d.py``) holds
    ``keypoints_2d`` (V, F, J, 3), ``intrinsics`` (V, 3, 3), optional ``distortion`` and
    ``image_names`` (V, F): each entry's image path relative to ``data_prefix['img']``. No
    extrinsics and no 3D ground truth are needed. One sample per (frame, reference view); its
    person box is the box of the confident joints (score >= ``min_score``) enlarged by
    ``box_padding``; views with fewer than ``min_joints`` confident joints are skipped (counted
    in the log). Sample keys are those of ``MultiViewH36MDataset`` without the ground truth.

    Args:
        keypoints_2d_file: the multi-view keypoints file (relative to ``data_root``).
        pseudo_label_file: optional labels from ``tools/make_pseudo_labels.py`` of that file.
        reference_views: camera names (``camera_names`` in the file) or indices used as
            reference views (default: all).
        frame_step: keep every ``frame_step``-th frame.
    """
    METAINFO = dict(from_file='configs/_base_/datasets/h36m.py')

    def __init__(self, keypoints_2d_file: str, pseudo_label_file: Optional[str] = None,
                 reference_views: Optional[Sequence] = None, frame_step: int = 1,
                 min_score: float = 0.3, min_joints: int = 8, box_padding: float = 1.25,
                 **kwargs):
        self.keypoints_2d_file, self.pseudo_label_file = keypoints_2d_file, pseudo_label_file
        self.reference_views, self.frame_step = reference_views, frame_step
        self.min_score, self.min_joints, self.box_padding = min_score, min_joints, box_padding
        super().__init__(ann_file='', **kwargs)

    def _path(self, name):
        return name if name is None or osp.isabs(name) else osp.join(self.data_root, name)

    def load_data_list(self) -> list:
        path = self._path(self.keypoints_2d_file)
        data = load_multiview_keypoints(path)
        names = data['image_names']
        if names is None:
            raise KeyError(f"{path}: key 'image_names' (V, F) is needed to find the images")
        keypoints = data['keypoints_2d']
        num_views, num_frames = keypoints.shape[:2]
        distortion = data['distortion'] if data['distortion'] is not None else np.zeros(
            (num_views, 5))
        cameras = ([str(c) for c in data['camera_names']] if data['camera_names'] is not None
                   else [str(v) for v in range(num_views)])
        views = range(num_views) if self.reference_views is None else [
            cameras.index(str(v)) if str(v) in cameras else int(v) for v in self.reference_views]
        labels = None
        if self.pseudo_label_file is not None:
            labels = LabelPairing(load_pseudo_labels_for(self._path(self.pseudo_label_file),
                                                         path, num_frames, num_views))
        data_list, skipped = [], Counter()
        prefix = self.data_prefix.get('img', '')
        for frame in range(0, num_frames, self.frame_step):
            for v in views:
                label = None
                if labels is not None:
                    label, reason = labels.target(frame, v)
                    if label is None:
                        skipped[reason] += 1
                        continue
                kpts = keypoints[v, frame]
                box_points, reason = self._box_points(kpts, label, v)
                if box_points is None:
                    skipped[reason] += 1
                    continue
                low, high = box_points.min(0), box_points.max(0)
                side = self.box_padding * float((high - low).max())
                keypoints_2d, visible = view_keypoints(kpts)
                sample = dict(
                    img_path=osp.join(prefix, str(names[v, frame])),
                    img_paths=[osp.join(prefix, str(n)) for n in names[:, frame]],
                    img_id=frame * num_views + v, id=frame * num_views + v,
                    bbox_center=((low + high) / 2).reshape(1, 2).astype(np.float32),
                    bbox_scale=np.array([[side, side]], np.float32),
                    keypoints=keypoints_2d, keypoints_visible=visible,
                    view_keypoints_2d=keypoints[:, frame], intrinsics=data['intrinsics'],
                    distortion=distortion, reference_view=v,
                    target_img_path=[str(names[v, frame])], category_id=1)
                if label is not None:
                    add_pseudo_label(sample, label)
                data_list.append(sample)
        for reason, count in skipped.items():
            MMLogger.get_current_instance().warning(f'{path}: skipped {count} {reason}')
        if not data_list:
            raise ValueError(f'{path}: no samples ({num_frames} frames x {num_views} views, '
                             f'skipped {dict(skipped)})')
        return data_list

    def _box_points(self, kpts: np.ndarray, label: Optional[dict], view: int):
        """(N, 2) pixels the person box is drawn around, or (None, why the sample is skipped):
        the view's confident detections, or, where the labels left the view out in that
        frame (its detection disagreed: often another person), the label's projection."""
        if label is None or label['used']:
            confident = np.isfinite(kpts[:, 0]) & (kpts[:, 2] >= self.min_score)
            if confident.sum() < self.min_joints:
                return None, f'views with < {self.min_joints} confident joints'
            return kpts[confident, :2], ''
        camera = label['keypoints_3d'] @ np.asarray(label['rotation']).T + label['translation']
        seen = label['valid'] & np.isfinite(camera).all(-1) & (camera[:, 2] > 0)
        if seen.sum() < self.min_joints:
            return None, (f'views left out of the labels whose label has < {self.min_joints} '
                          'joints in front of the camera')
        intrinsics, distortion = view_camera(label['intrinsics'], label['distortion'], view)
        return project_points(camera[seen], intrinsics, distortion), ''
