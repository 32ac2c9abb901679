"""Multi-process training and testing on CPU-only machines (gloo) inside MMEngine's runner.

MMEngine 0.10.7's ``pytorch`` launcher calls ``torch.cuda.set_device`` and wraps the model in
DDP with ``device_ids=[LOCAL_RANK]``, and both fail without a GPU. ``setup_cpu_distributed``
initializes the gloo process group from torchrun's environment first (the runner then skips
its own initialization) and selects a DDP wrapper without device ids. With a GPU it does
nothing: MMEngine's path (nccl) is used unchanged.
"""
import atexit
import warnings
from datetime import timedelta

import torch
import torch.distributed as torch_dist
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for CPU processes: ``device_ids`` are dropped (DDP accepts
    them for GPU modules only)."""

    def __init__(self, module, device_ids=None, **kwargs):
        super().__init__(module=module, device_ids=None, **kwargs)


def _destroy_process_group() -> None:
    if not torch_dist.is_initialized():
        return
    try:   # ranks leave together; a rank that failed delays the others by the timeout only
        torch_dist.monitored_barrier(timeout=timedelta(seconds=60))
    except RuntimeError:
        pass
    torch_dist.destroy_process_group()


def setup_cpu_distributed(cfg) -> bool:
    """Prepare ``cfg`` (launched by torchrun, ``cfg.launcher == 'pytorch'``) for gloo on CPU.

    Returns:
        True when the CPU path was set up, False when nothing was needed (no launcher, a GPU
        is available, or the process group already exists).
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return False
    if not torch_dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
        extra = {} if timeout is None else dict(timeout=timedelta(seconds=timeout))
        torch_dist.init_process_group(backend='gloo', init_method='env://', **extra)
        # tear gloo down before the interpreter does: left to exit, its threads can abort a rank
        atexit.register(_destroy_process_group)
    wrapper = cfg.get('model_wrapper_cfg')
    if wrapper is not None and wrapper.get('type') != 'CPUDistributedDataParallel':
        warnings.warn(f'model_wrapper_cfg {wrapper} is kept on a CPU-only machine; a DDP '
                      'wrapper given GPU device_ids fails there (use CPUDistributedDataParallel)')
    if wrapper is None:
        cfg.model_wrapper_cfg = dict(
            type='CPUDistributedDataParallel', broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    return True
