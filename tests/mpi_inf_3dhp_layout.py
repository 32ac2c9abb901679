"""A tiny MPI-INF-3DHP dataset in the layout of MMPose's ``preprocess_mpi_inf_3dhp.py``, made
from the synthetic Human3.6M-layout dataset: ``images/S1_Seq1_Cam0_000001.jpg`` (flat),
``annotations/mpi_inf_3dhp_train.npz`` (``imgname``, ``center``, ``scale``, ``part`` and ``S``
in MPI-INF-3DHP's joint order) and ``annotations/cameras_train.pkl`` keyed ``'S1_Seq1_Cam0'``
(``R``, ``T``, ``f``, ``c``, ``w``, ``h``; no distortion, as the converter writes); with
``test_split``, the test sequences ``images/TS1_000001.jpg``, one camera each, in
``annotations/mpi_inf_3dhp_test_valid.npz`` and ``annotations/cameras_test.pkl`` keyed
``'TS1'``."""
import os
import pickle
import shutil

import numpy as np

from epipolar_plugin.datasets.h36m_multiview import parse_h36m_imgname
from epipolar_plugin.datasets.mpi_inf_3dhp import MPI_INF_3DHP_TO_H36M

CAMERA_KEYS = ('R', 'T', 'f', 'c', 'w', 'h')


def write_mpi_inf_3dhp_layout(root, out, images: bool = False, drop=None,
                              principal_shift_px: float = 0.0,
                              test_split: bool = False) -> dict:
    """Rewrite the synthetic training split at ``root`` into ``out`` with MPI-INF-3DHP names,
    joints and cameras (sequences numbered Seq1, Seq2... in order of appearance, cameras Cam0,
    Cam1...); ``images`` also copies the images under their new names.

    Args:
        drop: optional (3DHP subject, sequence, camera), e.g. ``('S1', 'Seq2', 'Cam0')``: that
            sequence is written without that camera (no rows, no camera entry).
        principal_shift_px: camera CamN's principal point moves by N times this many pixels
            (in the camera file only: a camera's intrinsics then tell which camera they are).
        test_split: also write the synthetic test split as test sequences (the first camera
            of each (subject, sequence) as TS1, TS2, ...).

    Returns:
        the synthetic Human3.6M training annotation (its rows are the new annotation's rows,
        less the dropped ones).
    """
    ann = dict(np.load(root / 'annotation_body3d' / 'fps10' / 'h36m_train.npz'))
    with open(root / 'annotation_body3d' / 'cameras.pkl', 'rb') as file:
        cameras = pickle.load(file)
    sequences, camera_index, names, params, keep = {}, {}, [], {}, []
    (out / 'annotations').mkdir(parents=True)
    if images:
        os.makedirs(out / 'images')
    for name in ann['imgname']:
        subject, sequence, camera, number = parse_h36m_imgname(name)
        seq = sequences.setdefault(sequence, len(sequences) + 1)
        cam = camera_index.setdefault(camera, len(camera_index))
        keep.append(drop != (subject, f'Seq{seq}', f'Cam{cam}'))
        if not keep[-1]:
            continue
        names.append(f'{subject}_Seq{seq}_Cam{cam}_{number:06d}.jpg')
        param = {k: v for k, v in cameras[(subject, camera)].items() if k in CAMERA_KEYS}
        param['c'] = np.asarray(param['c']) + cam * principal_shift_px
        params[f'{subject}_Seq{seq}_Cam{cam}'] = param
        if images:
            shutil.copy(root / 'images' / str(name), out / 'images' / names[-1])
    ann = {key: value[np.array(keep)] for key, value in ann.items()}
    _save_annotation(out / 'annotations' / 'mpi_inf_3dhp_train.npz', names, ann)
    with open(out / 'annotations' / 'cameras_train.pkl', 'wb') as file:
        pickle.dump(params, file)
    if test_split:
        _write_test_sequences(root, out, cameras, images)
    return ann


def _save_annotation(path, names, ann) -> None:
    inverse = np.argsort(MPI_INF_3DHP_TO_H36M)           # H36M order -> 3DHP order
    np.savez(path, imgname=np.array(names), center=ann['center'], scale=ann['scale'],
             part=ann['part'][:, inverse], S=ann['S'][:, inverse])


def _write_test_sequences(root, out, cameras, images: bool) -> None:
    """The synthetic test split as MPI-INF-3DHP's test sequences: one camera each."""
    ann = np.load(root / 'annotation_body3d' / 'fps10' / 'h36m_test.npz')
    first_camera, rows, names, params = {}, [], [], {}
    for row, name in enumerate(ann['imgname']):
        subject, sequence, camera, number = parse_h36m_imgname(name)
        if first_camera.setdefault((subject, sequence), camera) != camera:
            continue
        test_sequence = f'TS{list(first_camera).index((subject, sequence)) + 1}'
        rows.append(row)
        names.append(f'{test_sequence}_{number:06d}.jpg')
        params[test_sequence] = {k: v for k, v in cameras[(subject, camera)].items()
                                 if k in CAMERA_KEYS}
        if images:
            shutil.copy(root / 'images' / str(name), out / 'images' / names[-1])
    _save_annotation(out / 'annotations' / 'mpi_inf_3dhp_test_valid.npz', names,
                     {key: ann[key][rows] for key in ann.files})
    with open(out / 'annotations' / 'cameras_test.pkl', 'wb') as file:
        pickle.dump(params, file)
