"""The PSS clusters file (``.npz``) written by ``tools/make_pss_clusters.py``.

Keys: ``ks`` (n,) int; ``centers_{k}`` (k, J * 3) for each k; ``joint_names`` (J,) str;
``normalization`` str; ``root_index`` int; ``seed`` int; ``source`` str (what the poses were);
``num_poses`` int.
"""
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

from .pss import NORMALIZATION


def save_pose_clusters(path: str, centers: Dict[int, np.ndarray], joint_names: Sequence[str],
                       seed: int, source: str, num_poses: int, root_index: int = 0) -> None:
    """Write centres for several k with everything needed to reuse them."""
    arrays = {f'centers_{k}': np.asarray(c, dtype=np.float64) for k, c in centers.items()}
    np.savez(path, ks=np.array(sorted(centers), dtype=int), joint_names=np.array(joint_names),
             normalization=np.array(NORMALIZATION), root_index=np.array(root_index),
             seed=np.array(seed), source=np.array(source), num_poses=np.array(num_poses),
             **arrays)


def load_pose_clusters(path: str, ks: Sequence[int],
                       num_joints: Optional[int] = None) -> Dict[str, object]:
    """Read a clusters file and check it fits.

    Args:
        path: the ``.npz`` file.
        ks: the cluster counts wanted; each must be in the file.
        num_joints: when given, the file's joint count must equal it.

    Returns:
        dict with ``centers`` {k: (k, J * 3)}, ``joint_names``, ``root_index``, ``seed``,
        ``source``.

    Raises:
        FileNotFoundError: no such file. ValueError: a k missing, or a joint-count mismatch.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'PSS clusters file {path!r} does not exist; make it with '
                                f'tools/make_pss_clusters.py')
    try:
        data = np.load(path, allow_pickle=False)
        available = [int(k) for k in data['ks']]
        joint_names = [str(n) for n in data['joint_names']]
    except (KeyError, ValueError, OSError) as error:
        raise ValueError(f'{path!r} is not a PSS clusters file ({error})') from error
    missing = [k for k in ks if k not in available]
    if missing:
        raise ValueError(f'{path!r} has no clusters for k={missing}; it has k={available}')
    centers = {k: data[f'centers_{k}'] for k in ks}
    file_joints = len(joint_names)
    for k, c in centers.items():
        if c.shape != (k, 3 * file_joints):
            raise ValueError(f'{path!r}: centers_{k} has shape {c.shape}, expected '
                             f'({k}, {3 * file_joints})')
    if num_joints is not None and num_joints != file_joints:
        raise ValueError(f'{path!r} was fitted on {file_joints}-joint poses '
                         f'({", ".join(joint_names[:4])}, ...), but the poses evaluated have '
                         f'{num_joints} joints: fit clusters on this skeleton')
    return dict(centers=centers, joint_names=joint_names, root_index=int(data['root_index']),
                seed=int(data['seed']), source=str(data['source']))
