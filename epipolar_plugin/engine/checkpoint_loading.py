"""Loading of local checkpoints on torch >= 2.6 (the one place this plugin patches MMEngine).

mmengine 0.10.7 loads local checkpoints with ``torch.load(filename, map_location)``. Since
torch 2.6, ``torch.load`` defaults to ``weights_only=True``, which refuses the non-tensor
objects MMEngine itself stores in every checkpoint (message hub, ``HistoryBuffer``, numpy
scalars), so ``--resume`` and ``load_from`` fail (open-mmlab/mmengine#1655, fixed only on
MMEngine's main branch). The local scheme ('' prefix) of MMEngine's ``CheckpointLoader`` is
re-registered here with ``weights_only=False``: checkpoints are full pickles, so load only
files you trust, exactly as with torch < 2.6.
"""
import os.path as osp

import torch
from mmengine.runner.checkpoint import CheckpointLoader


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_from_local(filename: str, map_location=None):
    """Load a local checkpoint file (MMEngine's loader with ``weights_only=False``)."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)
