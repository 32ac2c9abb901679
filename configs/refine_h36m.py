# Refinement unit on Human3.6M (see refine_synthetic.py): MMPose's PoseLifter on the 3D output of
# configs/epipolar_h36m.py and the detected 2D of the reference view, trained on the pooled pseudo
# labels only. Inputs, once the image model is trained:
#   python tools/predict_3d.py work_dirs/epipolar_h36m/epipolar_h36m.py CKPT \
#       data/h36m/annotation_body3d/fps10/h36m_train_image_pred.npz \
#       --ann-file annotation_body3d/fps10/h36m_train.npz      (and the same for h36m_test)
_base_ = ['./refine_synthetic.py']

data_root = 'data/h36m/'
annotations = 'annotation_body3d/fps10/'
model = dict(backbone=dict(stem_channels=1024), head=dict(in_channels=1024))  # simple baseline

train_dataloader = dict(dataset=dict(data_root=data_root, pipeline=[
    dict(type='EpipolarPseudoLabel', source='precomputed'),
    dict(type='AttachImagePrediction',
         predictions_file=data_root + annotations + 'h36m_train_image_pred.npz'),
    dict(type='RefinementInput', pose_size={{_base_.pose_size}}, normalize_target=True),
    dict(type='GenerateTarget', encoder={{_base_.codec}}), {{_base_.pack}}]))
val_dataloader = dict(dataset=dict(data_root=data_root, frame_step=8, pipeline=[
    dict(type='AttachImagePrediction',
         predictions_file=data_root + annotations + 'h36m_test_image_pred.npz'),
    dict(type='RefinementInput', pose_size={{_base_.pose_size}}),
    dict(type='GenerateTarget', encoder={{_base_.codec}}), {{_base_.pack}}]))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='MPJPE', mode='mpjpe'),
    dict(type='MPJPE', mode='n-mpjpe'),
    dict(type='MPJPE', mode='p-mpjpe'),
    dict(type='PSSMetric', clusters_file=data_root + 'pss_clusters.npz', k=(50, 100)),
]
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=200, val_interval=10)    # MMPose's simple baseline: 200 epochs
param_scheduler = [dict(type='StepLR', step_size=1, gamma=0.96, by_epoch=True)]
train_dataloader.update(batch_size=512, num_workers=4, persistent_workers=True)
