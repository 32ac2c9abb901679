# Refinement unit on Human3.6M (the layout of MMPose's preprocess_h36m.py in data/h36m/): MMPose's
# PoseLifter (the simple baseline: TCN with 1-frame kernels, TemporalRegressionHead,
# ImagePoseLifting codec) lifts the reference view's *detected* 2D pose to 3D. Trained on the
# pseudo labels only (no 3D ground truth, no extrinsics), evaluated on the test split's ground
# truth with the test split's detected 2D as input. Made once before training (README, Human3.6M):
#   the training and test split's multi-view 2D (tools/precompute_2d.py, one command per split)
#     data/h36m/annotation_body3d/fps10/h36m_{train,test}_multiview_2d.npz
#   the training split's pseudo labels (tools/make_pseudo_labels.py)
#     data/h36m/annotation_body3d/fps10/h36m_train_pseudo_labels.npz
#   the PSS clusters (tools/make_pss_clusters.py)           data/h36m/pss_clusters.npz
# Variant that also reads the image model's 3D output (per joint 2D + 3D, image_inputs = True):
#   python tools/predict_3d.py IMAGE_CONFIG CKPT \
#       data/h36m/annotation_body3d/fps10/h36m_{train,test}_image_pred.npz \
#       --ann-file annotation_body3d/fps10/h36m_{train,test}.npz
_base_ = [
    './_base_/epipolar_runtime.py',            # MMPose runtime, the plugin, checkpoints, seed 0
    './_base_/dataloaders/h36m_multiview.py',  # the Human3.6M layout, multi-view loaders
    './_base_/schedules/adam_multistep.py',    # Adam, lr 1e-3
    './_base_/evaluation/mpjpe_pss.py',        # MPJPE, N-MPJPE, P-MPJPE, PSS@50/100
]

# ---------------------------------------------------------------------------------- model
pose_size = 1.9             # metres: the image model's decoding scale (its codec's pose_size)
num_joints = 17
image_inputs = False        # True: also the image model's 3D (AttachImagePrediction)
lifting_codec = dict(type='ImagePoseLifting', num_keypoints=num_joints, root_index=0,
                     remove_root=False)
model = dict(
    type='PoseLifter',
    backbone=dict(type='TCN', in_channels=(5 if image_inputs else 2) * num_joints,
                  stem_channels=1024, num_blocks=2, kernel_sizes=(1, 1, 1),  # simple baseline
                  dropout=0.25),
    head=dict(type='TemporalRegressionHead', in_channels=1024, num_joints=num_joints,
              loss=dict(type='MPJPELoss', use_target_weight=True), decoder=lifting_codec))

# ----------------------------------------------------------------------------------- data
data_root = 'data/h36m/'    # MMPose's preprocess_h36m.py output
annotations = _base_.annotations
predictions = data_root + annotations + 'h36m_{}_image_pred.npz'     # by tools/predict_3d.py
batch_size = 512            # MMEngine's is per process (--auto-scale-lr)
num_workers = 4
val_frame_step = 8          # every 8th test frame while training (1: the full test split)

# ------------------------------------------------------------------------------- pipeline
lifting_pack = dict(type='PackPoseInputs',
                    meta_keys=('id', 'img_id', 'img_path', 'target_img_path'))
train_pipeline = [
    dict(type='EpipolarPseudoLabel', source='precomputed',        # pseudo-3D target, no 3D truth
         root_from=(1, 4)),                                       # pelvis = mid-hips where hidden
    *([dict(type='AttachImagePrediction', predictions_file=predictions.format('train'))]
      if image_inputs else []),
    dict(type='RefinementInput', pose_size=pose_size, normalize_target=True,
         use_image_pose=image_inputs, image_pose_noise=0.04 if image_inputs else 0.0),
    dict(type='GenerateTarget', encoder=lifting_codec), lifting_pack]
val_pipeline = [
    *([dict(type='AttachImagePrediction', predictions_file=predictions.format('test'))]
      if image_inputs else []),
    dict(type='RefinementInput', pose_size=pose_size, use_image_pose=image_inputs),
    dict(type='GenerateTarget', encoder=lifting_codec), lifting_pack]
train_dataloader = dict(
    batch_size=batch_size, num_workers=num_workers, persistent_workers=True,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=batch_size, num_workers=num_workers, persistent_workers=True,
    dataset=dict(data_root=data_root, frame_step=val_frame_step,
                 keypoints_2d_file=annotations + 'h36m_test_multiview_2d.npz',  # detected 2D
                 pipeline=val_pipeline))
test_dataloader = val_dataloader

# ----------------------------------------------------------------------------- evaluation
val_evaluator = [dict(metric, clusters_file=data_root + 'pss_clusters.npz')
                 if metric.type == 'PSSMetric' else metric for metric in _base_.val_evaluator]
test_evaluator = val_evaluator

# ------------------------------------------------------------------------------- schedule
max_epochs = 200            # MMPose's simple baseline: 200 epochs, lr x 0.96 every epoch
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
param_scheduler = [dict(type='StepLR', step_size=1, gamma=0.96, by_epoch=True)]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1))
auto_scale_lr = dict(base_batch_size=64)   # --auto-scale-lr: lr x batch / 64 (MMPose: lr 1e-3 for 64)
