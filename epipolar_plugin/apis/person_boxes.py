"""Person boxes for real footage from an MMDetection detector, one person per camera.

As MMPose's ``demo/topdown_demo_with_mmdet.py``: ``mmdet.apis.init_detector`` and
``inference_detector``, detections of the person class above a score threshold, MMPose's
``nms``. Of the remaining people, a camera keeps the one most consistent with the box it kept in
the previous frame (largest overlap, :class:`PersonTrack`); the first frame takes the
highest-scoring person.
Boxes are xyxy pixels; NaN where nobody was found.
"""
import os.path as osp
from collections import Counter
from typing import Optional

import numpy as np
from mmengine.logging import MMLogger


def init_person_detector(config: str, checkpoint: str, device: str = 'cpu'):
    """An MMDetection model (``init_detector``) whose test pipeline MMPose can run."""
    from mmdet.apis import init_detector

    from mmpose.utils import adapt_mmdet_pipeline
    detector = init_detector(config, checkpoint, device=device)
    detector.cfg = adapt_mmdet_pipeline(detector.cfg)
    return detector


def person_candidates(detector, image: np.ndarray, category_id: int = 0,
                      score_threshold: float = 0.3, nms_threshold: float = 0.3) -> np.ndarray:
    """(N, 5) boxes (xyxy pixels) and scores of the people an MMDetection model finds in a BGR
    image: class ``category_id`` (0 = COCO's person), score above ``score_threshold``, at least
    a pixel wide and high, after MMPose's NMS at ``nms_threshold`` IoU."""
    from mmdet.apis import inference_detector

    from mmpose.evaluation.functional import nms
    instances = inference_detector(detector, image).pred_instances.cpu().numpy()
    boxes = np.concatenate([instances.bboxes, instances.scores[:, None]], axis=1)
    sizes = instances.bboxes[:, 2:] - instances.bboxes[:, :2]
    boxes = boxes[(instances.labels == category_id) & (instances.scores > score_threshold)
                  & (sizes >= 1.0).all(axis=1)]             # no crop from a degenerate box
    return boxes[nms(boxes, nms_threshold)].astype(np.float64).reshape(-1, 5)


def box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one xyxy box (4,) with each of ``boxes`` (N, 4): (N,)."""
    low = np.maximum(box[:2], boxes[:, :2])
    high = np.minimum(box[2:], boxes[:, 2:4])
    inter = np.prod(np.clip(high - low, 0.0, None), axis=1)
    area = np.prod(box[2:] - box[:2])
    areas = np.prod(boxes[:, 2:4] - boxes[:, :2], axis=1)
    return inter / np.maximum(area + areas - inter, 1e-12)


def select_person(candidates: np.ndarray, previous: Optional[np.ndarray],
                  min_iou: float = 0.1) -> Optional[int]:
    """The detection to keep in this frame.

    Args:
        candidates: (N, 5) xyxy pixels + score.
        previous: (4,) the box kept in an earlier frame, or None (then: the highest score).
        min_iou: the least overlap with ``previous`` that continues the track.

    Returns:
        index into ``candidates``: the largest overlap with ``previous`` (ties: the higher
        score); None when N = 0 or nobody overlaps ``previous`` by ``min_iou``.
    """
    if len(candidates) == 0:
        return None
    if previous is None:
        return int(np.argmax(candidates[:, 4]))
    overlap = box_iou(np.asarray(previous, np.float64), candidates)
    if overlap.max() < min_iou:
        return None
    best = np.flatnonzero(overlap == overlap.max())
    return int(best[np.argmax(candidates[best, 4])])


class PersonTrack:
    """One camera's person over consecutive frames: feed each frame's candidates in order.

    The first frame takes the highest-scoring person; later frames the detection overlapping the
    last kept box most. A frame where nobody overlaps it has no person (a missed detection must
    not hand the track to a bystander); after ``max_lost`` such frames in a row the track starts
    over from the highest score. ``counts`` holds the frames without the person and the restarts.
    """

    def __init__(self, min_iou: float = 0.1, max_lost: int = 10):
        self.min_iou, self.max_lost = min_iou, max_lost
        self.previous, self.lost, self.counts = None, 0, Counter()

    def update(self, candidates: np.ndarray) -> np.ndarray:
        """(4,) the kept box of this frame, xyxy pixels; NaN when the person was not found."""
        restart = self.previous is None or self.lost >= self.max_lost
        index = select_person(candidates, None if restart else self.previous, self.min_iou)
        if index is None:
            self.lost += 1
            self.counts['frames without the person'] += 1
            return np.full(4, np.nan)
        if restart and self.previous is not None:
            self.counts[f'restarts after {self.max_lost} frames without the person'] += 1
        self.previous, self.lost = candidates[index, :4].copy(), 0
        return self.previous.copy()


def detect_person_boxes(detector, image_paths: np.ndarray, category_id: int = 0,
                        score_threshold: float = 0.3, nms_threshold: float = 0.3,
                        min_iou: float = 0.1, progress: bool = True) -> np.ndarray:
    """One person's box in every view of every frame, each camera tracked over its frames.

    Args:
        detector: from :func:`init_person_detector`.
        image_paths: (V, F) image files, frame f of every view the same instant.

    Returns:
        (V, F, 4) xyxy pixels; NaN for unreadable images and frames without a person (both
        counted and logged per camera).
    """
    from tqdm import tqdm

    from .keypoints_2d import _read_image
    image_paths = np.asarray(image_paths)
    boxes = np.full(image_paths.shape + (4, ), np.nan)
    bar = tqdm(total=image_paths.size, desc='person boxes', unit='img', disable=not progress)
    logger = MMLogger.get_current_instance()
    for v, paths in enumerate(image_paths):
        track, unreadable = PersonTrack(min_iou), 0
        for f, path in enumerate(paths):
            image = _read_image(str(path))
            if image is None:
                unreadable += 1
            else:
                boxes[v, f] = track.update(person_candidates(
                    detector, image, category_id, score_threshold, nms_threshold))
            bar.update()
        counts = dict(track.counts, **({'unreadable images': unreadable} if unreadable else {}))
        if counts:
            camera = osp.basename(osp.dirname(str(paths[0])))
            logger.warning(f'person boxes, view {v} ({camera}): {counts} of {len(paths)} '
                           'frames (no box: NaN)')
    bar.close()
    return boxes

