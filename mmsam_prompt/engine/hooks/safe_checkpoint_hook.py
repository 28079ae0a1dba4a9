"""Checkpoints that survive a kill during saving, a full disk and a cut-off ``last_checkpoint``."""
import glob
import logging
import os
import os.path as osp
import pickle
import re
from typing import List, Optional

import torch
from mmengine.dist import barrier, is_main_process
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from ...utils.errors import CheckpointError

PART_SUFFIX = '.part'  # temporary files: '.<name>.part' beside the checkpoint


def write_text_atomically(path: str, text: str) -> None:
    """Replace ``path`` by a file holding ``text``, never leaving it half written."""
    tmp = osp.join(osp.dirname(path), '.' + osp.basename(path) + PART_SUFFIX)
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def checkpoint_problem(path: str) -> Optional[str]:
    """None if ``path`` is a complete training checkpoint, else what is wrong with it.

    Reads only the key list (``mmap``). A file that ``weights_only=True`` refuses to unpickle is
    not a damaged file but a foreign or altered one: :class:`CheckpointError`.
    """
    if not osp.isfile(path):
        return 'is missing'
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=True, mmap=True)
    except pickle.UnpicklingError as e:
        raise CheckpointError(
            f'{path} holds Python objects that torch.load(weights_only=True) refuses to unpickle '
            f'({str(e).splitlines()[0]}): it was not written by this package or has been altered.'
            ' Delete or replace it, then run again.') from e
    except Exception as e:  # noqa: BLE001  (cut-off zip, empty file, ...: all mean "incomplete")
        return f'is cut off or corrupt ({str(e).splitlines()[0] if str(e) else type(e).__name__})'
    if not (isinstance(ckpt, dict) and 'state_dict' in ckpt and 'meta' in ckpt):
        return 'is not a training checkpoint (no state_dict / meta)'
    return None


class _RemovalsDeferred:
    """A file backend whose ``remove`` / ``rmtree`` wait until :meth:`flush`."""

    def __init__(self, backend) -> None:
        self._backend = backend
        self.pending: List[str] = []

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def remove(self, path: str) -> None:
        self.pending.append(path)

    def rmtree(self, path: str) -> None:
        self.pending.append(path)

    def flush(self) -> None:
        for path in self.pending:
            if self._backend.isfile(path):
                self._backend.remove(path)
            elif self._backend.isdir(path):
                self._backend.rmtree(path)
        self.pending = []


