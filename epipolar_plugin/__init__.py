"""epipolar-plugin: EpipolarPose for MMPose 1.x.

Importing the package (directly or through a config's
``custom_imports = dict(imports=['epipolar_plugin'], allow_failed_imports=False)``) registers its
components in MMPose's registries (listed in :mod:`epipolar_plugin.registry`) and makes
MMEngine load local checkpoints on torch >= 2.6 (:mod:`epipolar_plugin.engine`).
The pure geometry (:mod:`epipolar_plugin.geometry`) and the synthetic data generator
(:mod:`epipolar_plugin.synthetic`) need neither MMPose nor MMEngine.
"""
from . import engine  # noqa: F401  (checkpoint loading fix, registered on import)
from . import datasets, evaluation, models  # noqa: F401  (registered components)
from .registry import REGISTERED_COMPONENTS
from .version import __version__

__all__ = ['__version__', 'REGISTERED_COMPONENTS']
