# The fully supervised baseline of epipolar_h36m.py: same model, augmentation and schedule,
# trained on the 3D ground truth instead of the pseudo labels.
_base_ = ['./epipolar_h36m.py']

train_dataloader = dict(dataset=dict(
    keypoints_2d_file=None, pseudo_label_file=None, load_ground_truth=True,
    pipeline={{_base_.ground_truth_train_pipeline}}))
