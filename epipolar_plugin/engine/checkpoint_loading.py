"""Loading of local checkpoints with PyTorch's safe loader (the one place this plugin changes how
MMEngine loads checkpoints).

mmengine 0.10.7 loads local checkpoints with ``torch.load(filename, map_location)``. Since torch
2.6 that is ``weights_only=True``, which refuses the non-tensor objects MMEngine itself stores in
every checkpoint (the message hub's ``HistoryBuffer``, numpy arrays and scalars), so
``--resume`` and ``load_from`` fail (open-mmlab/mmengine#1655). The local scheme ('' prefix) of
MMEngine's ``CheckpointLoader`` is re-registered here: still ``weights_only=True``, with exactly
the types MMEngine checkpoints hold (:data:`CHECKPOINT_GLOBALS`) allowed for the duration of
that one load (``torch.serialization.safe_globals``; the process-wide list is unchanged). A
file that holds anything else, such as a pickle that calls ``os.system``, runs nothing: it is
refused with an ``UnpicklingError`` that names the file, the globals at fault and the opt-in.

Opt-in to full unpickling (any code the file holds runs: only for files you trust, e.g.
checkpoints of other projects that store their own classes): the environment variable
``EPIPOLAR_PLUGIN_UNSAFE_CHECKPOINTS=1``.
"""
import os
import os.path as osp
import pickle
import re

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner.checkpoint import CheckpointLoader

UNSAFE_ENV = 'EPIPOLAR_PLUGIN_UNSAFE_CHECKPOINTS'


HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')


def history_buffer_method(owner, name):
    """``getattr`` as a pickled ``HistoryBuffer`` uses it, and nothing more.

    A ``HistoryBuffer`` pickles its statistics methods as ``getattr(HistoryBuffer, 'mean')``
    and so on; a general ``getattr`` would reach any attribute of any allowed object (and from
    there any code), so only these four are answered.
    """
    if owner is HistoryBuffer and name in HISTORY_BUFFER_METHODS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(f'getattr({owner!r:.60}, {name!r:.60}) is not allowed: only '
                                 f'the HistoryBuffer statistics methods {HISTORY_BUFFER_METHODS}.')


def _numpy_globals() -> list:
    """What numpy arrays, dtypes and scalars pickle through, under numpy 1's module path and
    numpy 2's (checkpoints written with either load). ``_reconstruct`` only builds an
    ``ndarray`` (its subtype must itself be allowed), ``scalar`` a scalar of a dtype from its
    bytes; a dtype's state is set on its class (``Float64DType``...): booleans, numbers,
    strings and bytes, not object or structured dtypes."""
    multiarray = np.core.multiarray
    dtype_classes = sorted({type(np.dtype(code)) for code in '?bhilqpBHILQPefdgFDGSU'},
                           key=lambda cls: cls.__name__)
    return [np.ndarray, np.dtype] + dtype_classes + [
        (function, f'{module}.{function.__name__}')
        for function in (multiarray._reconstruct, multiarray.scalar)
        for module in ('numpy.core.multiarray', 'numpy._core.multiarray')]


# Everything the checkpoints of every project config hold besides tensors and the containers
# torch allows by default, found by loading them with weights_only=True (tests/engine checks
# each config): the message hub's buffers, numpy arrays and scalars, and the empty bytes of
# empty arrays. Allowed only inside load_from_local.
CHECKPOINT_GLOBALS = [HistoryBuffer, (history_buffer_method, 'builtins.getattr'), bytes
                      ] + _numpy_globals()


def full_unpickling_allowed() -> bool:
    """Whether :data:`UNSAFE_ENV` opts in to full unpickling ('1'; unset, '' or '0': no)."""
    value = os.environ.get(UNSAFE_ENV, '')
    if value not in ('', '0', '1'):
        raise ValueError(f"{UNSAFE_ENV}={value!r}: expected '1' (load checkpoints with full "
                         "unpickling, which runs any code they hold) or '0'")
    return value == '1'


def _refusal(filename: str, error: Exception) -> pickle.UnpicklingError:
    """The error for a checkpoint the safe loader refuses: why, and how to opt in."""
    text = ' '.join(str(error).split())
    found = re.search(r'(Trying to load unsupported GLOBAL|Unsupported global:|Can only build|'
                      r'getattr\().*?(?=\. |$)', text)
    reason = found.group(0) if found else text[:300]
    try:   # a static listing of the pickle's globals beyond the allowed ones: nothing runs
        with torch.serialization.safe_globals(CHECKPOINT_GLOBALS):
            unsafe = sorted(set(torch.serialization.get_unsafe_globals_in_checkpoint(filename)))
    except Exception:     # noqa: BLE001  (a legacy or damaged file: the loader's reason stays)
        unsafe = []
    holds = f' (it holds {unsafe})' if unsafe else ''
    return pickle.UnpicklingError(
        f'{filename}: refused by the safe checkpoint loader: {reason}{holds}. Only '
        'tensors, containers, numpy arrays and the types of MMEngine\'s message hub are loaded; '
        'other objects would run code stored in the file. If you trust the file, set '
        f'{UNSAFE_ENV}=1 to load it with full unpickling.')


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_from_local(filename: str, map_location=None):
    """Load a local checkpoint with ``weights_only=True`` and :data:`CHECKPOINT_GLOBALS`
    (full unpickling only with :data:`UNSAFE_ENV` = '1')."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if full_unpickling_allowed():
        print_log(f'{UNSAFE_ENV}=1: loading {filename} with full unpickling', logger='current')
        return torch.load(filename, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(CHECKPOINT_GLOBALS):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise _refusal(filename, error) from error
