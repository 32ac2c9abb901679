"""Property-based tests (Hypothesis) of every file the project reads, and of
``tools/make_pseudo_labels.py``.

Each test starts from a valid file and damages it: a key dropped, added or replaced by an array
of any shape and dtype (floats with NaN, inf and huge values, integers, bools, text, complex,
dates, empty arrays), an object array (which must never be unpickled), special values written
into a numeric key, or the file's bytes truncated or replaced. Every case must give a clear
error (``ValueError`` or ``KeyError``) naming the file (and, for a damaged key, a key of the
file), or a result in which nothing invalid is marked valid. Any other exception is a loader
bug.

``EPIPOLAR_FUZZ_EXAMPLES`` sets the examples per test (default 15, for CI).
"""
import importlib.util
import os
import os.path as osp
import pickle
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from epipolar_plugin.datasets import MultiViewH36MDataset
from epipolar_plugin.evaluation import load_pose_clusters, save_pose_clusters
from epipolar_plugin.fileio import (load_boxes, load_calibration, load_camera_params,
                                    load_multiview_keypoints, load_predictions,
                                    load_pseudo_labels_for)
from epipolar_plugin.labels import (LABEL_MODES, LabelOptions, flip_pairs_from_names,
                                    make_pseudo_labels)
from epipolar_plugin.labels.swaps import flip_permutation
from epipolar_plugin.synthetic import JOINT_NAMES, make_scene
from .helpers import ANN, ROOT

EXAMPLES = int(os.environ.get('EPIPOLAR_FUZZ_EXAMPLES', '15'))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
ERRORS = (ValueError, KeyError)     # a clear error; anything else escaping a loader is a bug

DTYPES = ['<f8', '<f4', '<f2', '<i8', '<i2', '|u1', '|b1', '<U4', '|S3', '<c16', '<M8[s]']
SPECIAL = [np.nan, np.inf, -np.inf, 1e308, -1e308, -1.0, 0.0, 2.0, 1e-300]


def any_array():
    """Arrays of any small shape (0 to 5 axes, empty ones too) and dtype, values included."""
    return st.sampled_from(DTYPES).flatmap(lambda dtype: hnp.arrays(
        np.dtype(dtype), hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=4)))


UNPICKLED = []      # filled when a file's pickle runs: a loader unpickled a user's file


def _record_unpickling():
    UNPICKLED.append(True)
    return 'unpickled'


class _RecordsUnpickling:
    """Pickles as a call that records it ran."""

    def __reduce__(self):
        return _record_unpickling, ()


OBJECT_ARRAYS = st.sampled_from([np.array([_RecordsUnpickling(), None], dtype=object),
                                 np.array([[1.0, 2.0], [3.0, 4.0]], dtype=object),
                                 np.empty(0, dtype=object)])


@st.composite
def damaged(draw, arrays: dict, extra_names=('distortion', 'session', 'x')):
    """(what was done, key or None, arrays) for a valid file's ``arrays``."""
    out = {key: value.copy() for key, value in arrays.items()}
    kind = draw(st.sampled_from(['drop', 'extra', 'replace', 'object', 'special', 'empty',
                                 'dtype', 'none']))
    key = draw(st.sampled_from(sorted(arrays)))
    if kind == 'drop':
        del out[key]
    elif kind == 'extra':
        key = draw(st.sampled_from(extra_names))
        out[key] = draw(any_array())
    elif kind == 'replace':
        out[key] = draw(any_array())
    elif kind == 'object':
        out[key] = draw(OBJECT_ARRAYS)
    elif kind == 'special' and out[key].dtype.kind in 'fiub' and out[key].size:
        values = out[key].astype(np.float64)
        flat = values.reshape(-1)
        for index in draw(st.lists(st.integers(0, flat.size - 1), min_size=1, max_size=6)):
            flat[index] = draw(st.sampled_from(SPECIAL))
        out[key] = values
    elif kind == 'empty':
        out[key] = out[key][:0] if out[key].ndim else out[key].reshape(1)[:0]
    elif kind == 'dtype':
        dtype = np.dtype(draw(st.sampled_from(DTYPES)))
        try:
            out[key] = out[key].astype(dtype)
        except (ValueError, TypeError):
            out[key] = np.zeros(out[key].shape, dtype)
    else:
        key = None
    return kind, key, out


