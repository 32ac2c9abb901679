"""The plugin installs into MMPose: registries, configs with custom_imports and mmpose:: bases."""
import importlib
import os.path as osp

import pytest
from mmengine.config import Config

import epipolar_plugin
from epipolar_plugin import REGISTERED_COMPONENTS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_version():
    assert isinstance(epipolar_plugin.__version__, str) and epipolar_plugin.__version__


@pytest.mark.parametrize('registry_name', sorted(REGISTERED_COMPONENTS))
def test_registered_components(registry_name):
    registry = getattr(importlib.import_module('mmpose.registry'), registry_name)
    for name in REGISTERED_COMPONENTS[registry_name]:
        assert registry.get(name) is not None, f'{name} missing from mmpose {registry_name}'


def test_local_checkpoint_loader_is_the_plugins():
    from mmengine.runner.checkpoint import CheckpointLoader
    assert CheckpointLoader._schemes[''] is epipolar_plugin.engine.load_from_local


def test_base_runtime_config_builds():
    cfg = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'epipolar_runtime.py'))
    assert cfg.custom_imports == dict(imports=['epipolar_plugin'], allow_failed_imports=False)
    # inherited from mmpose::_base_/default_runtime.py
    assert cfg.default_scope == 'mmpose'
    assert cfg.default_hooks.checkpoint.type == 'CheckpointHook'
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'


def test_config_with_custom_imports_and_mmpose_base(tmp_path):
    path = tmp_path / 'user_config.py'
    path.write_text(f"_base_ = [{osp.join(ROOT, 'configs', '_base_', 'epipolar_runtime.py')!r}]\n"
                    "train_cfg = dict(by_epoch=True, max_epochs=3)\n")
    cfg = Config.fromfile(str(path))
    assert cfg.train_cfg.max_epochs == 3
    assert cfg.custom_imports.imports == ['epipolar_plugin']


def test_failing_custom_import_is_an_error(tmp_path):
    path = tmp_path / 'bad.py'
    path.write_text("custom_imports = dict(imports=['epipolar_plugin_missing'], "
                    'allow_failed_imports=False)\n')
    with pytest.raises(ImportError):
        Config.fromfile(str(path))


@pytest.mark.parametrize('name', ['epipolar_synthetic', 'supervised_synthetic', 'epipolar_h36m',
                                  'supervised_h36m', 'epipolar_3dhp'])
def test_configs_build_their_model(name):
    import torch
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, 'configs', f'{name}.py'))
    init_default_scope('mmpose')
    model = MODELS.build(cfg.model)
    steps = {t['type']: t for t in cfg.train_dataloader.dataset.pipeline}
    size = steps['TopdownAffine']['input_size']
    with torch.no_grad():
        out = model.head(model.backbone(torch.zeros(1, 3, size[1], size[0])))
    assert out.shape == (1, 17, 3)
    supervised = name.startswith('supervised')
    assert cfg.train_dataloader.dataset.get('load_ground_truth', True) == supervised
    steps = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert ('EpipolarPseudoLabel' in steps) != supervised
    # the target's projection goes through MMPose's flip and crop; a flip renames its 3D joints
    assert steps.index('ProjectTarget3D') < steps.index('TopdownAffine')
    if 'RandomFlip' in steps:
        assert steps.index('RandomFlip') < steps.index('FlipTarget3D') < steps.index(
            'GenerateTarget')
    else:
        assert 'FlipTarget3D' not in steps


@pytest.mark.parametrize('name, test_2d', [
    ('refine_synthetic', 'h36m_test_multiview_2d.npz'),
    ('refine_h36m', 'h36m_test_multiview_2d.npz'),
    ('refine_3dhp', 'mpi_inf_3dhp_test_valid_multiview_2d.npz')])
def test_refinement_configs_build_a_pose_lifter_without_ground_truth(name, test_2d):
    import torch
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, 'configs', f'{name}.py'))
    init_default_scope('mmpose')
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        out = model.head(model.backbone(torch.zeros(2, 17 * 2, 1)))
    assert out.shape == (2, 17, 3)
    assert cfg.train_dataloader.dataset.load_ground_truth is False
    assert cfg.val_dataloader.dataset.keypoints_2d_file.endswith(test_2d)
    steps = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert steps[:2] == ['EpipolarPseudoLabel', 'RefinementInput']
    from mmpose.registry import TRANSFORMS
    for loader in ('train_dataloader', 'val_dataloader'):
        for step in cfg[loader].dataset.pipeline:      # e.g. a codec merged with a base's codec
            TRANSFORMS.build(step)


def test_the_docs_list_every_label_mode_and_the_cli_offers_them():
    """The label-mode registry is the one list: docs/pseudo_labels.md's table, the command's
    choices and the transform's single-frame sources are checked against it."""
    import re
    import subprocess
    import sys
    from epipolar_plugin.datasets import EpipolarPseudoLabel
    from epipolar_plugin.labels import LABEL_MODES
    from epipolar_plugin.labels.label_modes import single_frame_modes
    docs = open(osp.join(ROOT, 'docs', 'pseudo_labels.md')).read()
    table = docs[docs.index('## Label modes'):docs.index('Every option is a field')]
    assert re.findall(r'^\| `(\w+)`', table, re.M) == list(LABEL_MODES)
    usage = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'make_pseudo_labels.py'),
                            '--help'], capture_output=True, text=True, check=True).stdout
    assert '{' + ','.join(LABEL_MODES) + '}' in usage
    for mode in single_frame_modes():
        assert EpipolarPseudoLabel(source=mode).label_options.mode == mode
    with pytest.raises(ValueError, match='source must be one of'):
        EpipolarPseudoLabel(source='robust')          # pooled: needs the whole sequence
