# The runtime every epipolar-plugin config starts from: MMPose's default runtime (hooks,
# logging, checkpoints every epoch, env_cfg for single GPU / DDP / Slurm) plus the plugin.
_base_ = ['mmpose::_base_/default_runtime.py']

# Registers the plugin's datasets, transforms, heads, codecs and metrics.
custom_imports = dict(imports=['epipolar_plugin'], allow_failed_imports=False)
