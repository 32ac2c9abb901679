"""``EpipolarPseudoLabel``: the pseudo-3D training target of a sample's reference view."""
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmpose.registry import TRANSFORMS
from ...labels import FrameStatus, LabelOptions, make_pseudo_labels
from ...labels.label_modes import single_frame_modes


@TRANSFORMS.register_module()
class EpipolarPseudoLabel(BaseTransform):
    """Pseudo-3D target from the 2D poses of all views, without extrinsics or 3D ground truth.

    Sources:

    - ``'precomputed'`` (default, the fast path): the sample's ``pseudo_label`` from the dataset's
      ``pseudo_label_file`` (made by ``tools/make_pseudo_labels.py``, by default the robust
      pooled labels of a static rig, the accurate ones) is moved into the reference view's
      camera, ``X_v = R X_ref + t``.
    - a label mode that labels one frame on its own (``'per_frame'``, the paper's route; the
      list is :func:`epipolar_plugin.labels.label_modes.single_frame_modes`): computed here
      for this frame alone from ``view_keypoints_2d`` (V, J, 3) and ``intrinsics`` /
      ``distortion`` with :func:`epipolar_plugin.geometry.make_pseudo_labels`.

    Either way the target is root-relative (joint ``root_index`` at the origin), in the
    reference camera's orientation, on the labels' arbitrary scale.

    Added keys: ``lifting_target`` (1, J, 3), ``lifting_target_visible`` (1, J) in {0, 1}:
    1 for a valid label joint (0 also for every joint when the root is invalid or the frame
    failed, so such samples are zero-weighted, never NaN); ``lifting_target_root`` (1, 3) the
    root in the reference camera (same scale; zeros when invalid); ``pseudo_label_status`` str.

    Args:
        source: ``'precomputed'`` or a single-frame label mode.
        root_index: the root joint.
        root_from: joints whose mean is the root where the label lacks it (the root is
            often hidden, and without it the whole sample has no target): Human3.6M's pelvis
            is the midpoint of its hips, ``(1, 4)``. None: no completion.
        label_options: a single-frame source's :class:`epipolar_plugin.geometry.LabelOptions`
            as a nested dict, e.g. ``dict(min_score=0.3, pose=dict(ransac_threshold=2.5))``
            (thresholds in units of the detector's noise, which one frame cannot measure: it
            is taken as ``noise.DEFAULT_NOISE`` of the person's size); ``mode`` is ``source``
            and ``reference_view`` the sample's.
    """

    def __init__(self, source: str = 'precomputed', root_index: int = 0,
                 root_from: Optional[Sequence[int]] = None,
                 label_options: Optional[dict] = None) -> None:
        sources = ('precomputed', ) + single_frame_modes()
        if source not in sources:
            raise ValueError(f'source must be one of {sources}, got {source!r}')
        self.source = source
        self.root_index = root_index
        self.root_from = None if root_from is None else [int(j) for j in root_from]
        self.label_options = None
        if source != 'precomputed':
            self.label_options = LabelOptions.from_dict(dict(label_options or {}, mode=source))
        elif label_options:
            raise ValueError("label_options apply to a single-frame source, not 'precomputed' "
                             '(whose options are those of tools/make_pseudo_labels.py)')

    def _label(self, results: dict):
        if self.source == 'precomputed':
            label = results.get('pseudo_label')
            if label is None:
                raise KeyError("EpipolarPseudoLabel(source='precomputed') needs 'pseudo_label' "
                               "in the sample: set the dataset's pseudo_label_file")
            joints = label['keypoints_3d'] @ np.asarray(label['rotation']).T + label['translation']
            return joints, np.asarray(label['valid'], bool), 'precomputed'
        keypoints = np.asarray(results['view_keypoints_2d'], dtype=np.float64)[:, None]
        self.label_options.reference_view = int(results['reference_view'])
        labels = make_pseudo_labels(keypoints, results['intrinsics'], results['distortion'],
                                    options=self.label_options)
        return labels.keypoints_3d[0], labels.valid[0], str(FrameStatus(labels.frame_status[0]))

    def transform(self, results: dict) -> dict:
        joints, valid, status = self._label(results)
        valid = valid & np.all(np.isfinite(joints), axis=-1)
        if (not valid[self.root_index] and self.root_from is not None
                and valid[self.root_from].all()):
            joints = joints.copy()
            joints[self.root_index] = joints[self.root_from].mean(axis=0)
            valid = valid.copy()
            valid[self.root_index] = True
        if not valid[self.root_index]:
            valid = np.zeros_like(valid)
        root = joints[self.root_index] if valid.any() else np.zeros(3)
        target = np.where(valid[:, None], joints - root, 0.0)
        results['lifting_target'] = target[None].astype(np.float32)
        results['lifting_target_visible'] = valid[None].astype(np.float32)
        results['lifting_target_root'] = root[None].astype(np.float32)
        results['pseudo_label_status'] = status
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(source={self.source!r}, '
                f'root_index={self.root_index}, root_from={self.root_from})')
