# Refinement unit on MPI-INF-3DHP (the layout of MMPose's preprocess_mpi_inf_3dhp.py in
# data/mpi_inf_3dhp/), joints mapped to Human3.6M's 17, with the settings of refine_h36m.py:
# trained on the pseudo labels of epipolar_3dhp.py, evaluated on the test sequences (TS1-TS6)
# with their detected 2D as input. Made once before training (README, MPI-INF-3DHP):
#   data/mpi_inf_3dhp/annotations/mpi_inf_3dhp_{train,test_valid}_multiview_2d.npz
#   data/mpi_inf_3dhp/annotations/mpi_inf_3dhp_train_pseudo_labels.npz, pss_clusters.npz
_base_ = ['./refine_h36m.py', './_base_/dataloaders/mpi_inf_3dhp_multiview.py']

data_root = _base_.mpi_inf_3dhp_root
train_dataloader = dict(dataset=_base_.mpi_inf_3dhp_train)
val_dataloader = dict(dataset=dict(
    _base_.mpi_inf_3dhp_test,
    keypoints_2d_file='annotations/mpi_inf_3dhp_test_valid_multiview_2d.npz'))  # detected 2D
test_dataloader = val_dataloader
val_evaluator = [dict(metric, clusters_file=data_root + 'pss_clusters.npz')
                 if metric.type == 'PSSMetric' else metric for metric in _base_.val_evaluator]
test_evaluator = val_evaluator
