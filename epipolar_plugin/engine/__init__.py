"""Runner-side pieces: the checkpoint loading fix for torch >= 2.6."""
from .checkpoint_loading import load_from_local

__all__ = ['load_from_local']
