"""The project's files: the ``.npz`` exchange files (multi-view 2D keypoints, pseudo labels) and
the one atomic way every file is written (:func:`atomic_output`).

Errors name the file and the key at fault.
"""
import glob
import os
import os.path as osp
import pickle
import uuid
import zipfile
from contextlib import contextmanager
from typing import Optional

import numpy as np

from .labels import PseudoLabels, check_multiview_inputs, check_session


TEMPORARY_MARK = '.tmp'   # temporaries are '.<stem>.<random>.tmp<extension>' beside the file


def _temporary_name(path: str) -> str:
    """A fresh hidden name beside ``path`` ending with its extension (writers such as
    ``cv2.imwrite``, ``savefig`` and ``mmengine.dump`` choose the format from it)."""
    directory, name = osp.split(osp.abspath(path))
    stem, extension = osp.splitext(name)
    return osp.join(directory, f'.{stem}.{uuid.uuid4().hex[:12]}{TEMPORARY_MARK}{extension}')


def stale_temporaries(path: str) -> list:
    """Temporaries left by writers of ``path`` killed before their rename (sorted paths).

    The file name of ``path`` may be a ``glob`` pattern (``'work_dir/*.pth'``: those of every
    ``.pth`` file in ``work_dir``).
    """
    directory, name = osp.split(osp.abspath(path))
    stem, extension = osp.splitext(name)
    pattern = f'.{stem}.{"[0-9a-f]" * 12}{TEMPORARY_MARK}{extension}'
    return sorted(glob.glob(osp.join(glob.escape(directory), pattern)))


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_output(path: str, durable: bool = True):
    """Write ``path`` all or nothing: yields a temporary path in the same folder, with the same
    extension, which the caller writes with any API (``np.savez``, ``json.dump`` into
    ``open(tmp, 'w')``, ``cv2.imwrite``, ``savefig``, ``pickle.dump``, ``torch.save``).

    When the block ends without an error the temporary file is renamed onto ``path``
    (``os.replace``: one atomic step on POSIX and Windows), so a process killed at any moment
    leaves the previous complete ``path`` (or none) or the new complete one, never a part;
    at worst a hidden ``.<stem>.<random>.tmp<extension>`` stays behind
    (:func:`stale_temporaries`). On an error the temporary file is removed and ``path`` is
    untouched.

    Args:
        path: the file to write; its folder must exist (``FileNotFoundError`` otherwise).
        durable: also flush the file to the disk before the rename, and the folder after it
            (survives a power cut; about 4 ms a file, so bulk writers of files that can be
            regenerated, such as rendered images, pass False).

    Raises:
        OSError: the block wrote nothing at the temporary path.
    """
    directory = osp.dirname(osp.abspath(path))
    if not osp.isdir(directory):
        raise FileNotFoundError(f'output directory does not exist: {directory} (for {path})')
    temporary = _temporary_name(path)
    try:
        yield temporary
        if not osp.isfile(temporary):
            raise OSError(f'{path}: nothing was written (expected {temporary})')
        if durable:
            _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        if osp.lexists(temporary):
            os.remove(temporary)
        raise
    if durable:
        _fsync(directory)


def save_npz(path: str, arrays: dict, compressed: bool = True) -> str:
    """Write ``arrays`` as an ``.npz`` file atomically (:func:`atomic_output`).

    As ``np.savez``, '.npz' is appended to a name without it. Returns the path written.
    """
    if not path.endswith('.npz'):
        path += '.npz'
    with atomic_output(path) as temporary:
        (np.savez_compressed if compressed else np.savez)(temporary, **arrays)
    return path


