"""The PSS clusters file (``.npz``) written by ``tools/make_pss_clusters.py``.

Keys: ``ks`` (n,) int; ``centers_{k}`` (k, J * 3) for each k; ``joint_names`` (J,) str;
``normalization`` str; ``root_index`` int; ``seed`` int; ``source`` str (what the poses were);
``num_poses`` int.
"""
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

from ..fileio import check_array, load_npz, save_npz
from .pss import NORMALIZATION


def save_pose_clusters(path: str, centers: Dict[int, np.ndarray], joint_names: Sequence[str],
                       seed: int, source: str, num_poses: int, root_index: int = 0) -> None:
    """Write centres for several k with everything needed to reuse them (atomically)."""
    arrays = {f'centers_{k}': np.asarray(c, dtype=np.float64) for k, c in centers.items()}
    save_npz(path, dict(ks=np.array(sorted(centers), dtype=int),
                        joint_names=np.array(joint_names), normalization=np.array(NORMALIZATION),
                        root_index=np.array(root_index), seed=np.array(seed),
                        source=np.array(source), num_poses=np.array(num_poses), **arrays),
             compressed=False)


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
        FileNotFoundError: no such file. ValueError: not a clusters file, a key of the wrong
        type or shape (named), non-finite centres, a k missing, or a joint-count mismatch.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'PSS clusters file {path!r} does not exist; make it with '
                                f'tools/make_pss_clusters.py')
    keys = ('ks', 'joint_names', 'root_index', 'seed', 'source')
    try:
        data = load_npz(path, keys, 'PSS clusters file')
    except KeyError as error:
        raise ValueError(f'{path!r} is not a PSS clusters file ({error})') from error
    available = [int(k) for k in check_array(path, 'ks', data['ks'], (None, ), kinds='iu')]
    joint_names = [str(n) for n in check_array(path, 'joint_names', data['joint_names'],
                                               (None, ), kinds='US')]
    for key in ('root_index', 'seed'):
        check_array(path, key, data[key], (), kinds='iu')
    if not 0 <= int(data['root_index']) < max(len(joint_names), 1):
        raise ValueError(f"{path!r}: key 'root_index' = {int(data['root_index'])} is not a "
                         f'joint of {len(joint_names)}')
    missing = [k for k in ks if k not in available]
    if missing:
        raise ValueError(f"{path!r} has no clusters for k={missing}; its key 'ks' lists "
                         f'k={available}')
    absent = [f'centers_{k}' for k in ks if f'centers_{k}' not in data]
    if absent:
        raise ValueError(f"{path!r}: keys {absent} missing, though key 'ks' lists them")
    file_joints = len(joint_names)
    centers = {k: check_array(path, f'centers_{k}', data[f'centers_{k}'], (k, 3 * file_joints),
                              kinds='f') for k in ks}
    for k, c in centers.items():
        if not np.isfinite(c).all():
            raise ValueError(f"{path!r}: key 'centers_{k}' holds values that are not finite")
    if num_joints is not None and num_joints != file_joints:
        raise ValueError(f'{path!r} was fitted on {file_joints}-joint poses '
                         f'({", ".join(joint_names[:4])}, ...), but the poses evaluated have '
                         f'{num_joints} joints: fit clusters on this skeleton')
    return dict(centers=centers, joint_names=joint_names, root_index=int(data['root_index']),
                seed=int(data['seed']), source=str(data['source']))
