"""Registered datasets (views grouped per frame) and transforms (pseudo-3D targets)."""
from .h36m_multiview import MultiViewH36MDataset
from .transforms import EpipolarPseudoLabel

__all__ = ['MultiViewH36MDataset', 'EpipolarPseudoLabel']
