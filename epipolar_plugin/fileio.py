"""The ``.npz`` exchange files of DESIGN.md section 4: multi-view 2D keypoints, pseudo labels.

Errors name the file and the key at fault.
"""
import os.path as osp
import zipfile

import numpy as np

from .geometry.pseudo_labels import PseudoLabels, check_multiview_inputs


def load_npz(path: str, required=(), what: str = '.npz file', hint: str = '',
             only_required: bool = False) -> dict:
    """The arrays of an ``.npz`` file (all, or only ``required`` with ``only_required``).

    Errors name the file: missing (``FileNotFoundError``, ``what`` and ``hint`` added),
    unreadable (``ValueError``), a ``required`` key absent (``KeyError``).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path}{hint}')
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in required if key not in data.files]
            if missing:
                raise KeyError(f'{path}: missing keys {missing} (found: {sorted(data.files)})')
            keys = required if only_required else data.files
            return {key: data[key] for key in keys}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise ValueError(f'{path}: not a readable .npz file ({error})') from error


def load_multiview_keypoints(path: str) -> dict:
    """Read and validate a multi-view 2D keypoints file.

    Keys: ``keypoints_2d`` (V, F, J, 3) pixels + score, ``intrinsics`` (V, 3, 3) pixels;
    optional ``distortion`` (V, 4|5|8), ``image_size`` (V, 2) (width, height),
    ``camera_names`` (V,), ``joint_names`` (J,), ``image_names`` (V, F) (the image of each entry),
    ``session`` (F,) integers: the recording session of each frame (the cameras may have moved
    between sessions; any integer labels, e.g. the Human3.6M subject number).

    Returns:
        dict of the arrays (float64 for the numeric ones, ``session`` int64; absent optional
        keys are None).
    """
    arrays = load_npz(path, ('keypoints_2d', 'intrinsics'), 'multi-view keypoints file')
    keypoints_2d, intrinsics, distortion = check_multiview_inputs(
        arrays['keypoints_2d'], arrays['intrinsics'], arrays.get('distortion'), source=path)
    num_views, _, num_joints, _ = keypoints_2d.shape
    out = dict(keypoints_2d=keypoints_2d, intrinsics=intrinsics, distortion=distortion)
    for key, length in (('image_size', num_views), ('camera_names', num_views),
                        ('joint_names', num_joints)):
        value = arrays.get(key)
        if value is not None and len(value) != length:
            raise ValueError(f"{path}: key '{key}' must have length {length}, got {len(value)}")
        out[key] = value
    names = arrays.get('image_names')
    if names is not None and names.shape != keypoints_2d.shape[:2]:
        raise ValueError(f"{path}: key 'image_names' must have shape (V, F) = "
                         f"{keypoints_2d.shape[:2]}, got {names.shape}")
    out['image_names'] = names
    if out['image_size'] is not None and np.asarray(out['image_size']).shape != (num_views, 2):
        raise ValueError(f"{path}: key 'image_size' must have shape (V, 2) = ({num_views}, 2), "
                         f"got {np.asarray(out['image_size']).shape}")
    out['session'] = _check_session(path, arrays.get('session'), keypoints_2d.shape[1])
    return out


def _check_session(path: str, session, num_frames: int):
    """The ``session`` key as (F,) int64, or None when absent; errors name file, key and value."""
    if session is None:
        return None
    if session.shape != (num_frames, ):
        raise ValueError(f"{path}: key 'session' must have shape (F,) = ({num_frames},), one "
                         f"integer per frame, got {session.shape}")
    if session.dtype.kind not in 'iu':
        bad = session if session.dtype.kind != 'f' else session[
            ~np.isfinite(session) | (session != np.round(session))]
        raise ValueError(f"{path}: key 'session' must hold integers (one recording session per "
                         f"frame), got dtype {session.dtype}"
                         + (f', e.g. {bad[:3].tolist()}' if len(bad) else ''))
    return session.astype(np.int64)


def save_pseudo_labels(path: str, labels: PseudoLabels) -> None:
    """Write pseudo labels (see :class:`PseudoLabels`) as an ``.npz`` file."""
    directory = osp.dirname(osp.abspath(path))
    if not osp.isdir(directory):
        raise FileNotFoundError(f'output directory does not exist: {directory}')
    np.savez_compressed(path, **labels.as_dict())


def load_pseudo_labels_for(label_path: str, keypoints_path: str, num_frames: int) -> dict:
    """Read the pseudo labels made from a multi-view keypoints file, for a dataset.

    Returns ``keypoints_3d`` (F, J, 3), ``valid`` (F, J), ``rotations`` (F, V, 3, 3),
    ``translations`` (F, V, 3) and ``reference_view``; the error for a missing file gives the
    command that makes it.
    """
    if not osp.isfile(label_path):
        raise FileNotFoundError(
            f'pseudo-label file not found: {label_path}; make it once with '
            f'python tools/make_pseudo_labels.py {keypoints_path} {label_path}')
    keys = ('keypoints_3d', 'valid', 'rotations', 'translations', 'reference_view')
    try:
        with np.load(label_path, allow_pickle=False) as data:
            labels = {key: data[key] for key in keys}
    except KeyError as error:
        raise KeyError(f'{label_path}: not a pseudo-label file ({error})') from error
    if len(labels['valid']) != num_frames:
        raise ValueError(f'{label_path}: {len(labels["valid"])} frames, but {keypoints_path} has '
                         f'{num_frames}: remake the labels from this file')
    return labels
