import shutil

import numpy as np
import pytest

from epipolar_plugin.evaluation import fit_pose_clusters, save_pose_clusters
from epipolar_plugin.fileio import load_multiview_keypoints, save_pseudo_labels
from epipolar_plugin.labels import make_pseudo_labels
from epipolar_plugin.synthetic import JOINT_NAMES, make_synthetic_dataset
from .helpers import ANN

TINY = dict(frames=10, num_cameras=3, size=96, seed=7, progress=False)


@pytest.fixture(scope='session')
def tiny_dataset(tmp_path_factory):
    """A small synthetic dataset in the Human3.6M layout (10 frames per subject, 3 cameras)."""
    root = tmp_path_factory.mktemp('synthetic')
    summary = make_synthetic_dataset(str(root), **TINY)
    return root, summary


@pytest.fixture(scope='session')
def prepared_tiny(tiny_dataset, tmp_path_factory):
    """A copy of the tiny dataset plus the training split's pooled pseudo labels and PSS
    clusters (the original stays byte-identical to a fresh generation)."""
    root = tmp_path_factory.mktemp('prepared') / 'synthetic'
    shutil.copytree(tiny_dataset[0], root)
    keypoints = load_multiview_keypoints(str(root / ANN / 'h36m_train_multiview_2d.npz'))
    labels = make_pseudo_labels(keypoints['keypoints_2d'], keypoints['intrinsics'],
                                keypoints['distortion'], session=keypoints['session'])
    save_pseudo_labels(str(root / ANN / 'h36m_train_pseudo_labels.npz'), labels)
    poses = np.load(root / ANN / 'h36m_train.npz')['S'][..., :3]
    save_pose_clusters(str(root / 'pss_clusters.npz'), {50: fit_pose_clusters(poses, 50),
                                                        100: fit_pose_clusters(poses, 100)},
                       list(JOINT_NAMES), 0, 'test', len(poses))
    return root


@pytest.fixture(autouse=True)
def mmpose_default_scope():
    """Build registry names in MMPose's scope, as configs do (default_scope='mmpose'), whatever
    scope an earlier test's runner left behind."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmpose'):
        yield
