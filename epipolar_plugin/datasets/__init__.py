"""Registered datasets (views grouped per frame) and transforms (pseudo-3D targets)."""
from .base_multiview_dataset import BaseMultiViewDataset, MultiViewFrame
from .h36m_multiview import MultiViewH36MDataset
from .mpi_inf_3dhp import MultiViewMPIINF3DHPDataset
from .multiview_folder import MultiViewFolderDataset
from .transforms import (AttachImagePrediction, CropRotation3D, EpipolarPseudoLabel,
                         FlipTarget3D, ProjectTarget3D, RefinementInput)

__all__ = ['BaseMultiViewDataset', 'MultiViewFrame', 'MultiViewH36MDataset',
           'MultiViewMPIINF3DHPDataset', 'MultiViewFolderDataset', 'EpipolarPseudoLabel',
           'CropRotation3D', 'FlipTarget3D', 'ProjectTarget3D', 'AttachImagePrediction',
           'RefinementInput']
