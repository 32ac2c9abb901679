# Multi-view data in the Human3.6M layout of MMPose's preprocess_h36m.py (data/h36m/; the
# synthetic dataset of tools/make_synthetic.py is written in the same layout):
#   images/<subject>/..., annotation_body3d/cameras.pkl, annotation_body3d/fps10/h36m_*.npz,
#   plus this plugin's files next to the annotations: the multi-view 2D keypoints
#   (tools/precompute_2d.py) and the pseudo labels (tools/make_pseudo_labels.py).
# Training reads the pseudo labels, never the 3D ground truth; validation and test read the
# ground truth of the test split. The pipelines belong to the recipes (they follow the model's
# codec and input size); a recipe sets pipeline= in each dataset below.
# Not in a folder named datasets/: the datasets read their skeleton from the relative path
# 'configs/_base_/datasets/h36m.py', which must stay MMPose's (nor data/: .gitignore'd).
dataset_type = 'MultiViewH36MDataset'
data_root = 'data/h36m/'
annotations = 'annotation_body3d/fps10/'
# The last step of every image pipeline: the camera travels with the sample as meta keys, the
# head decodes the crop's pixels through it (intrinsics, distortion, reference_view).
pack = dict(type='PackPoseInputs', meta_keys=(
    'id', 'img_id', 'img_path', 'target_img_path', 'input_size', 'input_center', 'input_scale',
    'intrinsics', 'distortion', 'reference_view'))

train_dataloader = dict(
    batch_size=32, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type, data_root=data_root, data_prefix=dict(img='images/'),
        ann_file=annotations + 'h36m_train.npz',
        camera_param_file='annotation_body3d/cameras.pkl',
        keypoints_2d_file=annotations + 'h36m_train_multiview_2d.npz',
        pseudo_label_file=annotations + 'h36m_train_pseudo_labels.npz',
        load_ground_truth=False))           # self-supervised: no 3D ground truth in training
val_dataloader = dict(
    batch_size=64, num_workers=8, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, data_prefix=dict(img='images/'),
        ann_file=annotations + 'h36m_test.npz',
        camera_param_file='annotation_body3d/cameras.pkl', test_mode=True))
test_dataloader = val_dataloader
