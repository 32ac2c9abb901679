"""A tiny MPI-INF-3DHP dataset in the layout of MMPose's ``preprocess_mpi_inf_3dhp.py``, made
from the synthetic Human3.6M-layout dataset: ``images/S1_Seq1_Cam0_000001.jpg`` (flat),
``annotations/mpi_inf_3dhp_train.npz`` (``imgname``, ``center``, ``scale``, ``part`` and ``S``
in MPI-INF-3DHP's joint order) and ``annotations/cameras_train.pkl`` keyed ``'S1_Seq1_Cam0'``
(``R``, ``T``, ``f``, ``c``, ``w``, ``h``; no distortion, as the converter writes)."""
import os
import pickle
import shutil

import numpy as np

from epipolar_plugin.datasets.h36m_multiview import parse_h36m_imgname
from epipolar_plugin.datasets.mpi_inf_3dhp import MPI_INF_3DHP_TO_H36M


def write_mpi_inf_3dhp_layout(root, out, images: bool = False) -> dict:
    """Rewrite the synthetic training split at ``root`` into ``out`` with MPI-INF-3DHP names,
    joints and cameras (sequences numbered Seq1, Seq2... in order of appearance, cameras Cam0,
    Cam1...); ``images`` also copies the images under their new names.

    Returns:
        the synthetic Human3.6M annotation (its rows are the new annotation's rows).
    """
    ann = np.load(root / 'annotation_body3d' / 'fps10' / 'h36m_train.npz')
    with open(root / 'annotation_body3d' / 'cameras.pkl', 'rb') as file:
        cameras = pickle.load(file)
    inverse = np.argsort(MPI_INF_3DHP_TO_H36M)           # H36M order -> 3DHP order
    sequences, camera_index, names, params = {}, {}, [], {}
    if images:
        os.makedirs(out / 'images')
    for name in ann['imgname']:
        subject, sequence, camera, number = parse_h36m_imgname(name)
        seq = sequences.setdefault(sequence, len(sequences) + 1)
        cam = camera_index.setdefault(camera, len(camera_index))
        names.append(f'{subject}_Seq{seq}_Cam{cam}_{number:06d}.jpg')
        params[f'{subject}_Seq{seq}_Cam{cam}'] = {
            k: v for k, v in cameras[(subject, camera)].items()
            if k in ('R', 'T', 'f', 'c', 'w', 'h')}
        if images:
            shutil.copy(root / 'images' / str(name), out / 'images' / names[-1])
    (out / 'annotations').mkdir()
    np.savez(out / 'annotations' / 'mpi_inf_3dhp_train.npz', imgname=np.array(names),
             center=ann['center'], scale=ann['scale'], part=ann['part'][:, inverse],
             S=ann['S'][:, inverse])
    with open(out / 'annotations' / 'cameras_train.pkl', 'wb') as file:
        pickle.dump(params, file)
    return ann
