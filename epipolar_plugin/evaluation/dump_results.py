"""MMEngine's ``DumpResults`` (``tools/test.py --dump``) with the pickle written atomically.

mmengine 0.10.7's ``DumpResults`` writes the predictions straight to their final name: a
process killed or failing while writing leaves a truncated pickle there, or none where a
complete one was. :class:`AtomicDumpResults` writes a temporary file beside it and renames it
into place (:func:`epipolar_plugin.fileio.atomic_output`). It is registered in MMEngine's
``METRICS`` under its own name and under ``DumpResults``, so configs naming MMEngine's class get
it too; other storage backends are MMEngine's as before (their ``put`` stores an object whole).
"""
import os.path as osp

import mmengine
from mmengine.evaluator import DumpResults
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.logging import print_log
from mmengine.registry import METRICS

from ..fileio import atomic_output


@METRICS.register_module(name=['DumpResults', 'AtomicDumpResults'], force=True)
class AtomicDumpResults(DumpResults):
    """MMEngine's ``DumpResults`` (same arguments: ``out_file_path`` ending with ``.pkl`` or
    ``.pickle``): the list of every sample's prediction (tensors on the CPU) as one pickle."""

    def compute_metrics(self, results: list) -> dict:
        if not isinstance(get_file_backend(self.out_file_path), LocalBackend):
            return super().compute_metrics(results)
        mmengine.mkdir_or_exist(osp.dirname(osp.abspath(self.out_file_path)))
        with atomic_output(self.out_file_path) as temporary:
            mmengine.dump(results, temporary)
        print_log(f'Results has been saved to {self.out_file_path}.', logger='current')
        return {}
