# MPI-INF-3DHP in the layout of MMPose's preprocess_mpi_inf_3dhp.py (data/mpi_inf_3dhp/), joints
# mapped to Human3.6M's 17: the training and test datasets of its recipes (epipolar_3dhp.py,
# refine_3dhp.py), which put them into the Human3.6M loaders of their own bases. Names of their
# own: a config may not take one key from two bases.
mpi_inf_3dhp_root = 'data/mpi_inf_3dhp/'
mpi_inf_3dhp_train = dict(
    type='MultiViewMPIINF3DHPDataset', data_root=mpi_inf_3dhp_root,
    ann_file='annotations/mpi_inf_3dhp_train.npz',
    camera_param_file='annotations/cameras_train.pkl',
    keypoints_2d_file='annotations/mpi_inf_3dhp_train_multiview_2d.npz',
    pseudo_label_file='annotations/mpi_inf_3dhp_train_pseudo_labels.npz',
    # the 8 chest-height cameras commonly used, the ones preprocess_mpi_inf_3dhp.py extracts
    reference_views=['Cam0', 'Cam1', 'Cam2', 'Cam4', 'Cam5', 'Cam6', 'Cam7', 'Cam8'],
    frame_step=10)                         # 3DHP is filmed at 25-50 fps: keep every 10th frame
mpi_inf_3dhp_test = dict(                  # the test sequences TS1-TS6, one camera each
    type='MultiViewMPIINF3DHPDataset', data_root=mpi_inf_3dhp_root,
    ann_file='annotations/mpi_inf_3dhp_test_valid.npz',
    camera_param_file='annotations/cameras_test.pkl', frame_step=1)
