"""Users' own rigs: synchronized images plus a multi-view 2D keypoints file, nothing else."""
from typing import List, Optional, Sequence, Tuple

import numpy as np

from mmpose.registry import DATASETS
from ..fileio import load_multiview_keypoints
from ..geometry import project_points, view_camera
from .base_multiview_dataset import BaseMultiViewDataset, MultiViewFrame


@DATASETS.register_module()
class MultiViewFolderDataset(BaseMultiViewDataset):
    """A folder of synchronized images per camera described by one multi-view keypoints file.

    The keypoints file (docs/file_formats.md, e.g. from ``tools/precompute_2d.py``) holds
    ``keypoints_2d`` (V, F, J, 3), ``intrinsics`` (V, 3, 3), optional ``distortion`` and
    ``image_names`` (V, F): each entry's image path relative to ``data_prefix['img']``. No
    extrinsics and no 3D ground truth are needed. Frame f is the file's column f, one sample per
    (frame, reference view), ``id`` = f x V + view; its person box is the box of the confident
    joints (score >= ``min_score``) enlarged by ``box_padding``; views with fewer than
    ``min_joints`` confident joints are skipped (counted in the log). Sample keys are those of
    :class:`BaseMultiViewDataset` without the ground truth.

    Args:
        keypoints_2d_file: the multi-view keypoints file (relative to ``data_root``).
        pseudo_label_file: optional labels from ``tools/make_pseudo_labels.py`` of that file.
        reference_views: camera names (``camera_names`` in the file) or indices used as
            reference views (default: all).
        frame_step: keep every ``frame_step``-th frame.
        min_score: the score of a confident joint.
        min_joints: the confident joints (or, for a view the labels left out, the label's
            joints in front of the camera) a sample needs.
        box_padding: the person box's side / the extent of its joints.
    """
    METAINFO = dict(from_file='configs/_base_/datasets/h36m.py')

    def __init__(self, keypoints_2d_file: str, pseudo_label_file: Optional[str] = None,
                 reference_views: Optional[Sequence] = None, frame_step: int = 1,
                 min_score: float = 0.3, min_joints: int = 8, box_padding: float = 1.25,
                 **kwargs):
        self.min_score, self.min_joints, self.box_padding = min_score, min_joints, box_padding
        super().__init__(ann_file='', camera_param_file=None,
                         keypoints_2d_file=keypoints_2d_file,
                         pseudo_label_file=pseudo_label_file, load_ground_truth=False,
                         reference_views=reference_views, frame_step=frame_step, **kwargs)

    def _load_layout(self) -> dict:
        """The keypoints file; its columns are the frames, one sequence."""
        path = self._path(self.keypoints_2d_file)
        data = load_multiview_keypoints(path)
        if data['image_names'] is None:
            raise KeyError(f"{path}: key 'image_names' (V, F) is needed to find the images")
        num_views, num_frames = data['keypoints_2d'].shape[:2]
        if data['distortion'] is None:
            data['distortion'] = np.zeros((num_views, 5))
        data['camera_names'] = ([str(c) for c in data['camera_names']]
                                if data['camera_names'] is not None
                                else [str(v) for v in range(num_views)])
        return dict(name=path, keypoints_file=path, keypoints=data,
                    frames=[(None, frame) for frame in range(num_frames)],
                    summary=f'{num_frames} frames x {num_views} views')

    def _read_frame(self, layout: dict, key: int) -> Tuple[Optional[MultiViewFrame], str]:
        """Column ``key`` of the keypoints file, with the file's intrinsics and distortion
        (zeros where it has none)."""
        data = layout['keypoints']
        names = [str(name) for name in data['image_names'][:, key]]
        num_views = len(names)
        return MultiViewFrame(
            image_names=names, camera_names=data['camera_names'],
            ids=[key * num_views + v for v in range(num_views)], target_names=names,
            keypoints_2d=data['keypoints_2d'][:, key], intrinsics=data['intrinsics'],
            distortion=data['distortion'], keypoints_row=key), ''

    def _reference_views(self, frame: MultiViewFrame) -> List[int]:
        """Camera names or view indices, in the order of ``reference_views``."""
        if self.reference_views is None:
            return list(range(len(frame.camera_names)))
        cameras = frame.camera_names
        return [cameras.index(str(v)) if str(v) in cameras else int(v)
                for v in self.reference_views]

    def _view_box(self, frame: MultiViewFrame, view: int, label: Optional[dict]):
        """The box of :meth:`_box_points`, its side ``box_padding`` x their extent."""
        box_points, reason = self._box_points(frame.keypoints_2d[view], label, view)
        if box_points is None:
            return None, reason
        low, high = box_points.min(0), box_points.max(0)
        return ((low + high) / 2, self.box_padding * float((high - low).max())), ''

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