def load_npz(path: str, required=(), what: str = '.npz file', hint: str = '',
             only_required: bool = False) -> dict:
    """The arrays of an ``.npz`` file (all, or only ``required`` with ``only_required``).

    Errors name the file: missing (``FileNotFoundError``, ``what`` and ``hint`` added),
    unreadable (``ValueError``), a ``required`` key absent (``KeyError``), a key that cannot
    be read, such as an object array, which is never unpickled (``ValueError`` naming the key).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path}{hint}')
    try:
        data = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise ValueError(f'{path}: not a readable .npz file ({error})') from error
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f'{path}: not an .npz file (a single .npy array of shape '
                         f'{data.shape}); the {what} is an .npz of named arrays')
    with data:
        missing = [key for key in required if key not in data.files]
        if missing:
            raise KeyError(f'{path}: missing keys {missing} (found: {sorted(data.files)})')
        arrays = {}
        for key in (required if only_required else data.files):
            try:
                arrays[key] = data[key]
            except Exception as error:   # noqa: BLE001  (any damage: name the file and key)
                raise ValueError(f"{path}: key '{key}' cannot be read ({type(error).__name__}: "
                                 f'{error})') from error
        return arrays


MAX_COORDINATE = 1e6    # pixels or metres: larger values in a file are damage
DTYPE_KINDS = dict(f='float', i='integer', u='unsigned integer', b='bool', U='text', S='bytes')


def check_array(path: str, key: str, array: np.ndarray, shape: tuple,
                kinds: str = 'fiu') -> np.ndarray:
    """The array ``key`` of the file ``path``, checked against ``shape`` (None: any length on
    that axis) and the dtype ``kinds`` (``DTYPE_KINDS``); the error names file, key, what was
    expected and what was found."""
    array = np.asarray(array)
    if (array.dtype.kind not in kinds or array.ndim != len(shape)
            or any(n is not None and n != m for n, m in zip(shape, array.shape))):
        expected = ', '.join('*' if n is None else str(n) for n in shape)
        raise ValueError(f"{path}: key '{key}' must be a "
                         f"{' or '.join(DTYPE_KINDS[k] for k in kinds)} array of shape "
                         f'({expected}{"," if len(shape) == 1 else ""}), got {array.dtype} '
                         f'{array.shape}')
    return array


def load_multiview_keypoints(path: str) -> dict:
    """Read and validate a multi-view 2D keypoints file.

    Keys: ``keypoints_2d`` (V, F, J, 3) pixels + score, ``intrinsics`` (V, 3, 3) pixels;
    optional ``distortion`` (V, 4|5|8), ``image_size`` (V, 2) (width, height),
    ``camera_names`` (V,), ``joint_names`` (J,), ``image_names`` (V, F) (the image of each entry;
    '' where the frame's sequence lacks the camera), ``session`` (F,) integers: the recording
    session of each frame (the cameras may have moved between sessions; any integer labels,
    e.g. the Human3.6M subject number), ``take`` (F,) integers: the continuous recording of
    each frame (a Human3.6M sequence), ``fps`` () the frames per second of the rows.

    Returns:
        dict of the arrays (float64 for the numeric ones, ``session`` int64, ``fps`` a float;
        absent optional keys are None).
    """
    arrays = load_npz(path, ('keypoints_2d', 'intrinsics'), 'multi-view keypoints file')
    keypoints_2d, intrinsics, distortion = check_multiview_inputs(
        arrays['keypoints_2d'], arrays['intrinsics'], arrays.get('distortion'), source=path)
    num_views, _, num_joints, _ = keypoints_2d.shape
    out = dict(keypoints_2d=keypoints_2d, intrinsics=intrinsics, distortion=distortion)
    for key, length in (('image_size', num_views), ('camera_names', num_views),
                        ('joint_names', num_joints)):
        value = arrays.get(key)
        if value is not None and value.shape[:1] != (length, ):
            raise ValueError(f"{path}: key '{key}' must have length {length}, got shape "
                             f'{value.shape}')
        out[key] = value
    names = arrays.get('image_names')
    if names is not None and names.shape != keypoints_2d.shape[:2]:
        raise ValueError(f"{path}: key 'image_names' must have shape (V, F) = "
                         f"{keypoints_2d.shape[:2]}, got {names.shape}")
    out['image_names'] = names
    if out['image_size'] is not None:
        size = check_array(path, 'image_size', out['image_size'], (num_views, 2))
        if not (np.isfinite(size) & (size >= 1) & (size < MAX_COORDINATE)).all():
            raise ValueError(f"{path}: key 'image_size' must hold (width, height) in pixels, "
                             f'each at least 1, got {size.tolist()}')
    session = arrays.get('session')
    out['session'] = None if session is None else check_session(session, keypoints_2d.shape[1],
                                                                path)
    take = arrays.get('take')
    out['take'] = None if take is None else check_array(path, 'take', take,
                                                        (keypoints_2d.shape[1], ), kinds='iu')
    fps = arrays.get('fps')
    if fps is not None:
        check_array(path, 'fps', fps, (), kinds='iuf')
        if not (np.isfinite(fps) and 0 < fps < MAX_COORDINATE):
            raise ValueError(f"{path}: key 'fps' must be the frames per second of the rows, a "
                             f'positive number, got {fps}')
        fps = float(fps)
    out['fps'] = fps
    return out


def save_pseudo_labels(path: str, labels: PseudoLabels) -> str:
    """Write pseudo labels (see :class:`PseudoLabels`) as an ``.npz`` file, atomically
    ('.npz' appended to a name without it). Returns the path written."""
    return save_npz(path, labels.as_dict())


def load_pseudo_labels_for(label_path: str, keypoints_path: str, num_frames: int,
                           num_views: Optional[int] = None) -> dict:
    """Read the pseudo labels made from a multi-view keypoints file, for a dataset.

    Returns ``keypoints_3d`` (F, J, 3), ``valid`` (F, J) bool, ``rotations`` (F, V, 3, 3),
    ``translations`` (F, V, 3), ``reference_view``, and what pairs labels with images
    (``docs/file_formats.md``): ``image_frame`` (F, V), ``frame_view_used`` (F, V),
    ``session`` (F,), ``session_ids`` (S,), ``intrinsics`` (S, V, 3, 3), ``distortion``
    (S, V, K) or None and ``focal_determined`` (S, V) bool (whether the detections determine
    each refined focal; None in files written before it); checked: F = ``num_frames``, V =
    ``num_views`` when given, and every valid joint finite. Errors name the file and the key;
    the error for a missing file gives the command that makes it.
    """
    if not osp.isfile(label_path):
        raise FileNotFoundError(
            f'pseudo-label file not found: {label_path}; make it once with '
            f'python tools/make_pseudo_labels.py {keypoints_path} {label_path}')
    keys = ('keypoints_3d', 'valid', 'rotations', 'translations', 'reference_view') + PAIRING_KEYS
    data = load_npz(label_path, keys, 'pseudo-label file')
    labels = {key: data[key] for key in keys}
    labels['distortion'] = data.get('distortion')
    labels['focal_determined'] = data.get('focal_determined')      # None in older files
    _check_pairing(label_path, labels)
    check_array(label_path, 'valid', labels['valid'], (None, None), kinds='b')
    if len(labels['valid']) != num_frames:
        raise ValueError(f"{label_path}: key 'valid' has {len(labels['valid'])} frames, but "
                         f'{keypoints_path} has {num_frames}: remake the labels from this file')
    frames, joints = labels['valid'].shape
    points = check_array(label_path, 'keypoints_3d', labels['keypoints_3d'], (frames, joints, 3))
    check_array(label_path, 'rotations', labels['rotations'], (frames, num_views, 3, 3))
    views = labels['rotations'].shape[1]
    check_array(label_path, 'translations', labels['translations'], (frames, views, 3))
    reference = labels['reference_view']
    if reference.shape != () or reference.dtype.kind not in 'iu' or not 0 <= reference < views:
        raise ValueError(f"{label_path}: key 'reference_view' must be one integer in [0, {views}),"
                         f' got {reference!r}')
    unusable = labels['valid'] & ~np.isfinite(points).all(-1)
    if unusable.any():
        frame, joint = np.argwhere(unusable)[0]
        raise ValueError(f"{label_path}: key 'valid' marks {int(unusable.sum())} joints valid "
                         f"whose 'keypoints_3d' are not finite (first: frame {frame}, joint "
                         f'{joint}): a damaged file, remake it')
    return labels


#: Label-file keys that say which image, camera and session each label belongs to.
PAIRING_KEYS = ('image_frame', 'frame_view_used', 'session', 'session_ids', 'intrinsics')


def _check_pairing(path: str, labels: dict) -> None:
    """Shapes and values of :data:`PAIRING_KEYS` (and ``distortion``, ``focal_determined``);
    errors name the key."""
    frames, views = labels['rotations'].shape[:2]
    ids = check_array(path, 'session_ids', labels['session_ids'], (None, ), kinds='iu')
    if (np.diff(ids) <= 0).any():
        raise ValueError(f"{path}: key 'session_ids' must be sorted and unique (each session's "
                         f'index is found by a sorted search), got {ids.tolist()}')
    sessions = len(ids)
    check_array(path, 'image_frame', labels['image_frame'], (frames, views), kinds='iu')
    check_array(path, 'frame_view_used', labels['frame_view_used'], (frames, views), kinds='b')
    check_array(path, 'session', labels['session'], (frames, ), kinds='iu')
    intrinsics = check_array(path, 'intrinsics', labels['intrinsics'], (sessions, views, 3, 3))
    if not np.isfinite(intrinsics).all() or (intrinsics[..., [0, 1], [0, 1]] <= 0).any():
        raise ValueError(f"{path}: key 'intrinsics' must be finite with positive focal lengths")
    if labels['distortion'] is not None:
        check_array(path, 'distortion', labels['distortion'], (sessions, views, None))
    if labels.get('focal_determined') is not None:
        check_array(path, 'focal_determined', labels['focal_determined'], (sessions, views),
                    kinds='b')
    if not np.isin(labels['session'], ids).all():
        raise ValueError(f"{path}: key 'session' holds sessions missing from 'session_ids'")
    image_frame = labels['image_frame']
    if ((image_frame < -1) | (image_frame >= frames)).any():
        raise ValueError(f"{path}: key 'image_frame' must hold frames in [-1, {frames})")


def load_predictions(path: str, hint: str = '') -> dict:
    """Read an image model's predictions file (``tools/predict_3d.py``): {sample id: (J, 3)}.

    Keys ``ids`` (N,) distinct integers, ``keypoints_3d`` (N, J, 3) numbers (a model's output
    may hold NaN: the consumer decides); errors name the file and the key.
    """
    data = load_npz(path, ('ids', 'keypoints_3d'), 'image-model predictions', hint,
                    only_required=True)
    ids = check_array(path, 'ids', data['ids'], (None, ), kinds='iu')
    poses = check_array(path, 'keypoints_3d', data['keypoints_3d'], (len(ids), None, 3))
    if len(np.unique(ids)) != len(ids):
        raise ValueError(f"{path}: key 'ids' repeats sample ids")
    return {int(i): pose for i, pose in zip(ids, poses)}


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Builds dicts, lists, tuples, strings, numbers and numpy arrays and scalars, nothing else:
    any other class or function in the pickle is refused before anything runs."""

    ALLOWED = {('numpy', 'ndarray'), ('numpy', 'dtype')} | {
        (module, name) for module in ('numpy.core.multiarray', 'numpy._core.multiarray')
        for name in ('_reconstruct', 'scalar')}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f'global {module}.{name} is not allowed (only '
                                         'containers, strings, numbers and numpy arrays)')
        if module == 'numpy._core.multiarray':      # numpy 2 writes it; numpy 1.26 has both
            module = 'numpy.core.multiarray'
        return super().find_class(module, name)


