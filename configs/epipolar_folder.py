# Self-supervised 3D pose on your own synchronized cameras (docs/own_cameras.md):
#   data/my_rig/frames/<camera>/<frame>.jpg    tools/prepare_videos.py (+ frames/intrinsics.npz)
#   data/my_rig/keypoints_2d.npz               tools/precompute_2d.py --folder data/my_rig/frames
#   data/my_rig/pseudo_labels.npz              tools/make_pseudo_labels.py
# No 3D ground truth, so no validation: every camera's frames are training samples.
# The CPU-sized model of epipolar_synthetic.py (ResNet-18, 64 x 64 crops, 16^3 volumes). On a GPU,
# inherit './epipolar_h36m.py' instead (the paper's ResNet-50, 256 x 256 crops, 64^3 volumes,
# 140 epochs); the lines below stay as they are.
# Other paths: --cfg-options train_dataloader.dataset.data_root=data/other_rig/
_base_ = ['./epipolar_synthetic.py']

data_root = 'data/my_rig/'
train_dataloader = dict(
    dataset=dict(
        _delete_=True, type='MultiViewFolderDataset', data_root=data_root,
        data_prefix=dict(img='frames/'),
        keypoints_2d_file='keypoints_2d.npz', pseudo_label_file='pseudo_labels.npz',
        reference_views=None,                 # camera names to train on (default: all)
        frame_step=1,                         # keep every frame_step-th frame
        pipeline={{_base_.train_pipeline}}))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
# the schedule (epochs) is the base config's: 5 epochs here, 140 on './epipolar_h36m.py'
