"""The README's dataset recipes, command by command, on tiny fixtures in the real layouts.

Each recipe is the ``bash`` block that follows a ``<!-- recipe: NAME -->`` marker in README.md.
Its commands run here as written, in this process (each tool's ``main`` under its argv), from a
folder holding the fixture at the recipe's ``data/...`` path and, under the recipe's
``configs/<name>.py``, a child of the repository's config that is sized for a CPU (a small
ResNet without downloaded weights, one epoch). Only the checkpoint's epoch differs from the
README (``epoch_1.pth``: one epoch here).

- Human3.6M (MMPose's ``preprocess_h36m.py`` layout): the synthetic dataset, with per-subject
  rigs and a test sequence that lacks a camera (S11's Walking_1, as the real S11 Directions);
- MPI-INF-3DHP (``preprocess_mpi_inf_3dhp.py``'s layout): the same data renamed, with the test
  split as single-camera test sequences TS1, TS2, ...
"""
import json
import os.path as osp
import re
import shlex
import shutil
import sys

import numpy as np
import pytest

from .mpi_inf_3dhp_layout import write_mpi_inf_3dhp_layout
from .test_prepare_videos import load_tool

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
METRICS = ('MPJPE', 'N-MPJPE', 'P-MPJPE', 'PSS@50', 'PSS@100')
#: CPU-sized overrides of the image model's recipe (appended to a child of the real config)
IMAGE_MODEL_CHILD = """
model = dict(backbone=dict(depth=18, init_cfg=None),          # no downloaded weights
             head=dict(in_channels=512, depth_bins=8, deconv_out_channels=(16, 16, 16)))
"""
REFINEMENT_CHILD = """
model = dict(backbone=dict(stem_channels=64), head=dict(in_channels=64))
"""
CPU_LOADERS = """
train_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False)
val_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False,
                      dataset=dict(frame_step=1))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1)
default_hooks = dict(logger=dict(interval=1))
"""


def recipe_commands(name: str) -> list:
    """The commands of README.md's ``<!-- recipe: NAME -->`` block (continuations joined)."""
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as file:
        text = file.read()
    match = re.search(rf'<!-- recipe: {re.escape(name)} -->\s*```bash\n(.*?)```', text, re.S)
    assert match, f'README.md has no "<!-- recipe: {name} -->" bash block'
    lines = match.group(1).replace('\\\n', ' ').splitlines()
    return [line.split('#')[0].strip() for line in lines if line.strip().startswith('python ')]


def run_recipe(name: str, workspace, monkeypatch, capsys) -> dict:
    """Run the recipe's commands in ``workspace``; returns {command: its output}."""
    monkeypatch.chdir(workspace)
    outputs = {}
    for command in recipe_commands(name):
        argv = [re.sub(r'epoch_\d+\.pth$', 'epoch_1.pth', word)
                for word in shlex.split(command)[1:]]
        tool = osp.splitext(osp.basename(argv[0]))[0]
        monkeypatch.setattr(sys, 'argv', argv)
        load_tool(tool).main()
        outputs[command] = capsys.readouterr().out
    return outputs


def write_child_configs(workspace, names: dict) -> None:
    """``workspace/configs/<name>.py``: the repository's config plus the CPU overrides."""
    (workspace / 'configs').mkdir()
    for name, overrides in names.items():
        (workspace / 'configs' / f'{name}.py').write_text(
            f"_base_ = [{osp.join(ROOT, 'configs', name + '.py')!r}]\n{overrides}{CPU_LOADERS}")


def assert_tested(commands: dict, config: str) -> dict:
    """The metrics of ``tools/test.py configs/<config>.py CKPT --out FILE`` (its FILE)."""
    [command] = [c for c in commands if c.startswith(f'python tools/test.py configs/{config}.py')]
    words = shlex.split(command)
    with open(words[words.index('--out') + 1]) as file:
        values = json.load(file)
    for metric in METRICS:
        assert metric in values, f'{config}: tools/test.py gave no {metric}: {values}'
        assert np.isfinite(values[metric])
    return values


@pytest.fixture
def workspace(tmp_path):
    return tmp_path


def test_human36m_ground_truth_2d_recipe(tiny_dataset, workspace, monkeypatch, capsys):
    root, summary = tiny_dataset
    assert summary['missing_cameras'], 'the fixture needs a test sequence without a camera'
    shutil.copytree(root, workspace / 'data' / 'h36m')
    write_child_configs(workspace, dict(epipolar_h36m=IMAGE_MODEL_CHILD,
                                        refine_h36m=REFINEMENT_CHILD))
    outputs = run_recipe('h36m-gt2d', workspace, monkeypatch, capsys)
    [test_2d] = [out for command, out in outputs.items() if 'h36m_test.npz' in command]
    assert 'frames kept without a camera their sequence lacks' in test_2d
    assert '54138969: 2' in test_2d                     # S11's Walking_1, both of its frames
    image = assert_tested(outputs, 'epipolar_h36m')
    refined = assert_tested(outputs, 'refine_h36m')
    assert 0 <= image['PSS@50'] <= 1 and 0 <= refined['PSS@100'] <= 1
    ann = workspace / 'data' / 'h36m' / 'annotation_body3d' / 'fps10'
    with np.load(ann / 'h36m_train_pseudo_labels.npz') as labels:
        assert labels['valid'].mean() > 0.9              # ground-truth 2D: nearly every joint
    with np.load(workspace / 'data' / 'h36m' / 'pss_clusters.npz') as clusters:
        assert str(clusters['joint_names'][0]) == 'root'


def test_mpi_inf_3dhp_recipe(tiny_dataset, workspace, monkeypatch, capsys):
    root, _ = tiny_dataset
    write_mpi_inf_3dhp_layout(root, workspace / 'data' / 'mpi_inf_3dhp', images=True,
                              test_split=True)
    write_child_configs(workspace, dict(epipolar_3dhp=IMAGE_MODEL_CHILD,
                                        refine_3dhp=REFINEMENT_CHILD))
    outputs = run_recipe('mpi-inf-3dhp-gt2d', workspace, monkeypatch, capsys)
    assert_tested(outputs, 'epipolar_3dhp')
    assert_tested(outputs, 'refine_3dhp')
    with np.load(workspace / 'data' / 'mpi_inf_3dhp' / 'pss_clusters.npz') as clusters:
        # fitted in the plugin's (Human3.6M's) joint order, not the annotation's (head top)
        assert str(clusters['joint_names'][0]) == 'root'
        assert 'MPI-INF-3DHP' in str(clusters['source'])
