# Runtime of every epipolar-plugin config: MMPose's default runtime (default hooks, logging every
# 50 iterations, the visualizer, env_cfg for single GPU / DDP / Slurm, by-epoch loops with empty
# val_cfg / test_cfg) plus the plugin, its checkpoint policy and a fixed seed.
_base_ = ['mmpose::_base_/default_runtime.py']

# Registers the plugin's datasets, transforms, heads, codecs and metrics (and its safe
# checkpoint loading).
custom_imports = dict(imports=['epipolar_plugin'], allow_failed_imports=False)

# A checkpoint every epoch, the last two kept (--resume goes on from the latest); the recipes
# with long schedules save less often and keep the best (epipolar_h36m.py).
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2))
randomness = dict(seed=0)          # reproducible runs (MMEngine seeds Python, NumPy and torch)
