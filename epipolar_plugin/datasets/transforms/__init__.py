from .crop_rotation_3d import CropRotation3D
from .epipolar_pseudo_label import EpipolarPseudoLabel
from .flip_target_3d import FlipTarget3D
from .project_target_3d import ProjectTarget3D
from .refinement_input import AttachImagePrediction, RefinementInput

__all__ = ['AttachImagePrediction', 'CropRotation3D', 'EpipolarPseudoLabel', 'FlipTarget3D',
           'ProjectTarget3D', 'RefinementInput']
