"""Pose alignment: root-centring, scale (N-MPJPE) and similarity Procrustes (P-MPJPE).

All functions take batches of poses ``(N, J, 3)`` and an optional ``(N, J)`` bool mask of
joints to use; masked-out joints do not influence the fitted transform. The alignments follow
the conventions of MMPose's ``keypoint_mpjpe`` (``alignment='scale'`` / ``'procrustes'``)
with masks added, so labels with invalid joints can be evaluated.
"""
from typing import Optional

import numpy as np


def _mask(poses: np.ndarray, mask: Optional[np.ndarray]) -> np.ndarray:
    finite = np.all(np.isfinite(poses), axis=-1)
    return finite if mask is None else (np.asarray(mask, dtype=bool) & finite)


def root_centre(poses: np.ndarray, root_index: int = 0) -> np.ndarray:
    """Subtract the root joint: (N, J, 3) -> (N, J, 3) with joint ``root_index`` at 0."""
    poses = np.asarray(poses, dtype=np.float64)
    return poses - poses[:, root_index:root_index + 1]


def pose_size(relative: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Size of root-relative poses with missing joints: the Frobenius norm of the valid joints
    times sqrt(J / valid joints), i.e. the full pose's norm when joints are alike.

    Args:
        relative: (N, J, 3) root-relative poses, zeros at invalid joints.
        valid: (N, J) bool.

    Returns:
        (N,) sizes, in the unit of ``relative``.
    """
    count = np.asarray(valid).sum(axis=-1)
    return np.sqrt(np.sum(np.asarray(relative) ** 2, axis=(-2, -1)) * np.shape(valid)[-1]
                   / np.maximum(count, 1))


def scale_align(pred: np.ndarray, target: np.ndarray,
                mask: Optional[np.ndarray] = None) -> np.ndarray:
    """Scale each predicted pose by ``s = <pred, target> / <pred, pred>`` over masked joints.

    Args:
        pred, target: (N, J, 3) poses, usually root-centred.
        mask: optional (N, J) joints to fit on.

    Returns:
        (N, J, 3) scaled predictions (NaN where no joint could be used).
    """
    pred = np.asarray(pred, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    use = _mask(pred, mask) & _mask(target, None)
    p = np.where(use[..., None], pred, 0.0)
    t = np.where(use[..., None], target, 0.0)
    numerator = np.einsum('njc,njc->n', p, t)
    denominator = np.einsum('njc,njc->n', p, p)
    with np.errstate(divide='ignore', invalid='ignore'):
        scale = np.where(denominator > 0, numerator / denominator, np.nan)
    return pred * scale[:, None, None]


def procrustes_align(pred: np.ndarray, target: np.ndarray,
                     mask: Optional[np.ndarray] = None) -> np.ndarray:
    """Best similarity transform (rotation, scale, translation) of pred onto target, per pose.

    Umeyama's closed form with a reflection guard, fitted on the masked joints only.

    Args:
        pred, target: (N, J, 3) poses.
        mask: optional (N, J) joints to fit on (at least 3 non-collinear per pose).

    Returns:
        (N, J, 3) aligned predictions (NaN for a pose with fewer than 3 usable joints).
    """
    pred = np.asarray(pred, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    use = (_mask(pred, mask) & _mask(target, None)).astype(np.float64)
    count = use.sum(axis=1)                                              # (N,)
    safe_count = np.maximum(count, 1.0)[:, None]
    p = np.where(use[..., None] > 0, pred, 0.0)
    t = np.where(use[..., None] > 0, target, 0.0)
    mean_p = p.sum(axis=1) / safe_count
    mean_t = t.sum(axis=1) / safe_count
    p_c = (p - mean_p[:, None]) * use[..., None]
    t_c = (t - mean_t[:, None]) * use[..., None]
    covariance = np.einsum('nji,njk->nik', t_c, p_c)                     # (N, 3, 3)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.sign(np.linalg.det(u @ vt))
    sign = np.where(sign == 0, 1.0, sign)
    correction = np.ones((len(pred), 3))
    correction[:, 2] = sign
    rotation = u @ (correction[:, :, None] * vt)                         # target <- pred
    variance = np.einsum('njc,njc->n', p_c, p_c)
    with np.errstate(divide='ignore', invalid='ignore'):
        scale = np.sum(singular * correction, axis=1) / variance
    aligned = (scale[:, None, None] * np.einsum('nik,njk->nji', rotation, pred - mean_p[:, None])
               + mean_t[:, None])
    bad = (count < 3) | ~np.isfinite(scale) | (variance <= 0)
    aligned[bad] = np.nan
    return aligned


def mean_joint_error(pred: np.ndarray, target: np.ndarray,
                     mask: Optional[np.ndarray] = None) -> float:
    """Mean Euclidean distance over masked, finite joints of (N, J, 3) poses (target's unit)."""
    errors = np.linalg.norm(np.asarray(pred) - np.asarray(target), axis=-1)
    use = np.isfinite(errors) if mask is None else (np.asarray(mask, bool) & np.isfinite(errors))
    if not use.any():
        return float('nan')
    return float(errors[use].mean())
