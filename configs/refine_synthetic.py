# Refinement unit on the embedded synthetic dataset: MMPose's PoseLifter (simple-baseline TCN with
# 1-frame kernels + TemporalRegressionHead + ImagePoseLifting codec) maps the image model's 3D output
# and the reference view's detected 2D pose to a refined 3D pose. Trained on the pooled pseudo labels
# only (load_ground_truth=False); evaluated on the test split's ground truth.
# Inputs come from the trained image model (configs/epipolar_synthetic.py):
#   python tools/predict_3d.py work_dirs/epipolar_synthetic/epipolar_synthetic.py CKPT \
#       data/synthetic/annotation_body3d/fps10/h36m_train_image_pred.npz \
#       --ann-file annotation_body3d/fps10/h36m_train.npz        (and the same for h36m_test)
_base_ = ['./_base_/epipolar_runtime.py']

data_root = 'data/synthetic/'
annotations = 'annotation_body3d/fps10/'
num_joints = 17
pose_size = 1.9             # metres: the image model's decoding scale (IntegralVolumeLabel)
codec = dict(type='ImagePoseLifting', num_keypoints=num_joints, root_index=0, remove_root=False)

model = dict(
    type='PoseLifter',
    backbone=dict(type='TCN', in_channels=5 * num_joints, stem_channels=512, num_blocks=2,
                  kernel_sizes=(1, 1, 1), dropout=0.25),
    head=dict(type='TemporalRegressionHead', in_channels=512, num_joints=num_joints,
              loss=dict(type='MPJPELoss', use_target_weight=True), decoder=codec))

dataset_type = 'MultiViewH36MDataset'
pack = dict(type='PackPoseInputs', meta_keys=('id', 'img_id', 'img_path', 'target_img_path'))
train_pipeline = [
    dict(type='EpipolarPseudoLabel', source='precomputed'),       # pseudo-3D target, no 3D truth
    dict(type='AttachImagePrediction',
         predictions_file=data_root + annotations + 'h36m_train_image_pred.npz'),
    dict(type='RefinementInput', pose_size=pose_size, normalize_target=True),
    dict(type='GenerateTarget', encoder=codec), pack]
val_pipeline = [
    dict(type='AttachImagePrediction',
         predictions_file=data_root + annotations + 'h36m_test_image_pred.npz'),
    dict(type='RefinementInput', pose_size=pose_size),
    dict(type='GenerateTarget', encoder=codec), pack]
train_dataloader = dict(
    batch_size=64, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type, data_root=data_root, data_prefix=dict(img='images/'),
        ann_file=annotations + 'h36m_train.npz',
        camera_param_file='annotation_body3d/cameras.pkl',
        keypoints_2d_file=annotations + 'h36m_train_multiview_2d.npz',
        pseudo_label_file=annotations + 'h36m_train_pseudo_labels.npz',
        load_ground_truth=False,            # self-supervised: no 3D ground truth in training
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256, num_workers=0, persistent_workers=False, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, data_prefix=dict(img='images/'),
        ann_file=annotations + 'h36m_test.npz',
        camera_param_file='annotation_body3d/cameras.pkl',
        keypoints_2d_file=annotations + 'h36m_test_multiview_2d.npz',   # detections, not truth
        test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='MPJPE', mode='mpjpe'),
    dict(type='MPJPE', mode='n-mpjpe'),
    dict(type='MPJPE', mode='p-mpjpe'),
    dict(type='PSSMetric', clusters_file=data_root + 'pss_clusters.npz', k=(50, 100)),
]
test_evaluator = val_evaluator

train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=30)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[20], gamma=0.1)]
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=1),
    logger=dict(type='LoggerHook', interval=50))
randomness = dict(seed=0)
auto_scale_lr = dict(base_batch_size=64)
