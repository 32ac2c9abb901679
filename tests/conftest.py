import pytest

from epipolar_plugin.synthetic import make_synthetic_dataset

TINY = dict(frames=10, num_cameras=3, size=96, seed=7, progress=False)


@pytest.fixture(scope='session')
def tiny_dataset(tmp_path_factory):
    """A small synthetic dataset in the Human3.6M layout (10 frames per subject, 3 cameras)."""
    root = tmp_path_factory.mktemp('synthetic')
    summary = make_synthetic_dataset(str(root), **TINY)
    return root, summary
