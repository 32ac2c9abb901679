"""Pose Structure Score (PSS, Kocabas et al., CVPR 2019): pure functions, no MMPose imports.

PSS asks whether a predicted pose has the *structure* of its ground truth, whatever its scale and
position: poses are normalized, the normalized ground-truth poses of a training split are
clustered with k-means, and a prediction scores when it falls in the same cluster as its ground
truth. PSS@k is the fraction of predictions that score.

The authors never released PSS code; the choices made here:

- **Normalization** (``normalize_poses``): subtract the root joint (index 0, the pelvis in
  Human3.6M's order), flatten to (J * 3,), divide by the Frobenius norm of the root-centred pose.
  Invariant to translation and to positive scaling; not to rotation (the camera-frame
  orientation is part of the structure, as for MPJPE).
- **Clusters** (``fit_pose_clusters``): scikit-learn ``KMeans`` (Lloyd, k-means++ init,
  ``n_init=10``, ``max_iter=300``, ``random_state=seed``) on the normalized ground-truth poses of
  the *training* split, Euclidean distance. Deterministic for a seed and the same input.
- **Assignment** (``assign_clusters``): the nearest centre in Euclidean distance of normalized
  poses (ties go to the lower index).
"""
import numpy as np

NORMALIZATION = 'root-centred (joint 0), flattened, divided by the Frobenius norm'


def _check_poses(poses: np.ndarray, name: str) -> np.ndarray:
    poses = np.asarray(poses, dtype=np.float64)
    if poses.ndim != 3 or poses.shape[-1] != 3 or len(poses) == 0:
        raise ValueError(f'{name} must have shape (N, J, 3) with N > 0, got {poses.shape}')
    if not np.all(np.isfinite(poses)):
        bad = np.unique(np.nonzero(~np.isfinite(poses))[0])
        raise ValueError(f'{name} has non-finite values in {len(bad)} poses (first: {bad[:5]})')
    return poses


def normalize_poses(poses: np.ndarray, root_index: int = 0) -> np.ndarray:
    """Root-centred poses divided by their Frobenius norm.

    Args:
        poses: (N, J, 3) any unit.
        root_index: the joint subtracted from every joint.

    Returns:
        (N, J * 3) unit-norm vectors (a zero pose stays zero).
    """
    poses = _check_poses(poses, 'poses')
    centred = (poses - poses[:, root_index:root_index + 1]).reshape(len(poses), -1)
    norm = np.linalg.norm(centred, axis=1, keepdims=True)
    return centred / np.where(norm > 0, norm, 1.0)


def fit_pose_clusters(poses: np.ndarray, k: int, seed: int = 0,
                      root_index: int = 0) -> np.ndarray:
    """k-means centres of normalized poses.

    Args:
        poses: (N, J, 3) ground-truth training poses, N >= k.
        k: number of clusters.
        seed: k-means random state; the same poses and seed give the same centres.

    Returns:
        (k, J * 3) centres in the normalized space.
    """
    from sklearn.cluster import KMeans
    normalized = normalize_poses(poses, root_index)
    if not 1 <= k <= len(normalized):
        raise ValueError(f'k must be in [1, number of poses = {len(normalized)}], got {k}')
    kmeans = KMeans(n_clusters=k, n_init=10, max_iter=300, random_state=seed)
    return kmeans.fit(normalized).cluster_centers_


def assign_clusters(poses: np.ndarray, centers: np.ndarray, root_index: int = 0) -> np.ndarray:
    """(N,) index of the nearest centre of each normalized pose."""
    normalized = normalize_poses(poses, root_index)
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or centers.shape[1] != normalized.shape[1]:
        raise ValueError(f'centers must have shape (k, {normalized.shape[1]}) for '
                         f'{normalized.shape[1] // 3} joints, got {centers.shape}')
    distance = (np.sum(normalized ** 2, 1)[:, None] - 2 * normalized @ centers.T
                + np.sum(centers ** 2, 1)[None])
    return np.argmin(distance, axis=1)


def pose_structure_score(pred: np.ndarray, gt: np.ndarray, centers: np.ndarray,
                         root_index: int = 0) -> float:
    """PSS: the fraction of predictions in the same cluster as their ground truth.

    Args:
        pred: (N, J, 3) predicted poses, any scale and position.
        gt: (N, J, 3) ground-truth poses.
        centers: (k, J * 3) from ``fit_pose_clusters``.

    Returns:
        PSS in [0, 1].
    """
    pred, gt = _check_poses(pred, 'pred'), _check_poses(gt, 'gt')
    if pred.shape != gt.shape:
        raise ValueError(f'pred and gt must have the same shape, got {pred.shape} and {gt.shape}')
    same = assign_clusters(pred, centers, root_index) == assign_clusters(gt, centers, root_index)
    return float(np.mean(same))
