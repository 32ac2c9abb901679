from .integral_3d_head import Integral3DHead, soft_argmax_3d

__all__ = ['Integral3DHead', 'soft_argmax_3d']
