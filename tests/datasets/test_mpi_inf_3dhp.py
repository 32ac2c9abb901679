"""MultiViewMPIINF3DHPDataset reads the preprocess_mpi_inf_3dhp.py layout, in Human3.6M joints."""
import pickle

import numpy as np

from epipolar_plugin.datasets import MultiViewMPIINF3DHPDataset
from epipolar_plugin.datasets.h36m_multiview import parse_h36m_imgname
from epipolar_plugin.datasets.mpi_inf_3dhp import MPI_INF_3DHP_TO_H36M


def _to_3dhp(root, out):
    """Rewrite the synthetic training split with MPI-INF-3DHP names, joints and cameras."""
    ann = np.load(root / 'annotation_body3d' / 'fps10' / 'h36m_train.npz')
    with open(root / 'annotation_body3d' / 'cameras.pkl', 'rb') as file:
        cameras = pickle.load(file)
    inverse = np.argsort(MPI_INF_3DHP_TO_H36M)           # H36M order -> 3DHP order
    sequences, camera_index, names, params = {}, {}, [], {}
    for name in ann['imgname']:
        subject, sequence, camera, number = parse_h36m_imgname(name)
        seq = sequences.setdefault(sequence, len(sequences) + 1)
        cam = camera_index.setdefault(camera, len(camera_index))
        names.append(f'{subject}_Seq{seq}_Cam{cam}_{number:06d}.jpg')
        params[f'{subject}_Seq{seq}_Cam{cam}'] = {k: v for k, v in cameras[(subject, camera)].items()
                                                 if k in ('R', 'T', 'f', 'c', 'w', 'h')}
    (out / 'annotations').mkdir()
    np.savez(out / 'annotations' / 'mpi_inf_3dhp_train.npz', imgname=np.array(names),
             center=ann['center'], scale=ann['scale'], part=ann['part'][:, inverse],
             S=ann['S'][:, inverse])
    with open(out / 'annotations' / 'cameras_train.pkl', 'wb') as file:
        pickle.dump(params, file)
    return ann


def test_3dhp_layout_is_grouped_per_frame_in_h36m_joint_order(tiny_dataset, tmp_path):
    root, _ = tiny_dataset
    ann = _to_3dhp(root, tmp_path)
    dataset = MultiViewMPIINF3DHPDataset(
        data_root=str(tmp_path), ann_file='annotations/mpi_inf_3dhp_train.npz',
        camera_param_file='annotations/cameras_train.pkl', data_prefix=dict(img='images/'))
    assert len(dataset) == len(ann['imgname'])
    sample = dataset.get_data_info(0)
    row = sample['img_id']
    truth = ann['S'][row, :, :3]
    np.testing.assert_allclose(sample['lifting_target'][0], truth - truth[0], atol=1e-6)
    assert sample['view_keypoints_2d'].shape == (3, 17, 3)
    assert sample['target_img_path'][0].startswith('S1_Seq') and '.Cam' in sample['target_img_path'][0]


def test_single_camera_test_sequences_are_samples_of_one_view():
    assert MultiViewMPIINF3DHPDataset.parse_imgname('TS3_000042.jpg') == ('TS3', 'test', 'TS3', 42)
    assert MultiViewMPIINF3DHPDataset.camera_key('TS3', 'test', 'TS3') == 'TS3'
    assert MultiViewMPIINF3DHPDataset.parse_imgname('S2_Seq1_Cam8_000007.jpg') == (
        'S2', 'Seq1', 'Cam8', 7)
