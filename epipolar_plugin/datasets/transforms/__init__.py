from .crop_rotation_3d import CropRotation3D
from .epipolar_pseudo_label import EpipolarPseudoLabel

__all__ = ['CropRotation3D', 'EpipolarPseudoLabel']
