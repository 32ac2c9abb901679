from .integral_volume import IntegralVolumeLabel

__all__ = ['IntegralVolumeLabel']
