import numpy as np
import pytest
from scipy.spatial.transform import Rotation


@pytest.fixture
def two_views():
    """A reference camera and a second one 60 degrees around a point cloud 4 m away."""
    rng = np.random.default_rng(0)
    points = rng.uniform([-0.8, -0.9, 3.5], [0.8, 0.9, 4.5], (60, 3))  # reference frame
    rotation = Rotation.from_euler('y', -60, degrees=True).as_matrix()
    centre = np.array([0.0, 0.0, 4.0])
    translation = centre - rotation @ centre                            # looks at the centre
    return points, rotation, translation


def project(points, rotation, translation):
    cam = points @ rotation.T + translation
    return cam[:, :2] / cam[:, 2:]
