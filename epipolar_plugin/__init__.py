"""epipolar-plugin: EpipolarPose for MMPose 1.x."""
from .version import __version__

__all__ = ['__version__']
