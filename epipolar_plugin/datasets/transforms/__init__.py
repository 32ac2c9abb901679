from .epipolar_pseudo_label import EpipolarPseudoLabel

__all__ = ['EpipolarPseudoLabel']