class _AtomicSaves:
    """The runner, except that ``save_checkpoint`` goes through the hook's atomic save."""

    def __init__(self, hook: 'SafeCheckpointHook', runner) -> None:
        self._hook, self._runner = hook, runner

    def __getattr__(self, name):
        return getattr(self._runner, name)

    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        self._hook.save_atomically(self._runner, out_dir, filename, *args, **kwargs)


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` (same arguments) that never leaves a run without a complete
    checkpoint (local folders; other file back ends behave as in mmengine):

    * a checkpoint is written to ``.<name>.part`` in the same folder, flushed and renamed to its
      name, so a file named ``iter_N.pth`` is always complete; ``last_checkpoint`` is replaced the
      same way; checkpoints beyond ``max_keep_ckpts`` and the previous best are removed only after
      the new file is complete;
    * a failed write (disk full, read-only folder) removes the partial file and stops training
      with one line (:class:`CheckpointError`); the previous checkpoint and ``last_checkpoint`` are
      untouched;
    * weights holding NaN / inf are not saved (one line; the previous checkpoint is kept);
    * ``resume=True`` whose ``last_checkpoint`` names a missing, cut-off or corrupt file resumes
      from the newest complete checkpoint in the folder and logs which; with none, one line says
      so. A checkpoint that ``weights_only=True`` refuses is an error, never skipped silently.
    """

    # -- saving --------------------------------------------------------------------------------
    def _local(self) -> bool:
        return isinstance(getattr(self, 'file_backend', None), LocalBackend)

    @staticmethod
    def _check_finite(runner, name: str) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        tensors = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        tensors += list(model.named_buffers())
        for n, t in tensors:
            if t.is_floating_point() and not bool(torch.isfinite(t).all()):
                raise CheckpointError(
                    f'not saving {name}: {n} holds NaN or inf values (training diverged; lower the '
                    'learning rate). The previous checkpoint and last_checkpoint are unchanged.')

    def save_atomically(self, runner, out_dir: str, filename: str, *args, **kwargs) -> None:
        """``runner.save_checkpoint`` into ``.<filename>.part``, then renamed to ``filename``."""
        final = osp.join(out_dir, filename)
        tmp = osp.join(out_dir, '.' + filename + PART_SUFFIX)
        self._check_finite(runner, filename)
        try:
            runner.save_checkpoint(out_dir, osp.basename(tmp), *args, **kwargs)
            if is_main_process():
                with open(tmp, 'rb') as f:
                    os.fsync(f.fileno())
                os.replace(tmp, final)
        except OSError as e:
            if is_main_process() and osp.exists(tmp):
                try:
                    os.remove(tmp)
                except OSError:
                    pass
            raise CheckpointError(
                f'could not save checkpoint {final}: {e.strerror or e}. Training stopped; the '
                'previous checkpoint and last_checkpoint are unchanged: free space or make '
                f'{out_dir} writable (or pick another --work-dir), then run again with '
                '--resume.') from e

    def _save_checkpoint_with_step(self, runner, step, meta):
        if isinstance(runner, _AtomicSaves):  # called from _save_best_checkpoint
            runner = runner._runner
        if not self._local():
            return super()._save_checkpoint_with_step(runner, step, meta)
        stale = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale.append(self.filename_tmpl.format(self.keep_ckpt_ids.popleft()))
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        self.save_atomically(
            runner, self.out_dir, filename, self.file_client_args,
            save_optimizer=self.save_optimizer, save_param_scheduler=self.save_param_scheduler,
            meta=meta, by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
        if not is_main_process():
            return
        write_text_atomically(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        for name in stale:  # only now that the new checkpoint is complete
            path = osp.join(self.out_dir, name)
            if name != filename and osp.isfile(path):
                os.remove(path)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        if not self._local():
            return super()._save_best_checkpoint(runner, metrics)
        backend = self.file_backend
        self.file_backend = deferred = _RemovalsDeferred(backend)
        try:
            super()._save_best_checkpoint(_AtomicSaves(self, runner), metrics)
        finally:
            self.file_backend = backend
        deferred.flush()

    # -- resuming ------------------------------------------------------------------------------
    def _checkpoint_dir(self, runner) -> str:
        """Where ``before_train`` will put the checkpoints (``out_dir`` / work dir name)."""
        out = self.out_dir or runner.work_dir
        if out != runner.work_dir:
            out = osp.join(out, osp.basename(runner.work_dir.rstrip(osp.sep)))
        return out

    def _numbered(self, folder: str) -> List[str]:
        """Checkpoints named by ``filename_tmpl`` in ``folder``, the highest step first."""
        head, _, tail = self.filename_tmpl.partition('{}')
        pattern = re.compile(re.escape(head) + r'(\d+)' + re.escape(tail) + '$')
        found = []
        for path in glob.glob(osp.join(folder, head + '*' + tail)):
            m = pattern.match(osp.basename(path))
            if m:
                found.append((int(m.group(1)), path))
        return [p for _, p in sorted(found, reverse=True)]

    def before_run(self, runner) -> None:
        cfg = runner.cfg
        load_from = cfg.get('load_from')
        if load_from and osp.isfile(load_from):
            problem = checkpoint_problem(load_from)
            if problem is not None and problem.startswith('is cut off'):
                raise CheckpointError(f'load_from={load_from} {problem}; use another checkpoint.')
        if not cfg.get('resume', False) or load_from:
            return
        folder = self._checkpoint_dir(runner)
        if not osp.isdir(folder):
            return
        if is_main_process():
            for part in glob.glob(osp.join(folder, '.*' + PART_SUFFIX)):
                os.remove(part)  # left by a save that was killed
        save_file = osp.join(runner.work_dir, 'last_checkpoint')
        named = open(save_file).read().strip() if osp.isfile(save_file) else None
        problem = checkpoint_problem(named) if named else 'was never written'
        if problem is None:
            return
        newest = next((p for p in self._numbered(folder)
                       if p != named and checkpoint_problem(p) is None), None)
        if newest is None:
            if named is None:
                print_log(f'--resume: no checkpoint in {folder}; training starts from the '
                          'beginning.', logger='current', level=logging.WARNING)
                return
            raise CheckpointError(
                f'--resume: last_checkpoint names {named}, which {problem}, and {folder} holds no '
                f'other complete checkpoint. Delete {save_file} (or drop --resume) to start from '
                'the beginning.')
        barrier()
        if is_main_process():
            write_text_atomically(save_file, newest)
        barrier()
        print_log(f"--resume: {named or 'last_checkpoint'} {problem}; resuming from {newest}, "
                  'the newest complete checkpoint.', logger='current', level=logging.WARNING)
