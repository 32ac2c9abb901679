"""Every file is written all or nothing: fileio.atomic_output, and writers killed with SIGKILL."""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from epipolar_plugin.fileio import atomic_output, save_npz, stale_temporaries
from epipolar_plugin.synthetic import JOINT_NAMES, make_scene

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _entries(folder):
    """{name: (inode, size, mtime)} of a folder: any write shows up as a change."""
    out = {}
    for entry in os.scandir(folder):
        try:
            stat = entry.stat()
        except FileNotFoundError:       # renamed away between the listing and the stat
            continue
        out[entry.name] = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    return out


def test_success_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / 'a.json'
    path.write_text('old')
    with atomic_output(str(path)) as temporary:
        assert osp.dirname(temporary) == str(tmp_path) and temporary.endswith('.json')
        with open(temporary, 'w') as file:
            json.dump({'new': 1}, file)
        assert path.read_text() == 'old'        # nothing visible before the block ends
    assert json.loads(path.read_text()) == {'new': 1}
    assert sorted(os.listdir(tmp_path)) == ['a.json']


def test_error_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    path = tmp_path / 'a.npz'
    save_npz(str(path), dict(x=np.arange(3)))
    with pytest.raises(RuntimeError, match='writer failed'):
        with atomic_output(str(path)) as temporary:
            np.savez(temporary, x=np.arange(5))
            raise RuntimeError('writer failed')
    with np.load(path) as data:
        assert data['x'].tolist() == [0, 1, 2]
    assert sorted(os.listdir(tmp_path)) == ['a.npz']


def test_nothing_written_is_an_error_and_a_missing_folder_is_named(tmp_path):
    with pytest.raises(OSError, match='nothing was written'):
        with atomic_output(str(tmp_path / 'a.png')):
            pass                                # e.g. a writer that failed without raising
    assert not (tmp_path / 'a.png').exists() and not os.listdir(tmp_path)
    with pytest.raises(FileNotFoundError, match='no_such_folder'):
        with atomic_output(str(tmp_path / 'no_such_folder' / 'a.json')):
            pass


def test_save_npz_appends_the_extension_as_numpy_does(tmp_path):
    written = save_npz(str(tmp_path / 'labels'), dict(x=np.ones(2)), compressed=False)
    assert written == str(tmp_path / 'labels.npz')
    assert sorted(os.listdir(tmp_path)) == ['labels.npz']


def test_image_writers_keep_their_format(tmp_path):
    path = tmp_path / 'picture.png'
    with atomic_output(str(path)) as temporary:
        assert cv2.imwrite(temporary, np.full((4, 5, 3), 7, np.uint8))
    assert cv2.imread(str(path)).shape == (4, 5, 3)


def test_stale_temporaries_are_found_by_pattern(tmp_path):
    stale = tmp_path / '.epoch_2.0123456789ab.tmp.pth'
    stale.write_bytes(b'part')
    (tmp_path / '.epoch_2.pth.other').write_bytes(b'not ours')
    assert stale_temporaries(str(tmp_path / '*.pth')) == [str(stale)]
    assert stale_temporaries(str(tmp_path / 'epoch_2.pth')) == [str(stale)]
    assert stale_temporaries(str(tmp_path / 'epoch_3.pth')) == []


def _write_keypoints(path, seed):
    scene = make_scene(100, 3, seed=seed)
    save_npz(str(path), dict(keypoints_2d=scene.keypoints_2d, intrinsics=scene.intrinsics,
                             distortion=scene.distortion, joint_names=np.array(JOINT_NAMES)))


def _make_labels(source, out):
    return [sys.executable, osp.join(ROOT, 'tools', 'make_pseudo_labels.py'), str(source),
            str(out), '--mode', 'pooled']


def _read_outputs(folder):
    """The label file's arrays and its summary, read back completely."""
    with np.load(folder / 'labels.npz', allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    return arrays, json.loads((folder / 'labels_summary.json').read_text())


def _same(a, b):
    return a.keys() == b.keys() and all(
        a[k].shape == b[k].shape and np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == 'f')
        for k in a)


@pytest.fixture(scope='module')
def two_label_runs(tmp_path_factory):
    """Keypoints files of two captures and the complete outputs of each (the second made in
    a folder of its own, as the reference of what a finished second run writes)."""
    root = tmp_path_factory.mktemp('labels')
    outputs = []
    for seed in (1, 2):
        _write_keypoints(root / f'capture{seed}.npz', seed=seed)
        (root / f'out{seed}').mkdir()
        subprocess.run(_make_labels(root / f'capture{seed}.npz', root / f'out{seed}' / 'labels.npz'),
                       check=True, capture_output=True)
        outputs.append(_read_outputs(root / f'out{seed}'))
    return root, outputs


@pytest.mark.parametrize('changes_before_kill', [1, 2])
def test_make_pseudo_labels_killed_while_writing_leaves_complete_files(
        two_label_runs, tmp_path, changes_before_kill):
    """A run over the outputs of another is killed with SIGKILL as soon as the output folder
    changes (at the ``changes_before_kill``-th change seen): the label file and its summary are
    each the old complete one or the new complete one."""
    root, (old, new) = two_label_runs
    out_dir = tmp_path / 'out'
    shutil.copytree(root / 'out1', out_dir)
    before = _entries(out_dir)
    process = subprocess.Popen(_make_labels(root / 'capture2.npz', out_dir / 'labels.npz'),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen, deadline = 0, time.time() + 300
    while process.poll() is None and time.time() < deadline:
        now = _entries(out_dir)
        if now != before:
            seen, before = seen + 1, now
            if seen == changes_before_kill:
                break
    process.kill()                                      # SIGKILL: no cleanup
    process.wait()
    assert seen == changes_before_kill, 'the writer finished before it could be killed'
    labels, summary = _read_outputs(out_dir)
    assert _same(labels, old[0]) or _same(labels, new[0])
    assert summary in (old[1], new[1])


def test_successful_runs_leave_no_temporaries(two_label_runs):
    root, _ = two_label_runs
    for folder in ('out1', 'out2'):
        names = os.listdir(root / folder)
        assert {'labels.npz', 'labels_summary.json'} <= set(names)
        assert not [name for name in names if name.startswith('.')], names
