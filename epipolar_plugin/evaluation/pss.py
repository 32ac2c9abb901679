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
- **Invisible joints** (``visible``, as MMPose's ``MPJPE`` masks with ``lifting_target_visible``):
  a pose is root-centred with all its joints, then only its visible joints are normalized and
  compared, with the same joints of each centre; a pose without a visible joint is not scored.
  With every joint visible this is the assignment above.
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


def _check_visible(visible, shape) -> np.ndarray:
    """(N, J) bool mask of ``visible`` (nonzero = visible, as MMPose's ``MPJPE``), or all True."""
    if visible is None:
        return np.ones(shape[:2], bool)
    visible = np.asarray(visible)
    if visible.shape != shape[:2]:
        raise ValueError(f'visible must have shape (N, J) = {shape[:2]}, got {visible.shape}')
    return visible.astype(bool)


def assign_clusters(poses: np.ndarray, centers: np.ndarray, root_index: int = 0,
                    visible=None) -> np.ndarray:
    """(N,) index of the nearest centre of each normalized pose.

    Args:
        poses: (N, J, 3) any unit.
        centers: (k, J * 3) from ``fit_pose_clusters``.
        visible: optional (N, J) mask: a pose is compared on its visible joints only (the pose
            root-centred, its visible joints scaled to unit norm, against the centres' same
            joints). A pose without a visible joint is assigned -1.
    """
    poses = _check_poses(poses, 'poses')
    num_poses, num_joints, _ = poses.shape
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or centers.shape[1] != num_joints * 3:
        raise ValueError(f'centers must have shape (k, {num_joints * 3}) for '
                         f'{num_joints} joints, got {centers.shape}')
    mask = np.repeat(_check_visible(visible, poses.shape), 3, axis=1)        # (N, J * 3)
    centred = (poses - poses[:, root_index:root_index + 1]).reshape(num_poses, -1) * mask
    norm = np.linalg.norm(centred, axis=1, keepdims=True)
    normalized = centred / np.where(norm > 0, norm, 1.0)
    # |p - m c|^2 over the visible coordinates: |p|^2 - 2 p.c + (m c^2) summed
    distance = (np.sum(normalized ** 2, 1)[:, None] - 2 * normalized @ centers.T
                + mask.astype(np.float64) @ (centers ** 2).T)
    assigned = np.argmin(distance, axis=1)
    assigned[~mask.any(axis=1)] = -1
    return assigned


def pose_structure_score(pred: np.ndarray, gt: np.ndarray, centers: np.ndarray,
                         root_index: int = 0, visible=None) -> float:
    """PSS: the fraction of predictions in the same cluster as their ground truth.

    Args:
        pred: (N, J, 3) predicted poses, any scale and position.
        gt: (N, J, 3) ground-truth poses.
        centers: (k, J * 3) from ``fit_pose_clusters``.
        visible: optional (N, J) mask of the ground truth's visible joints (MMPose's
            ``lifting_target_visible``): only those are compared; poses without any are left
            out of the fraction.

    Returns:
        PSS in [0, 1].
    """
    pred, gt = _check_poses(pred, 'pred'), _check_poses(gt, 'gt')
    if pred.shape != gt.shape:
        raise ValueError(f'pred and gt must have the same shape, got {pred.shape} and {gt.shape}')
    visible = _check_visible(visible, gt.shape)
    scored = visible.any(axis=1)
    if not scored.any():
        raise ValueError(f'no pose has a visible joint ({len(gt)} poses): nothing to score')
    same = (assign_clusters(pred, centers, root_index, visible)
            == assign_clusters(gt, centers, root_index, visible))
    return float(np.mean(same[scored]))
