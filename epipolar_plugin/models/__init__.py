"""Registered models: the integral 3D head, its codec and the 3D top-down estimator."""
from .codecs import IntegralVolumeLabel, PixelDepthVolumeLabel
from .heads import Integral3DHead, soft_argmax_3d
from .pose_estimator import EpipolarPoseEstimator

__all__ = ['IntegralVolumeLabel', 'PixelDepthVolumeLabel', 'Integral3DHead', 'soft_argmax_3d',
           'EpipolarPoseEstimator']
