"""Runner-side pieces: the checkpoint loading fix for torch >= 2.6, gloo multi-process on CPU."""
from .checkpoint_loading import load_from_local
from .cpu_distributed import CPUDistributedDataParallel, setup_cpu_distributed

__all__ = ['load_from_local', 'CPUDistributedDataParallel', 'setup_cpu_distributed']
