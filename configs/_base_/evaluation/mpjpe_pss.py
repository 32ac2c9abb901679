# The evaluation of every config, validation and test alike: MMPose's MPJPE family on the
# root-relative 3D ground truth, and EpipolarPose's Pose Structure Score.
# PSS compares the cluster of each prediction with the ground truth's among k pose clusters
# made once per dataset by tools/make_pss_clusters.py into <data_root>pss_clusters.npz. A config
# on another data_root keeps this list and points the PSS metric there:
#   val_evaluator = [dict(metric, clusters_file=data_root + 'pss_clusters.npz')
#                    if metric.type == 'PSSMetric' else metric for metric in _base_.val_evaluator]
#   test_evaluator = val_evaluator
val_evaluator = [
    dict(type='MPJPE', mode='mpjpe'),      # root-relative; the scale through pose_size
    dict(type='MPJPE', mode='n-mpjpe'),    # after scale alignment (the labels' scale is free)
    dict(type='MPJPE', mode='p-mpjpe'),    # after Procrustes alignment
    dict(type='PSSMetric', clusters_file='data/h36m/pss_clusters.npz',
         k=(50, 100)),                     # paper: PSS@50 and PSS@100
]
test_evaluator = val_evaluator
