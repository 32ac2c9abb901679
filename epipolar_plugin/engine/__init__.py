"""Runner-side pieces: safe checkpoint loading (weights_only with the types MMEngine checkpoints
hold), checkpoints saved so that a kill cannot corrupt them, gloo multi-process on CPU."""
from .checkpoint_loading import CHECKPOINT_GLOBALS, UNSAFE_ENV, load_from_local
from .checkpoint_saving import AtomicCheckpointHook, save_checkpoint
from .cpu_distributed import CPUDistributedDataParallel, setup_cpu_distributed

__all__ = ['load_from_local', 'CHECKPOINT_GLOBALS', 'UNSAFE_ENV', 'AtomicCheckpointHook',
           'save_checkpoint', 'CPUDistributedDataParallel', 'setup_cpu_distributed']
