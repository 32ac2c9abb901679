"""Checkpoints that a kill cannot leave half-written (the one place this plugin changes how
MMEngine saves checkpoints).

mmengine 0.10.7 writes a checkpoint straight to its final name, then ``work_dir/last_checkpoint``
(truncated first), and removes the oldest checkpoint (``max_keep_ckpts``) *before* saving the
new one. A process killed during a save can therefore leave a truncated ``epoch_N.pth``, an
empty ``last_checkpoint``, or a ``last_checkpoint`` naming a checkpoint already removed, and
``--resume`` fails. Here:

- :func:`save_checkpoint` replaces the function ``Runner.save_checkpoint`` (and the
  ``CheckpointHook``'s publishing) calls: a local checkpoint is written to a temporary file
  beside it and renamed into place (:func:`epipolar_plugin.fileio.atomic_output`), so every
  ``.pth`` under its final name is complete; other storage backends are MMEngine's as before
  (their ``put`` stores an object whole);
- :class:`AtomicCheckpointHook`, registered under MMEngine's name ``CheckpointHook`` (so every
  config's ``default_hooks.checkpoint`` gets it), saves the new checkpoint first, then points
  ``last_checkpoint`` at it (atomically), and only then removes the outdated one. A training
  killed at any moment resumes from the last complete checkpoint. Temporaries of a killed save
  are removed when training starts again;
- the same hook keeps the best checkpoint (``save_best``) the same way: MMEngine removes the
  previous ``best_*.pth`` before writing the new one; here the new best is written (atomically)
  and recorded in a regular checkpoint first, and the previous one is removed last, so a kill
  at any moment leaves at least one complete best checkpoint.
"""
import os.path as osp

import mmengine.hooks.checkpoint_hook
import mmengine.runner.runner
import torch
from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.hooks import CheckpointHook
from mmengine.registry import HOOKS
from mmengine.runner.checkpoint import save_checkpoint as mmengine_save_checkpoint

from ..fileio import atomic_output, stale_temporaries


def _is_local(filename: str, backend_args=None) -> bool:
    return isinstance(get_file_backend(filename, backend_args=backend_args), LocalBackend)


def save_checkpoint(checkpoint: dict, filename: str, file_client_args=None,
                    backend_args=None) -> None:
    """MMEngine's ``save_checkpoint``; a local file is written atomically."""
    if file_client_args is not None or not _is_local(filename, backend_args):
        return mmengine_save_checkpoint(checkpoint, filename, file_client_args, backend_args)
    with atomic_output(filename) as temporary:
        torch.save(checkpoint, temporary)


# the name Runner.save_checkpoint and CheckpointHook._publish_model call
mmengine.runner.runner.save_checkpoint = save_checkpoint
mmengine.hooks.checkpoint_hook.save_checkpoint = save_checkpoint


@HOOKS.register_module(name=['CheckpointHook', 'AtomicCheckpointHook'], force=True)
class AtomicCheckpointHook(CheckpointHook):
    """MMEngine's ``CheckpointHook`` (same arguments) in the order that survives a kill: save
    the checkpoint (or the best one), point ``last_checkpoint`` at it, then remove the outdated
    one."""

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process() and isinstance(self.file_backend, LocalBackend):
            for pattern in (osp.join(self.out_dir, '*.pth'),
                            osp.join(runner.work_dir, 'last_checkpoint')):
                for path in stale_temporaries(pattern):
                    runner.logger.info(f'removing {path}, left by a save that was killed')
                    self.file_backend.remove(path)

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_checkpoint_with_step(runner, step, meta)
        outdated = None
        # MMEngine's bookkeeping, so the checkpoint records the ids kept after this save
        if self.max_keep_ckpts > 0 and (not self.keep_ckpt_ids
                                        or self.keep_ckpt_ids[-1] != step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir, ckpt_filename, self.file_client_args,
            save_optimizer=self.save_optimizer, save_param_scheduler=self.save_param_scheduler,
            meta=meta, by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
        if not is_main_process():
            return
        with atomic_output(osp.join(runner.work_dir, 'last_checkpoint')) as temporary:
            with open(temporary, 'w') as file:
                file.write(self.last_ckpt)
        if outdated is not None:
            self._remove(self.file_backend.join_path(self.out_dir,
                                                     self.filename_tmpl.format(outdated)))

    def _save_best_checkpoint(self, runner, metrics) -> None:
        """MMEngine's, with each previous best checkpoint removed only after the new one is
        saved and recorded in the regular checkpoint MMEngine saves after it. MMEngine removes
        the recorded previous best before saving; the records are hidden from it meanwhile."""
        if not self.save_best:
            return
        previous = self._best_paths()
        self._set_best_paths(dict.fromkeys(previous))
        try:
            super()._save_best_checkpoint(runner, metrics)
        finally:
            saved = self._best_paths()
            # an indicator that did not improve keeps its previous best checkpoint
            self._set_best_paths({key: saved[key] or previous[key] for key in previous})
        if not is_main_process():
            return
        for key, path in previous.items():
            if path is not None and saved[key] not in (None, path) and self._remove(path):
                runner.logger.info(f'The previous best checkpoint {path} is removed')

    def _remove(self, path: str) -> bool:
        """Remove a checkpoint file (or a DeepSpeed checkpoint folder); False: none there."""
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):
            self.file_backend.rmtree(path)
        else:
            return False
        return True

    def _best_paths(self) -> dict:
        """{key indicator: path of its best checkpoint or None}; the key is None when there is
        one indicator (MMEngine's ``best_ckpt_path``, else ``best_ckpt_path_dict``)."""
        if len(self.key_indicators) == 1:
            return {None: self.best_ckpt_path}
        return dict(self.best_ckpt_path_dict)

    def _set_best_paths(self, paths: dict) -> None:
        if len(self.key_indicators) == 1:
            self.best_ckpt_path = paths[None]
        else:
            self.best_ckpt_path_dict.update(paths)
