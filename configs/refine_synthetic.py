# Refinement unit on the embedded synthetic dataset: MMPose's PoseLifter (simple-baseline TCN with
# 1-frame kernels + TemporalRegressionHead + ImagePoseLifting codec) lifts the reference view's
# *detected* 2D pose to 3D. Trained on the pooled pseudo labels only (load_ground_truth=False);
# evaluated on the test split's ground truth with detected 2D as input.
# Variant that also reads the image model's 3D output (per joint 2D + 3D): make the predictions
#   python tools/predict_3d.py work_dirs/epipolar_synthetic/epipolar_synthetic.py CKPT \
#       data/synthetic/annotation_body3d/fps10/h36m_{train,test}_image_pred.npz \
#       --ann-file annotation_body3d/fps10/h36m_{train,test}.npz
# then set image_inputs = True below. Measured on this dataset it is worse (the image model's
# predictions on its own training images are too good, so the lifter over-trusts them).
_base_ = ['./epipolar_synthetic.py']      # data, splits and evaluators of the image model

pose_size = 1.9             # metres: the image model's decoding scale (its codec's pose_size)
num_joints = 17
image_inputs = False        # True: also the image model's 3D (AttachImagePrediction)
lifting_codec = dict(type='ImagePoseLifting', num_keypoints=num_joints, root_index=0,
                     remove_root=False)   # (own names: base variables of the same name merge)

model = dict(
    _delete_=True,
    type='PoseLifter',
    backbone=dict(type='TCN', in_channels=(5 if image_inputs else 2) * num_joints,
                  stem_channels=512, num_blocks=2, kernel_sizes=(1, 1, 1), dropout=0.25),
    head=dict(type='TemporalRegressionHead', in_channels=512, num_joints=num_joints,
              loss=dict(type='MPJPELoss', use_target_weight=True), decoder=lifting_codec))

data_root = 'data/synthetic/'
annotations = 'annotation_body3d/fps10/'
predictions = data_root + annotations + 'h36m_{}_image_pred.npz'     # by tools/predict_3d.py
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
train_dataloader = dict(batch_size=64, num_workers=0, persistent_workers=False,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256, num_workers=0, persistent_workers=False,
    dataset=dict(keypoints_2d_file=annotations + 'h36m_test_multiview_2d.npz',  # detected 2D
                 pipeline=val_pipeline))
test_dataloader = val_dataloader

# schedule: Adam, lr 1e-3 (_base_/schedules/adam_multistep.py), 30 epochs, a step at 20
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=30)
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[20], gamma=0.1)]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1))
auto_scale_lr = dict(base_batch_size=64)