@st.composite
def damaged_bytes(draw):
    """A file-level damage: ('truncate', fraction), ('garbage', bytes), ('npy', array) or
    ('pickle', object), or ('none', None)."""
    kind = draw(st.sampled_from(['truncate', 'garbage', 'npy', 'pickle', 'none', 'none']))
    if kind == 'truncate':
        return kind, draw(st.floats(0.0, 0.99))
    if kind == 'garbage':
        return kind, draw(st.binary(max_size=200))
    if kind == 'npy':
        return kind, draw(hnp.arrays(np.float64, (2, 3)))
    if kind == 'pickle':
        return kind, {'keypoints_2d': [1, 2]}
    return kind, None


def write_npz(path: str, arrays: dict, damage=('none', None)) -> None:
    """``arrays`` as an ``.npz`` (object arrays pickled into it), then the file-level damage."""
    kind, value = damage
    if kind == 'npy':
        with open(path, 'wb') as file:
            np.save(file, value)
        return
    if kind == 'pickle':
        with open(path, 'wb') as file:
            pickle.dump(value, file)
        return
    np.savez(path, **arrays)
    if kind == 'truncate':
        data = open(path, 'rb').read()
        open(path, 'wb').write(data[:int(len(data) * value)])
    elif kind == 'garbage':
        open(path, 'wb').write(value)


def load_or_explain(load, path: str, key, keys):
    """``load()``; a raised error must name ``path`` and, for a damaged ``key``, some key of
    the file (``keys``). Returns the result, or None after an accepted error."""
    try:
        return load()
    except ERRORS as error:
        message = str(error)
        assert path in message, message
        if key is not None:
            assert any(k in message for k in set(keys) | {key}), message
        return None
    finally:
        assert not UNPICKLED, f'{path} was unpickled'


def _temporary_folder():
    return tempfile.TemporaryDirectory(prefix='fuzz-')


# --- multi-view 2D keypoints ------------------------------------------------------------------

SCENE = make_scene(6, 3, seed=4)
KEYPOINTS = dict(keypoints_2d=SCENE.keypoints_2d, intrinsics=SCENE.intrinsics,
                 distortion=SCENE.distortion, joint_names=np.array(JOINT_NAMES),
                 camera_names=np.array(['a', 'b', 'c']),
                 image_size=np.array([[c.width, c.height] for c in SCENE.cameras]),
                 image_names=np.array([[f'{v}/{f}.jpg' for f in range(6)] for v in range(3)]))


def check_keypoints(out):
    keypoints, intrinsics = out['keypoints_2d'], out['intrinsics']
    assert keypoints.dtype == np.float64 and keypoints.ndim == 4 and keypoints.shape[-1] == 3
    scores = keypoints[..., 2]
    assert not (np.isfinite(scores) & ((scores < 0) | (scores > 1))).any()
    assert intrinsics.shape == (len(keypoints), 3, 3) and np.isfinite(intrinsics).all()
    assert (intrinsics[:, 0, 0] > 0).all() and (intrinsics[:, 1, 1] > 0).all()
    if out['distortion'] is not None:
        assert np.isfinite(out['distortion']).all()


@FUZZ
@given(damage=damaged(KEYPOINTS), file_damage=damaged_bytes())
def test_fuzz_multiview_keypoints_file(damage, file_damage):
    kind, key, arrays = damage
    with _temporary_folder() as folder:
        path = osp.join(folder, 'kp.npz')
        write_npz(path, arrays, file_damage)
        out = load_or_explain(lambda: load_multiview_keypoints(path), path,
                              key if file_damage[0] == 'none' else None, arrays)
    if out is not None:
        check_keypoints(out)


# --- pseudo labels ----------------------------------------------------------------------------

def _labels():
    scene = make_scene(40, 3, seed=5)
    return make_pseudo_labels(scene.keypoints_2d, scene.intrinsics, scene.distortion,
                              options=LabelOptions.from_flat(mode='pooled')).as_dict()


LABELS = _labels()


