from .integral_volume import IntegralVolumeLabel
from .pixel_depth_volume import PixelDepthVolumeLabel

__all__ = ['IntegralVolumeLabel', 'PixelDepthVolumeLabel']