def _camera_numbers(path: str, camera, key: str, value, size: int, positive: bool = False):
    """(n,) float64 of a camera entry's ``key``; the error names file, camera and key."""
    try:
        array = np.ravel(np.asarray(value))
    except (TypeError, ValueError):      # ragged or unconvertible
        array = None
    if (array is None or array.dtype.kind not in 'fiu' or len(array) < size
            or not np.isfinite(array.astype(np.float64)).all()
            or (positive and (array <= 0).any())):
        raise ValueError(f"{path}: camera {camera!r}: key '{key}' must hold at least {size} "
                         f"finite{' positive' if positive else ''} numbers, got {value!r:.80}")
    return array.astype(np.float64)


def load_camera_params(path: str) -> dict:
    """Read a camera file of MMPose's dataset converters (Human3.6M's
    ``annotation_body3d/cameras.pkl``, MPI-INF-3DHP's ``annotations/cameras_*.pkl``).

    The file is a pickle ({(subject, camera id) or 'S1_Seq1_Cam0': dict with ``f`` (2,) and
    ``c`` (2,) pixels, ``k`` (3,), ``p`` (2,), ``w``, ``h``, ``R``, ``T``, ``name``, ``id``}).
    It is read with an
    unpickler that builds only containers, strings, numbers and numpy arrays: a crafted file
    cannot run code, it is refused. The intrinsics are checked (``f`` positive and ``c``
    finite, ``k`` >= 2 and ``p`` 2 finite numbers when present, ``w`` and ``h`` one
    non-negative number); the extrinsics ``R`` and ``T`` are never read.

    Returns:
        {camera key: the entry, with ``f``, ``c``, ``k``, ``p`` as float64 (n,)}.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'camera parameter file not found: {path}')
    try:
        with open(path, 'rb') as file:
            cameras = _ArraysOnlyUnpickler(file).load()
    except Exception as error:   # noqa: BLE001  (any damage: name the file)
        raise ValueError(f'{path}: not a readable camera file ({type(error).__name__}: '
                         f'{error})') from error
    if not isinstance(cameras, dict):
        raise ValueError(f'{path}: must hold a dict {{(subject, camera id): parameters}}, got '
                         f'{type(cameras).__name__}')
    out = {}
    for camera, param in cameras.items():
        if not (isinstance(camera, str) or isinstance(camera, tuple)
                and all(isinstance(k, str) for k in camera)):
            raise ValueError(f'{path}: keys must be strings or tuples of strings, such as '
                             f"(subject, camera id), got {camera!r:.80}")
        if not isinstance(param, dict):
            raise ValueError(f'{path}: camera {camera!r} must map to a dict of parameters, got '
                             f'{type(param).__name__}')
        missing = [key for key in ('f', 'c') if key not in param]
        if missing:
            raise KeyError(f'{path}: camera {camera!r}: missing keys {missing}')
        entry = dict(param, f=_camera_numbers(path, camera, 'f', param['f'], 2, positive=True),
                     c=_camera_numbers(path, camera, 'c', param['c'], 2))
        for key, size in (('k', 2), ('p', 2)):
            if key in param:
                entry[key] = _camera_numbers(path, camera, key, param[key], size)
        for key in ('w', 'h'):
            if key in param and (np.size(param[key]) != 1
                                 or _camera_numbers(path, camera, key, param[key], 1)[0] < 0):
                raise ValueError(f"{path}: camera {camera!r}: key '{key}' must be one "
                                 f'non-negative number (pixels), got {param[key]!r:.80}')
        out[camera] = entry
    return out


def load_calibration(path: str, num_views: int) -> tuple:
    """Read an intrinsics file of a camera rig: ``intrinsics`` (V, 3, 3) pixels, finite, with
    positive focal lengths, and optional ``distortion`` (V, 4|5|8) finite, OpenCV's order
    (zeros (V, 5) without it); V = ``num_views``. Errors name the file and the key.

    Returns:
        intrinsics (V, 3, 3) and distortion (V, n), float64.
    """
    data = load_npz(path, ('intrinsics', ), 'intrinsics file')
    intrinsics = check_array(path, 'intrinsics', data['intrinsics'], (num_views, 3, 3))
    intrinsics = intrinsics.astype(np.float64)
    if not np.isfinite(intrinsics).all() or (intrinsics[:, [0, 1], [0, 1]] <= 0).any():
        raise ValueError(f"{path}: key 'intrinsics' must be finite with positive focal lengths "
                         f'(pixels), got {intrinsics.reshape(num_views, 9).tolist()!s:.200}')
    distortion = data.get('distortion')
    if distortion is None:
        return intrinsics, np.zeros((num_views, 5))
    distortion = check_array(path, 'distortion', distortion, (num_views, None))
    if distortion.shape[1] not in (4, 5, 8) or not np.isfinite(distortion).all():
        raise ValueError(f"{path}: key 'distortion' must be (V, 4|5|8) finite numbers, got "
                         f'shape {distortion.shape}')
    return intrinsics, distortion.astype(np.float64)


def load_boxes(path: str, num_views: int, num_frames: int) -> np.ndarray:
    """Read a person-box file: ``boxes`` (V, F, 4) x1, y1, x2, y2 pixels; a row of NaN means
    the whole image, any other row must be finite with x2 > x1 and y2 > y1. Errors name the
    file, the key and the first bad row.

    Returns:
        boxes (V, F, 4) float64.
    """
    boxes = load_npz(path, ('boxes', ), 'boxes file', only_required=True)['boxes']
    boxes = check_array(path, 'boxes', boxes, (num_views, num_frames, 4)).astype(np.float64)
    whole_image = np.isnan(boxes).all(-1)
    good = np.isfinite(boxes).all(-1) & (boxes[..., 2] > boxes[..., 0]) & (
        boxes[..., 3] > boxes[..., 1])
    bad = ~(whole_image | good)
    if bad.any():
        view, frame = np.argwhere(bad)[0]
        raise ValueError(f"{path}: key 'boxes' has {int(bad.sum())} boxes that are neither "
                         f'finite with x2 > x1, y2 > y1 nor all NaN (the whole image); first: '
                         f'view {view}, frame {frame}: {boxes[view, frame].tolist()}')
    return boxes


def load_pose_annotation(path: str, required=('imgname', 'center', 'scale', 'part'),
                         only_required: bool = False) -> dict:
    """Read a 3D pose annotation file of MMPose's converters (``preprocess_h36m.py``,
    ``preprocess_mpi_inf_3dhp.py``), checked: the keys present among ``imgname`` (N,) text,
    ``center`` (N, 2) pixels and ``scale`` (N,) (box side / 200) finite, the side >= 1 pixel,
    ``part`` (N, J, 2|3) pixels (+ visibility; NaN = missing joint) and ``S`` (N, J, 3|4)
    metres, finite; the coordinates and scales below :data:`MAX_COORDINATE` in magnitude.
    Errors name the file, the key and the first bad row.
    """
    ann = load_npz(path, required, 'annotation file', only_required=only_required)
    shapes = dict(imgname=((None, ), 'US'), center=((None, 2), 'fiu'), scale=((None, ), 'fiu'),
                  part=((None, None, None), 'fiu'), S=((None, None, None), 'fiu'))
    for key, (shape, kinds) in shapes.items():
        if key in ann:
            check_array(path, key, ann[key], shape, kinds)
    rows = {len(ann[key]) for key in shapes if key in ann}
    if len(rows) > 1:
        raise ValueError(f'{path}: keys {[k for k in shapes if k in ann]} must have one row per '
                         f'image, got lengths {[len(ann[k]) for k in shapes if k in ann]}')
    for key, channels in (('part', (2, 3)), ('S', (3, 4))):
        if key in ann and ann[key].shape[-1] not in channels:
            raise ValueError(f"{path}: key '{key}' must have shape (N, J, "
                             f"{'|'.join(map(str, channels))}), got {ann[key].shape}")
    bad_rows = {      # in range: float32 (the samples' type) holds them and their differences
        'center': lambda a: ~(np.abs(a) < MAX_COORDINATE).all(-1),
        'scale': lambda a: ~((a * 200 >= 1) & (a < MAX_COORDINATE)),      # a box of >= 1 pixel
        'S': lambda a: ~(np.abs(a[..., :3]) < MAX_COORDINATE).all((-1, -2))}
    for key, is_bad in bad_rows.items():
        if key in ann:
            bad = is_bad(ann[key].astype(np.float64))
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise ValueError(f"{path}: key '{key}' has {int(bad.sum())} rows that are not "
                                 f"finite{' and at least 1/200' if key == 'scale' else ''} below "
                                 f"{MAX_COORDINATE:g} in magnitude; first: row {row} "
                                 f"({ann['imgname'][row] if 'imgname' in ann else ''}): "
                                 f'{ann[key][row].tolist()!s:.120}')
    return ann