@FUZZ
@given(damage=damaged(LABELS, extra_names=('x', 'valid_extra')), file_damage=damaged_bytes())
def test_fuzz_pseudo_label_file(damage, file_damage):
    kind, key, arrays = damage
    with _temporary_folder() as folder:
        path = osp.join(folder, 'labels.npz')
        write_npz(path, arrays, file_damage)
        out = load_or_explain(lambda: load_pseudo_labels_for(path, 'kp.npz', 40, 3), path,
                              key if file_damage[0] == 'none' else None, arrays)
    if out is not None:
        valid = out['valid']
        assert valid.dtype == bool and valid.shape == out['keypoints_3d'].shape[:2] == (40, 17)
        assert np.isfinite(out['keypoints_3d'][valid]).all()
        assert out['rotations'].shape == (40, 3, 3, 3) and 0 <= out['reference_view'] < 3


# --- Human3.6M annotation and cameras ----------------------------------------------------------

@pytest.fixture(scope='module')
def h36m_files(tiny_dataset):
    """The rows of the tiny training split's first two frames, and its cameras."""
    root, _ = tiny_dataset
    with np.load(root / ANN / 'h36m_train.npz') as data:
        annotation = {key: data[key] for key in data.files}
    frames = sorted({name.rsplit('_', 1)[1] for name in annotation['imgname']})[:2]
    keep = np.array([name.rsplit('_', 1)[1] in frames for name in annotation['imgname']])
    annotation = {key: value[keep] for key, value in annotation.items()}
    with open(root / 'annotation_body3d' / 'cameras.pkl', 'rb') as file:
        cameras = pickle.load(file)        # written by this test suite's own generator
    return annotation, cameras


def _h36m_samples(folder: str):
    dataset = MultiViewH36MDataset(data_root=folder, ann_file='ann.npz',
                                   camera_param_file='cameras.pkl', lazy_init=True)
    return dataset.load_data_list()


def check_samples(samples):
    for sample in samples:
        visible = sample['keypoints_visible'] > 0
        assert np.isfinite(sample['keypoints'][visible]).all()
        assert np.isfinite(sample['bbox_center']).all()
        assert np.isfinite(sample['bbox_scale']).all() and (sample['bbox_scale'] > 0).all()
        assert np.isfinite(sample['intrinsics']).all() and np.isfinite(sample['distortion']).all()
        if 'lifting_target' in sample:
            seen = sample['lifting_target_visible'] > 0
            assert np.isfinite(sample['lifting_target'][seen]).all()
            assert np.isfinite(sample['lifting_target_root']).all()


@FUZZ
@given(data=st.data(), file_damage=damaged_bytes())
def test_fuzz_h36m_annotation_file(h36m_files, data, file_damage):
    annotation, cameras = h36m_files
    kind, key, arrays = data.draw(damaged(annotation, extra_names=('x', 'S_extra')))
    with _temporary_folder() as folder:
        path = osp.join(folder, 'ann.npz')
        write_npz(path, arrays, file_damage)
        with open(osp.join(folder, 'cameras.pkl'), 'wb') as file:
            pickle.dump(cameras, file)
        samples = load_or_explain(lambda: _h36m_samples(folder), path,
                                  key if file_damage[0] == 'none' else None, arrays)
    if samples is not None:
        check_samples(samples)


CAMERA_VALUES = st.one_of(any_array(), st.integers(), st.floats(), st.text(max_size=3),
                          st.none(), st.just(_RecordsUnpickling()),
                          st.lists(st.floats(), max_size=3))


@st.composite
def damaged_cameras(draw, cameras):
    out = {key: dict(value) for key, value in cameras.items()}
    kind = draw(st.sampled_from(['drop', 'replace', 'key', 'root', 'none']))
    camera = draw(st.sampled_from(sorted(out)))
    field = draw(st.sampled_from(['f', 'c', 'k', 'p', 'w', 'h', 'R']))
    if kind == 'drop':
        out[camera].pop(field, None)
    elif kind == 'replace':
        out[camera][field] = draw(CAMERA_VALUES)
    elif kind == 'key':
        out[draw(st.one_of(st.integers(), st.tuples(st.integers())))] = out.pop(camera)
    elif kind == 'root':
        return kind, draw(st.one_of(st.lists(st.integers(), max_size=2), CAMERA_VALUES))
    return kind, out


