"""The learning-rate schedule of the BLO-SAM authors' code, as an mmengine LR scheduler."""
from typing import Optional

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler
from mmseg.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class BLOSAMReferenceLR(LRSchedulerMixin, _ParamScheduler):
    """lr of iteration ``i`` as BLO-SAM's ``trainer.py`` / ``prompt.py`` set it.

    Their loop steps first and then sets the lr of the *next* iteration from the iteration just
    done (``j = i - 1``), so the first iteration runs at a separate value:

    * ``i = 0``: ``first_lr``. Their lower optimiser builds a ``OneCycleLR`` that is never
      stepped, whose constructor leaves the lr at ``base_lr / 25`` (``div_factor``) and beta1 at
      0.95 (set that in the optimiser) in any run of at least 4 iterations (shorter ones start
      in its annealing phase, elsewhere); their upper optimiser starts at
      ``prompt_base_lr``.
    * ``i >= 1``: ``peak_lr * (j + 1) / warmup_iters`` while ``j < warmup_iters`` (their
      ``--warmup``), then ``peak_lr * (1 - (j - warmup_iters) / T) ** power`` with ``T`` the
      number of iterations of the run. Their upper level (``Prompt.step``) uses this formula
      with the *lower* level's ``base_lr`` and no warm-up, so after its first step the prompt
      learns at ``base_lr * poly`` whatever ``prompt_base_lr`` says.

    Args:
        first_lr: lr of iteration 0; None = the optimiser's lr.
        peak_lr: ``base_lr`` of the formula; None = the optimiser's lr.
        power: 0.9.
        warmup_iters: their ``warmup_period`` when ``--warmup`` is given; 0 = no warm-up
            (their default).
        begin, end: iterations (or epochs with ``by_epoch=True`` and
            ``convert_to_iter_based=True``) the schedule covers; ``T = end - begin``.
    """

    def __init__(self, optimizer, first_lr: Optional[float] = None,
                 peak_lr: Optional[float] = None, power: float = 0.9, warmup_iters: int = 0,
                 begin: int = 0, end: int = INF, last_step: int = -1, by_epoch: bool = False,
                 verbose: bool = False) -> None:
        if end == INF:
            raise ValueError('BLOSAMReferenceLR needs `end` (the length of the run).')
        if warmup_iters < 0 or power <= 0:
            raise ValueError(f'BLOSAMReferenceLR: warmup_iters must be >= 0 and power > 0, got '
                             f'{warmup_iters} and {power}.')
        self.first_lr, self.peak_lr = first_lr, peak_lr
        self.power, self.warmup_iters = power, int(warmup_iters)
        super().__init__(optimizer, begin=begin, end=end, last_step=last_step,
                         by_epoch=by_epoch, verbose=verbose)

    @classmethod
    def build_iter_from_epoch(cls, *args, begin=0, end=INF, by_epoch=True, epoch_length=None,
                              warmup_iters=0, **kwargs):
        """Iteration-based from epoch-based ``begin`` / ``end`` (``warmup_iters`` stays in
        iterations, as theirs)."""
        if not by_epoch or not epoch_length:
            raise ValueError('BLOSAMReferenceLR: convert_to_iter_based needs by_epoch=True '
                             'and the epoch length.')
        end = int(end * epoch_length) if end != INF else INF
        return cls(*args, begin=int(begin * epoch_length), end=end, by_epoch=False,
                   warmup_iters=warmup_iters, **kwargs)

    def value_at(self, i: int, base: float) -> float:
        """lr of iteration ``i`` (0-based) for a group whose optimiser lr is ``base``."""
        if i == 0:
            return base if self.first_lr is None else self.first_lr
        peak = base if self.peak_lr is None else self.peak_lr
        j = i - 1
        if j < self.warmup_iters:
            return peak * (j + 1) / self.warmup_iters
        return peak * (1.0 - (j - self.warmup_iters) / (self.end - self.begin)) ** self.power

    def _get_value(self):
        return [self.value_at(self.last_step, base) for base in self.base_values]
