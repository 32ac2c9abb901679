"""Packaging of epipolar-plugin.

The supported installation is ``bash tools/setup_env.sh`` (see README): mmpose 1.3.2 declares
``chumpy``, which does not build, and mmengine/mmpose declare ``opencv-python``, which clashes with
the headless build, so the script installs the OpenMMLab packages without dependencies and the
plugin with ``pip install --no-deps -e .``. ``install_requires`` still states the pinned stack.
"""
import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_version() -> str:
    text = (HERE / 'epipolar_plugin' / 'version.py').read_text()
    return re.search(r"__version__ = '([^']+)'", text).group(1)


setup(
    name='epipolar-plugin',
    version=read_version(),
    description=('MMPose plugin: monocular 3D human pose trained from multi-view images '
                 'without 3D ground truth or camera extrinsics (EpipolarPose)'),
    long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['epipolar_plugin', 'epipolar_plugin.*']),
    python_requires='>=3.8,<3.12',
    install_requires=[
        'torch==2.13.*',
        'torchvision==0.28.*',
        'mmcv==2.1.0',
        'mmengine==0.10.7',
        'mmdet==3.3.0',
        'mmpose==1.3.2',
        'numpy<2',
        'opencv-python-headless>=4.5,<5',
        'scipy',
        'scikit-learn',
        'matplotlib',
        'tqdm',
    ],
    extras_require={'tests': ['pytest']},
    license='Apache-2.0',
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
