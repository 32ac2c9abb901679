# Refinement unit on Human3.6M (see refine_synthetic.py): MMPose's PoseLifter on the detected 2D of
# the reference view (data/h36m/annotation_body3d/fps10/h36m_{train,test}_multiview_2d.npz from
# tools/precompute_2d.py), trained on the pooled pseudo labels only, evaluated on the test split.
_base_ = ['./refine_synthetic.py']

data_root = 'data/h36m/'
model = dict(backbone=dict(stem_channels=1024), head=dict(in_channels=1024))  # simple baseline

train_dataloader = dict(batch_size=512, num_workers=4, persistent_workers=True,
                        dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root, frame_step=8))
test_dataloader = val_dataloader
# the evaluator of _base_/evaluation/mpjpe_pss.py with this dataset's PSS clusters
val_evaluator = [dict(metric, clusters_file=data_root + 'pss_clusters.npz')
                 if metric.type == 'PSSMetric' else metric for metric in _base_.val_evaluator]
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=200, val_interval=10)    # MMPose's simple baseline: 200 epochs
param_scheduler = [dict(type='StepLR', step_size=1, gamma=0.96, by_epoch=True)]