@FUZZ
@given(data=st.data())
def test_fuzz_camera_file(h36m_files, data):
    annotation, cameras = h36m_files
    kind, damaged_file = data.draw(damaged_cameras(cameras))
    with _temporary_folder() as folder:
        np.savez(osp.join(folder, 'ann.npz'), **annotation)
        path = osp.join(folder, 'cameras.pkl')
        with open(path, 'wb') as file:
            pickle.dump(damaged_file, file)
        load_or_explain(lambda: load_camera_params(path), path, None, ())
        samples = load_or_explain(lambda: _h36m_samples(folder), path, None, ())
    if samples is not None:
        check_samples(samples)


# --- PSS clusters, predictions, intrinsics, boxes -----------------------------------------------

@pytest.fixture(scope='module')
def clusters_arrays(tmp_path_factory):
    path = tmp_path_factory.mktemp('clusters') / 'clusters.npz'
    rng = np.random.default_rng(0)
    save_pose_clusters(str(path), {3: rng.normal(size=(3, 51))}, JOINT_NAMES, 0, 'test', 10)
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


@FUZZ
@given(data=st.data(), file_damage=damaged_bytes())
def test_fuzz_clusters_file(clusters_arrays, data, file_damage):
    kind, key, arrays = data.draw(damaged(clusters_arrays, extra_names=('centers_4', 'x')))
    with _temporary_folder() as folder:
        path = osp.join(folder, 'clusters.npz')
        write_npz(path, arrays, file_damage)
        out = load_or_explain(lambda: load_pose_clusters(path, (3, ), num_joints=17), path,
                              key if file_damage[0] == 'none' else None, arrays)
    if out is not None:
        assert out['centers'][3].shape == (3, 51) and np.isfinite(out['centers'][3]).all()


PREDICTIONS = dict(ids=np.arange(5), keypoints_3d=np.random.default_rng(1).normal(size=(5, 17, 3)),
                   img_paths=np.array([f'{i}.jpg' for i in range(5)]))


@FUZZ
@given(damage=damaged(PREDICTIONS), file_damage=damaged_bytes())
def test_fuzz_predictions_file(damage, file_damage):
    kind, key, arrays = damage
    with _temporary_folder() as folder:
        path = osp.join(folder, 'pred.npz')
        write_npz(path, arrays, file_damage)
        out = load_or_explain(lambda: load_predictions(path), path,
                              key if file_damage[0] == 'none' else None, arrays)
    if out is not None:
        assert all(isinstance(i, int) and pose.ndim == 2 and pose.shape[1] == 3
                   for i, pose in out.items())


CALIBRATION = dict(intrinsics=SCENE.intrinsics, distortion=SCENE.distortion)


@FUZZ
@given(damage=damaged(CALIBRATION), file_damage=damaged_bytes())
def test_fuzz_intrinsics_file(damage, file_damage):
    kind, key, arrays = damage
    with _temporary_folder() as folder:
        path = osp.join(folder, 'intrinsics.npz')
        write_npz(path, arrays, file_damage)
        out = load_or_explain(lambda: load_calibration(path, 3), path,
                              key if file_damage[0] == 'none' else None, arrays)
    if out is not None:
        intrinsics, distortion = out
        assert intrinsics.shape == (3, 3, 3) and np.isfinite(intrinsics).all()
        assert (intrinsics[:, [0, 1], [0, 1]] > 0).all()
        assert distortion.shape[0] == 3 and np.isfinite(distortion).all()


BOXES = dict(boxes=np.concatenate([np.full((3, 6, 2), 10.0), np.full((3, 6, 2), 50.0)], -1))


@FUZZ
@given(damage=damaged(BOXES), file_damage=damaged_bytes())
def test_fuzz_boxes_file(damage, file_damage):
    kind, key, arrays = damage
    with _temporary_folder() as folder:
        path = osp.join(folder, 'boxes.npz')
        write_npz(path, arrays, file_damage)
        boxes = load_or_explain(lambda: load_boxes(path, 3, 6), path,
                                key if file_damage[0] == 'none' else None, arrays)
    if boxes is not None:
        whole = np.isnan(boxes).all(-1)
        given_boxes = boxes[~whole]
        assert np.isfinite(given_boxes).all()
        assert (given_boxes[:, 2] > given_boxes[:, 0]).all()
        assert (given_boxes[:, 3] > given_boxes[:, 1]).all()


