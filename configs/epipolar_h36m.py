# Self-supervised EpipolarPose on Human3.6M (Kocabas et al., CVPR 2019), the paper's settings:
# ResNet-50, three deconvolutions of 256 channels, 64 x 64 x 64 volumes from 256 x 256 crops, Adam
# lr 1e-3, 140 epochs with steps at 90 and 120, batch 32, flip / scale / rotation augmentation.
# Data: MMPose's preprocess_h36m.py layout in data/h36m/ plus, made once (the README's Human3.6M
# recipe, every command), the multi-view 2D keypoints of your 2D model (or, for the paper's
# ground-truth-2D setting, the annotation's 2D without a model), the pseudo labels and the PSS
# clusters:
#   python tools/precompute_2d.py --from-annotation --h36m data/h36m \
#       --ann-file annotation_body3d/fps10/h36m_train.npz \
#       data/h36m/annotation_body3d/fps10/h36m_train_multiview_2d.npz
#   (or POSE2D_CONFIG POSE2D_CHECKPOINT instead of --from-annotation: your 2D model's keypoints)
#   python tools/make_pseudo_labels.py data/h36m/annotation_body3d/fps10/h36m_train_multiview_2d.npz \
#       data/h36m/annotation_body3d/fps10/h36m_train_pseudo_labels.npz
#   python tools/make_pss_clusters.py data/h36m/annotation_body3d/fps10/h36m_train.npz \
#       data/h36m/pss_clusters.npz
# Every number below is a config value (--cfg-options works on the dicts; the plain variables are
# read once, so change them here or in a child config that restates what uses them).
_base_ = [
    './_base_/epipolar_runtime.py',            # MMPose runtime, the plugin, checkpoints, seed 0
    './_base_/models/resnet_integral3d.py',    # ResNet + deconvolutions + integral 3D head
    './_base_/dataloaders/h36m_multiview.py',  # the Human3.6M layout, multi-view loaders
    './_base_/schedules/adam_multistep.py',    # Adam, step decay
    './_base_/evaluation/mpjpe_pss.py',        # MPJPE, N-MPJPE, P-MPJPE, PSS@50/100
]

# ---------------------------------------------------------------------------------- model
depth_bins = 64                  # paper: 64 depth bins (volume 64 x 64 x 64)
pose_size = 1.9                  # metres the volume spans (this plugin's codec: the mean size of
                                 # a 17-joint pose; N-MPJPE, P-MPJPE and PSS do not depend on it)
codec = dict(type='PixelDepthVolumeLabel', pose_size=pose_size)
model = dict(
    backbone=dict(type='ResNet', depth=50, out_indices=(3, ),           # paper: ResNet-50,
                  init_cfg=dict(type='Pretrained',                      # ImageNet-pretrained
                                checkpoint='torchvision://resnet50')),
    head=dict(in_channels=2048,                     # ResNet-50's last stage
              depth_bins=depth_bins,
              deconv_out_channels=(256, 256, 256),  # paper: 3 x 256, 8 x 8 -> 64 x 64
              skip_channels=None,                   # paper: none
              decoder=codec))

# ----------------------------------------------------------------------------------- data
data_root = 'data/h36m/'         # MMPose's preprocess_h36m.py output
batch_size = 32                  # paper: 32 (MMEngine's is per process; --auto-scale-lr)
val_batch_size = 64              # validation / test
num_workers = 8                  # loader processes per GPU
train_frame_step = 1             # every frame of the 10 fps training annotation
val_frame_step = 8               # every 8th test frame while training (1: the full test split)

# ------------------------------------------------------------------------------- pipeline
input_size = (256, 256)          # paper: 256 x 256 crops
flip = True                      # paper: horizontal flip (the 3D target mirrors with the image)
scale_factor = (0.75, 1.25)      # paper: scale factor 0.25
rotate_factor = 30.0             # paper: rotation factor 30 degrees (depths do not turn)
shift_factor = 0.05              # box centre shifts up to 5 % of its size (not in the paper)
# Pseudo labels: 'precomputed' reads the labels of tools/make_pseudo_labels.py (made with its
# flags --min-score, --ransac-threshold, --outlier-threshold ...); 'per_frame' is the paper's
# route, labelling each frame here with label_options (LabelOptions as a nested dict).
pseudo_label_source = 'precomputed'
label_options = dict(
    min_score=0.3,                                # joints with a lower 2D score are not used
    pose=dict(ransac_threshold=2.5),              # relative pose RANSAC, in detector noise units
    triangulation=dict(outlier_threshold=4.0))    # label joint outliers, in detector noise units
pack = _base_.pack               # PackPoseInputs with the camera's meta keys
augmentation = [
    dict(type='ProjectTarget3D'),       # the target's 2D part goes through the crop as keypoints
    dict(type='LoadImage'),
    *([dict(type='RandomFlip', direction='horizontal'),
       dict(type='FlipTarget3D')]       # the 3D target mirrors (left/right renamed) with it
      if flip else []),
    dict(type='RandomBBoxTransform', shift_factor=shift_factor, scale_factor=scale_factor,
         rotate_factor=rotate_factor),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='GenerateTarget', encoder=codec), pack]
pseudo_label = dict(type='EpipolarPseudoLabel', source=pseudo_label_source,
                    root_from=(1, 4))            # pelvis = mid-hips where hidden
if pseudo_label_source != 'precomputed':
    pseudo_label['label_options'] = label_options
train_pipeline = [pseudo_label] + augmentation
# the supervised baseline (supervised_h36m.py): the same steps on the 3D ground truth
ground_truth_train_pipeline = augmentation
val_pipeline = [dict(type='ProjectTarget3D'), dict(type='LoadImage'),
                dict(type='TopdownAffine', input_size=input_size),
                dict(type='GenerateTarget', encoder=codec), pack]
train_dataloader = dict(
    batch_size=batch_size, num_workers=num_workers, persistent_workers=True,
    dataset=dict(data_root=data_root, pipeline=train_pipeline, frame_step=train_frame_step))
val_dataloader = dict(
    batch_size=val_batch_size, num_workers=num_workers, persistent_workers=True,
    dataset=dict(data_root=data_root, pipeline=val_pipeline, frame_step=val_frame_step))
test_dataloader = val_dataloader

# ----------------------------------------------------------------------------- evaluation
# _base_/evaluation/mpjpe_pss.py with this data_root's PSS clusters (tools/make_pss_clusters.py)
val_evaluator = [dict(metric, clusters_file=data_root + 'pss_clusters.npz')
                 if metric.type == 'PSSMetric' else metric for metric in _base_.val_evaluator]
test_evaluator = val_evaluator

# ------------------------------------------------------------------------------- schedule
max_epochs = 140                 # paper: 140 epochs
lr = 1e-3                        # paper: Adam, lr 1e-3
milestones = [90, 120]           # paper: lr x 0.1 at epochs 90 and 120
val_interval = 10                # validate every 10 epochs
optim_wrapper = dict(optimizer=dict(type='Adam', lr=lr))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=milestones, gamma=0.1)]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=3,
                                     save_best='N-MPJPE', rule='less'))   # and the best one
