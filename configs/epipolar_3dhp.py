# Self-supervised EpipolarPose on MPI-INF-3DHP (the layout of MMPose's
# preprocess_mpi_inf_3dhp.py in data/mpi_inf_3dhp/), joints mapped to Human3.6M's 17, with the
# settings of epipolar_h36m.py. Training views: the 8 chest-height cameras commonly used
# (0, 1, 2, 4, 5, 6, 7, 8), the ones preprocess_mpi_inf_3dhp.py extracts. Evaluation: the test
# sequences TS1-TS6 (annotations/mpi_inf_3dhp_test_valid.npz, one camera each).
# Made once before training (the README's MPI-INF-3DHP recipe, every command):
#   python tools/precompute_2d.py --from-annotation --mpi-inf-3dhp data/mpi_inf_3dhp \
#       --ann-file annotations/mpi_inf_3dhp_train.npz \
#       data/mpi_inf_3dhp/annotations/mpi_inf_3dhp_train_multiview_2d.npz
#   (or POSE2D_CONFIG POSE2D_CHECKPOINT instead of --from-annotation: your 2D model's keypoints)
#   python tools/make_pseudo_labels.py data/mpi_inf_3dhp/annotations/mpi_inf_3dhp_train_multiview_2d.npz \
#       data/mpi_inf_3dhp/annotations/mpi_inf_3dhp_train_pseudo_labels.npz
#   python tools/make_pss_clusters.py data/mpi_inf_3dhp/annotations/mpi_inf_3dhp_train.npz \
#       data/mpi_inf_3dhp/pss_clusters.npz
_base_ = ['./epipolar_h36m.py', './_base_/dataloaders/mpi_inf_3dhp_multiview.py']

data_root = _base_.mpi_inf_3dhp_root
train_dataloader = dict(dataset=_base_.mpi_inf_3dhp_train)
val_dataloader = dict(dataset=dict(_base_.mpi_inf_3dhp_test))
test_dataloader = val_dataloader
# the evaluator of _base_/evaluation/mpjpe_pss.py with this dataset's PSS clusters
val_evaluator = [dict(metric, clusters_file=data_root + 'pss_clusters.npz')
                 if metric.type == 'PSSMetric' else metric for metric in _base_.val_evaluator]
test_evaluator = val_evaluator
