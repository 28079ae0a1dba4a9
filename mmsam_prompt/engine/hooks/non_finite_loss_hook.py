"""Stop training at the first NaN or infinite loss, before anything is saved."""
import math

import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from ...utils.errors import NonFiniteLossError


def _value(v) -> float:
    return float(v.detach().float().mean()) if torch.is_tensor(v) else float(v)


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """After each training iteration, check every logged loss term (the lower step's and, in
    bi-level training, ``BiLevelHook``'s ``upper_*`` terms); a NaN or inf stops training with
    one line naming the iteration and the term (:class:`NonFiniteLossError`).

    It runs after ``BiLevelHook`` and before ``CheckpointHook``, so no checkpoint of diverged
    weights is written (``SafeCheckpointHook`` also refuses to save NaN weights).
    """
    priority = 'BELOW_NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        terms = dict(outputs or {})
        hub = runner.message_hub
        for key, buffer in hub.log_scalars.items():
            if key.startswith('train/upper_') and len(buffer.data[0]):
                terms[key[len('train/'):]] = buffer.current()
        for name, value in terms.items():
            if 'loss' not in name:
                continue
            v = _value(value)
            if not math.isfinite(v):
                raise NonFiniteLossError(
                    f'loss term {name!r} is {v} at iteration {runner.iter + 1} (epoch '
                    f'{runner.epoch + 1}): training diverged and was stopped before saving. Lower '
                    'the learning rate (optim_wrapper.optimizer.lr) or add gradient clipping '
                    '(optim_wrapper.clip_grad=dict(max_norm=1.0)), then run again; the last '
                    'checkpoint (if any) is intact.')
