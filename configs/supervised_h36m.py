# The fully supervised baseline of epipolar_h36m.py: same model, augmentation and schedule,
# trained on the 3D ground truth instead of the pseudo labels.
_base_ = ['./epipolar_h36m.py']

input_size = {{_base_.input_size}}
codec = {{_base_.codec}}
train_dataloader = dict(dataset=dict(
    keypoints_2d_file=None, pseudo_label_file=None, load_ground_truth=True,
    pipeline=[
        dict(type='LoadImage'),
        dict(type='RandomBBoxTransform', shift_factor=0.05, scale_factor=(0.75, 1.25),
             rotate_factor=30.0),
        dict(type='TopdownAffine', input_size=input_size),
        dict(type='GenerateTarget', encoder=codec),          # ground truth, not pseudo labels
        dict(type='PackPoseInputs', meta_keys=('id', 'img_id', 'img_path', 'target_img_path',
                                               'input_size', 'input_center', 'input_scale')),
    ]))
