# Self-supervised EpipolarPose on Human3.6M with the paper's settings: ResNet-50, three
# deconvolutions of 256 channels, 64 x 64 x 64 volumes from 256 x 256 crops, Adam lr 1e-3,
# 140 epochs with steps at 90 and 120, batch 32. Data: MMPose's preprocess_h36m.py layout in
# data/h36m/ plus the multi-view 2D keypoints of your 2D model (tools/precompute_2d.py; or, for
# the paper's ground-truth-2D setting, the annotation's 2D without a model:
#   python tools/precompute_2d.py --from-annotation --h36m data/h36m \
#       data/h36m/annotation_body3d/fps10/h36m_train_multiview_2d.npz) and the
# pooled pseudo labels made from them once:
#   python tools/make_pseudo_labels.py data/h36m/annotation_body3d/fps10/h36m_train_multiview_2d.npz \
#       data/h36m/annotation_body3d/fps10/h36m_train_pseudo_labels.npz --mode pooled
#   python tools/make_pss_clusters.py data/h36m/annotation_body3d/fps10/h36m_train.npz \
#       data/h36m/pss_clusters.npz
_base_ = ['./epipolar_synthetic.py']

data_root = 'data/h36m/'
input_size = (256, 256)
depth_bins = 64
codec = dict(type='PixelDepthVolumeLabel', pose_size=1.9)

model = dict(
    backbone=dict(type='ResNet', depth=50, out_indices=(3, ),
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    head=dict(in_channels=2048, depth_bins=depth_bins, deconv_out_channels=(256, 256, 256),
              skip_channels=None, decoder=codec))     # the paper's head: 8 x 8 -> 64 x 64

pack = {{_base_.pack}}
augmentation = [
    dict(type='ProjectTarget3D'),       # the target's 2D part goes through the crop as keypoints
    dict(type='LoadImage'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='FlipTarget3D'),          # the 3D target mirrors (left/right renamed) with it
    dict(type='RandomBBoxTransform', shift_factor=0.05, scale_factor=(0.75, 1.25),
         rotate_factor=30.0),           # paper: scale 0.25, rotation 30 (depths do not turn)
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='GenerateTarget', encoder=codec), pack]
train_pipeline = [dict(type='EpipolarPseudoLabel', source='precomputed',
                       root_from=(1, 4))] + augmentation     # pelvis = mid-hips where hidden
ground_truth_train_pipeline = augmentation
val_pipeline = [dict(type='ProjectTarget3D'), dict(type='LoadImage'),
                dict(type='TopdownAffine', input_size=input_size),
                dict(type='GenerateTarget', encoder=codec), pack]
train_dataloader = dict(batch_size=32, num_workers=8, persistent_workers=True,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline, frame_step=1))
val_dataloader = dict(batch_size=64, num_workers=8, persistent_workers=True,
                      dataset=dict(data_root=data_root, pipeline=val_pipeline, frame_step=8))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='MPJPE', mode='mpjpe'),
    dict(type='MPJPE', mode='n-mpjpe'),
    dict(type='MPJPE', mode='p-mpjpe'),
    dict(type='PSSMetric', clusters_file=data_root + 'pss_clusters.npz', k=(50, 100)),
]
test_evaluator = val_evaluator

train_cfg = dict(by_epoch=True, max_epochs=140, val_interval=10)
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[90, 120], gamma=0.1)]
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=3,
                                     save_best='N-MPJPE', rule='less'))
