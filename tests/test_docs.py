"""Every command that README.md and docs/ show exists as shown: the script is there, its argparse
accepts every flag the command gives it, and every config it names exists."""
import functools
import glob
import os.path as osp
import re
import subprocess
import sys

import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DOCUMENTS = ['README.md'] + sorted(osp.relpath(p, ROOT)
                                   for p in glob.glob(osp.join(ROOT, 'docs', '*.md')))
#: a command line inside a shell block: optional VAR=value assignments, then the program
COMMAND = re.compile(r'^(?:[A-Z_]+=\S+\s+)*(python|bash)\s+(tools/\S+)(.*)$')


def shell_commands(document: str) -> list:
    """(line number, script, arguments) of every ``python tools/...`` or ``bash tools/...``
    line in the document's ```bash blocks (continuation lines joined, comments dropped)."""
    text = open(osp.join(ROOT, document), encoding='utf-8').read()
    commands = []
    for block in re.finditer(r'```bash\n(.*?)```', text, re.S):
        first_line = text[:block.start()].count('\n') + 2
        joined = block.group(1).replace('\\\n', ' ')
        for offset, line in enumerate(joined.split('\n')):
            match = COMMAND.match(line.split(' #')[0].strip())
            if match:
                commands.append((first_line + offset, match.group(2), match.group(3)))
    return commands


ALL_COMMANDS = [(document, *command) for document in DOCUMENTS
                for command in shell_commands(document)]


@functools.lru_cache(maxsize=None)
def tool_help(script: str) -> str:
    result = subprocess.run([sys.executable, osp.join(ROOT, script), '--help'],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, f'{script} --help failed: {result.stderr[-2000:]}'
    return result.stdout


def test_the_documents_show_commands():
    assert len(ALL_COMMANDS) >= 20
    assert {'README.md', 'docs/own_cameras.md'} <= {document for document, *_ in ALL_COMMANDS}


@pytest.mark.parametrize('document, line, script, arguments', ALL_COMMANDS,
                         ids=[f'{d}:{n}' for d, n, *_ in ALL_COMMANDS])
def test_command_exists_as_shown(document, line, script, arguments):
    where = f'{document}:{line}'
    assert osp.isfile(osp.join(ROOT, script)), f'{where}: no {script}'
    for config in re.findall(r'\bconfigs/[\w/]+\.py', arguments):
        assert osp.isfile(osp.join(ROOT, config)), f'{where}: no {config}'
    flags = set(re.findall(r'(?<![\w-])(--[a-z][\w-]*)', arguments))
    if not script.endswith('.py') or not flags:
        return
    usage = tool_help(script)
    for flag in sorted(flags):
        assert re.search(rf'(?<![\w-]){re.escape(flag)}(?![\w-])', usage), (
            f'{where}: {script} does not accept {flag}')


def test_the_mmpose_config_snippet_trains_one_iteration(prepared_tiny, tmp_path):
    """README's complete config, on the tiny dataset in the Human3.6M layout with a CPU-sized
    backbone (no downloaded weights), builds and trains one iteration."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    text = open(osp.join(ROOT, 'README.md'), encoding='utf-8').read()
    match = re.search(r'<!-- snippet: mmpose-config -->\s*```python\n(.*?)```', text, re.S)
    assert match, 'README.md has no "<!-- snippet: mmpose-config -->" python block'
    path = tmp_path / 'user_config.py'
    path.write_text(match.group(1))
    cfg = Config.fromfile(str(path))
    cfg.merge_from_dict({
        'model.backbone.depth': 18, 'model.head.in_channels': 512, 'model.head.depth_bins': 8,
        'train_dataloader.batch_size': 4, 'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'train_dataloader.dataset.data_root': f'{prepared_tiny}/',
        'val_dataloader.batch_size': 16, 'val_dataloader.num_workers': 0,
        'val_dataloader.dataset.data_root': f'{prepared_tiny}/',
        'work_dir': str(tmp_path / 'work')})
    cfg.val_evaluator[-1].clusters_file = str(prepared_tiny / 'pss_clusters.npz')
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1)   # then validation
    runner = Runner.from_cfg(cfg)
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss_pose3d').data[0]
    assert len(losses) == 1 and np.isfinite(losses).all()
    assert np.isfinite(runner.message_hub.get_scalar('val/PSS@50').current())