# --- tools/make_pseudo_labels.py ----------------------------------------------------------------

def _make_pseudo_labels_module():
    spec = importlib.util.spec_from_file_location(
        'make_pseudo_labels', osp.join(ROOT, 'tools', 'make_pseudo_labels.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CLI = _make_pseudo_labels_module()
CLI_SCENE = make_scene(30, 3, seed=6)
CLI_INPUT = dict(keypoints_2d=CLI_SCENE.keypoints_2d, intrinsics=CLI_SCENE.intrinsics,
                 distortion=CLI_SCENE.distortion, joint_names=np.array(JOINT_NAMES))
MIN_SCORE = 0.3
COORDINATES = [np.nan, np.inf, -np.inf, 1e308, -1e308, 1e30, 0.0, -5.0, 1e-300]


@st.composite
def damaged_detections(draw):
    """A valid keypoints file whose detections are damaged: coordinates set to NaN, inf,
    huge, zero or negative values and scores changed, in random (view, frame, joint) cells."""
    keypoints = CLI_INPUT['keypoints_2d'].copy()
    num_views, num_frames, num_joints, _ = keypoints.shape
    for _ in range(draw(st.integers(1, 40))):
        view, frame = draw(st.integers(0, num_views - 1)), draw(st.integers(0, num_frames - 1))
        joints = slice(None) if draw(st.booleans()) else draw(st.integers(0, num_joints - 1))
        channel = draw(st.sampled_from([0, 1, 2]))
        keypoints[view, frame, joints, channel] = draw(
            st.sampled_from(COORDINATES) if channel < 2 else st.floats(0.0, 1.0))
    return 'detections', 'keypoints_2d', dict(CLI_INPUT, keypoints_2d=keypoints)


@FUZZ
@given(damage=st.one_of(damaged(CLI_INPUT), damaged_detections()),
       file_damage=st.one_of(st.just(('none', None)), damaged_bytes()),
       mode=st.sampled_from(list(LABEL_MODES)))
def test_fuzz_make_pseudo_labels_cli(damage, file_damage, mode, monkeypatch):
    kind, key, arrays = damage
    with _temporary_folder() as folder:
        source, output = osp.join(folder, 'kp.npz'), osp.join(folder, 'labels.npz')
        write_npz(source, arrays, file_damage)
        argv = ['make_pseudo_labels.py', source, output, '--min-score', str(MIN_SCORE),
                '--mode', mode]
        monkeypatch.setattr(sys, 'argv', argv)
        finished = load_or_explain(lambda: CLI.main() or True, source,
                                   key if file_damage[0] == 'none' else None, arrays)
        if not finished:
            event('refused with a clear error')
            assert not osp.exists(output)
            return
        with np.load(output, allow_pickle=False) as data:
            labels = {k: data[k] for k in ('keypoints_3d', 'valid')}
        keypoints = np.asarray(arrays['keypoints_2d'], np.float64)
    valid = labels['valid']
    event(f'labels written, {"some" if valid.any() else "no"} joints valid')
    assert np.isfinite(labels['keypoints_3d'][valid]).all()
    # a valid joint was seen, confidently, by at least two views (as itself or, after a
    # left/right swap was undone, as its partner under the file's joint names)
    names = arrays.get('joint_names')
    partner = flip_permutation(keypoints.shape[2], flip_pairs_from_names(
        names if names is not None else JOINT_NAMES))
    seen = (np.isfinite(keypoints[..., :2]).all(-1) & (keypoints[..., 2] >= MIN_SCORE))
    assert ((seen | seen[..., partner]).sum(axis=0)[valid] >= 2).all()


def test_crafted_camera_pickle_runs_nothing(tmp_path):
    marker = tmp_path / 'ran'

    class RunsCode:
        def __reduce__(self):
            return os.system, (f'touch {marker}', )

    path = tmp_path / 'cameras.pkl'
    path.write_bytes(pickle.dumps({('S1', '1'): dict(f=np.ones(2), c=np.ones(2),
                                                     extra=RunsCode())}))
    with pytest.raises(ValueError, match=r'cameras\.pkl: .*system is not allowed'):
        load_camera_params(str(path))
    assert not marker.exists()
