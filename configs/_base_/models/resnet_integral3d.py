# The EpipolarPose network (Kocabas et al., CVPR 2019), i.e. Sun et al.'s integral regression
# (ECCV 2018) on Xiao et al.'s simple baseline: an MMPose ResNet, three deconvolutions, a 1 x 1
# convolution to num_joints x depth_bins volumes and the soft-argmax (integral) over each volume.
# The defaults are the paper's; a recipe overrides the numbers (epipolar_synthetic.py: ResNet-18).
# No pretrained weights here: the recipe names them (epipolar_h36m.py: torchvision's ResNet-50).
depth_bins = 64                    # paper: 64 (64 x 64 x 64 volumes from 256 x 256 crops)
# x, y: where the joint is in the input crop; z: its depth relative to the root, in the same
# units; the volume spans pose_size metres (1.9: the mean size of a 17-joint human pose)
codec = dict(type='PixelDepthVolumeLabel', pose_size=1.9)

model = dict(
    type='EpipolarPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),   # ImageNet's
    backbone=dict(type='ResNet', depth=50, out_indices=(3, )),             # paper: ResNet-50
    head=dict(type='Integral3DHead', in_channels=2048, num_joints=17, depth_bins=depth_bins,
              deconv_out_channels=(256, 256, 256),       # paper: 3 x 256, stride 2: /32 -> /4
              skip_channels=None,                        # paper: no skips from earlier stages
              loss=dict(type='L1Loss', use_target_weight=True),     # paper: L1 on coordinates
              decoder=codec),
    test_cfg=dict(flip_test=False))
