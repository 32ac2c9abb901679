"""Which pseudo label trains which image, in which camera (shared by the multi-view datasets).

A label file (``docs/file_formats.md``) describes instants of the reference camera. A sample
is one image: view v of row g of the multi-view keypoints file. Its target is the label whose
instant that image shows (``image_frame``: with ``--sync apply`` view v's image of an instant is
another row than the reference camera's), moved into view v's camera with the label's pose of
v, and decoded with the intrinsics the labels were triangulated with (refined or guessed focal
lengths; per recording session). Images without a label for their instant (the first or last
frames of a delayed view: outside the reference camera's recording) are not samples.

A view the labels left out in a frame (``frame_view_used`` False: its detection disagreed
with the other views) keeps its sample, flagged ``used=False``: the label comes from the other
views and is right for the image, but that view's detection is not to be trusted for the
crop. Measured on the synthetic rig with one bad view (wrong or half-visible person in about
60 % of its frames; 1000 frames): for the 589 left-out frames the detection's box has a median
IoU of 0.12 with the true person box (90 % below 0.5), the box of the label's projection 0.96
(2 % below 0.5); for the 411 used frames 0.95 and 0.97. Datasets whose boxes come from the
detections (``MultiViewFolderDataset``) crop such samples around the label's projection.
"""
from typing import Optional, Sequence, Tuple

import numpy as np

NO_LABEL = 'images without a label for their instant (sync offset)'


class LabelPairing:
    """Pairs images with labels (see the module).

    Args:
        labels: the dict of :func:`epipolar_plugin.fileio.load_pseudo_labels_for`.
    """

    def __init__(self, labels: dict):
        self.labels = labels
        image_frame = labels['image_frame']                                    # (F, V)
        num_frames, num_views = image_frame.shape
        self.label_of = np.full((num_views, num_frames), -1, np.int64)         # (V, rows)
        for view in range(num_views):
            frames = np.flatnonzero(image_frame[:, view] >= 0)
            self.label_of[view, image_frame[frames, view]] = frames
        self.session_index = np.searchsorted(labels['session_ids'], labels['session'])

    def target(self, row: int, view: int,
               views: Optional[Sequence[int]] = None) -> Tuple[Optional[dict], str]:
        """The label of view ``view``'s image in keypoints-file row ``row``, or why none.

        Args:
            row: the image's column of the keypoints file.
            view: the image's view (camera) in the keypoints file.
            views: the sample's views, as indices of the file's (default: all of them, in
                order): the cameras whose ``intrinsics`` and ``distortion`` are returned.

        Returns:
            (pseudo_label, '') with ``pseudo_label`` the dataset sample's dict
            (``keypoints_3d`` (J, 3) and ``valid`` (J,) in the label's reference camera,
            ``rotation`` (3, 3) and ``translation`` (3,) of the view, ``intrinsics``
            (len(views), 3, 3) and ``distortion`` (len(views), K) or None of the label's
            session, ``used``: whether the labels used this view in that frame), or
            (None, reason).
        """
        frame = int(self.label_of[view, row])
        if frame < 0:
            return None, NO_LABEL
        labels = self.labels
        session = self.session_index[frame]
        views = slice(None) if views is None else list(views)
        distortion = labels['distortion']
        return dict(keypoints_3d=labels['keypoints_3d'][frame], valid=labels['valid'][frame],
                    rotation=labels['rotations'][frame, view],
                    translation=labels['translations'][frame, view],
                    intrinsics=labels['intrinsics'][session, views],
                    distortion=None if distortion is None else distortion[session, views],
                    used=bool(labels['frame_view_used'][frame, view])), ''


def add_pseudo_label(sample: dict, label: dict) -> None:
    """Put a :meth:`LabelPairing.target` into a dataset sample: ``pseudo_label`` (for
    ``EpipolarPseudoLabel``) and the label's ``intrinsics`` and ``distortion`` (zeros (V, 5)
    where the labels used none), which ``ProjectTarget3D`` and the codec then use."""
    label = dict(label)
    label.pop('used')
    sample['intrinsics'] = label.pop('intrinsics')
    distortion = label.pop('distortion')
    sample['distortion'] = (np.zeros((len(sample['intrinsics']), 5)) if distortion is None
                            else distortion)
    sample['pseudo_label'] = label
