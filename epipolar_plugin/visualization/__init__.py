"""Pictures: 3D skeleton grids (matplotlib)."""
from .skeleton_plot import H36M_PARENTS, draw_skeleton, save_skeleton_grid

__all__ = ['H36M_PARENTS', 'draw_skeleton', 'save_skeleton_grid']
