"""The configs are built from the _base_ files by concern: one evaluator for all, the Human3.6M
recipe on the bases (not on the CPU-sized synthetic config), values consistent with each other."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(osp.basename(p)[:-3] for p in glob.glob(osp.join(ROOT, 'configs', '*.py')))
BASE = osp.join(ROOT, 'configs', '_base_')


def load(name):
    return Config.fromfile(osp.join(ROOT, 'configs', f'{name}.py'))


def metric_kinds(evaluator):
    return [(m['type'], m.get('mode'), tuple(m.get('k', ()))) for m in evaluator]


@pytest.mark.parametrize('name', CONFIGS)
def test_every_config_evaluates_with_the_base_evaluator_on_its_own_data(name):
    cfg = load(name)
    if cfg.get('val_evaluator') is None:           # e.g. epipolar_folder.py: no 3D ground truth
        assert cfg.get('val_dataloader') is None and cfg.get('test_evaluator') is None
        return
    base = Config.fromfile(osp.join(BASE, 'evaluation', 'mpjpe_pss.py'))
    assert metric_kinds(cfg.val_evaluator) == metric_kinds(base.val_evaluator)
    assert cfg.test_evaluator == cfg.val_evaluator
    pss = [m for m in cfg.val_evaluator if m.type == 'PSSMetric']
    assert [m.clusters_file for m in pss] == [
        cfg.val_dataloader.dataset.data_root + 'pss_clusters.npz']


@pytest.mark.parametrize('name', ['refine_h36m', 'refine_3dhp'])
def test_refinement_recipes_are_built_on_the_bases_not_on_the_synthetic_configs(name):
    cfg = load(name)
    for synthetic in ('epipolar_synthetic.py', 'refine_synthetic.py'):
        assert osp.join(ROOT, 'configs', synthetic) + '\n' not in cfg.text
    for base in ('epipolar_runtime.py', 'dataloaders/h36m_multiview.py',
                 'schedules/adam_multistep.py', 'evaluation/mpjpe_pss.py'):
        assert osp.join(BASE, base) + '\n' in cfg.text
    data_root = cfg.train_dataloader.dataset.data_root
    assert data_root == cfg.val_dataloader.dataset.data_root != 'data/synthetic/'
    assert cfg.model.type == 'PoseLifter' and cfg.train_cfg.max_epochs == 200


def test_h36m_recipe_is_built_on_the_bases_with_the_paper_settings():
    cfg = load('epipolar_h36m')
    synthetic = osp.join(ROOT, 'configs', 'epipolar_synthetic.py')
    assert synthetic + '\n' not in cfg.text             # not a child of the CPU-sized config
    for base in ('epipolar_runtime.py', 'models/resnet_integral3d.py',
                 'dataloaders/h36m_multiview.py', 'schedules/adam_multistep.py',
                 'evaluation/mpjpe_pss.py'):
        assert osp.join(BASE, base) + '\n' in cfg.text
    # EpipolarPose (Kocabas et al. 2019): ResNet-50, 256 x 256, 64 depth bins, Adam 1e-3,
    # 140 epochs with steps at 90 and 120, batch 32
    assert cfg.model.backbone.depth == 50 and cfg.model.backbone.init_cfg.type == 'Pretrained'
    assert cfg.input_size == (256, 256) and cfg.depth_bins == 64
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=1e-3)
    assert cfg.train_cfg.max_epochs == 140
    assert cfg.param_scheduler[0].milestones == [90, 120]
    assert cfg.train_dataloader.batch_size == 32
    steps = [t.type for t in cfg.train_dataloader.dataset.pipeline]
    assert 'RandomFlip' in steps and 'FlipTarget3D' in steps


@pytest.mark.parametrize('name', [n for n in CONFIGS if not n.startswith('refine')])
def test_image_model_values_agree_across_model_and_pipelines(name):
    """A value stated once as a variable reaches every place that uses it."""
    cfg = load(name)
    assert cfg.model.head.depth_bins == cfg.depth_bins
    assert cfg.model.head.decoder == cfg.codec
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(loader) is None:
            continue
        for step in cfg[loader].dataset.pipeline:
            if step.type == 'TopdownAffine':
                assert tuple(step.input_size) == tuple(cfg.input_size), loader
            if step.type == 'GenerateTarget':
                assert step.encoder == cfg.codec, loader


def test_no_local_metainfo_file_shadows_mmposes():
    """The multi-view datasets read their keypoint metainfo from the relative path
    'configs/_base_/datasets/h36m.py' (MMPose's file, found in its package when that path does
    not exist here): a base config of that name would be read as the skeleton."""
    assert not osp.exists(osp.join(BASE, 'datasets', 'h36m.py'))
