"""The upper level of bi-level training (BLO-SAM / AM-SAM): a prompt step on D2 per iteration.

Each training iteration the normal ``train_step`` steps the lower level (``W``: decoder, LoRA,
...) on a D1 batch; then this hook steps the upper level (``A``: the prompt) on the next D2 batch:

* first order (default): ``dL(W, A; D2)/dA`` at the current ``W``;
* ``unrolled=True`` (DARTS' second-order approximation): ``d/dA L(W', A; D2)`` with
  ``W' = W - xi * dL(W, A; D1)/dW``, differentiated through ``W'`` (double backward).

Both are taken after the lower step, at the current (post-step) ``W``, with the D1 batch of the
iteration for the virtual step. The virtual step is plain SGD with ``xi`` = the lower level's
current lr, although the real lower optimiser is AdamW, as in DARTS.
"""
import copy
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.dataset import InfiniteSampler
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import AmpOptimWrapper
from mmseg.registry import HOOKS
from torch.func import functional_call

from ...datasets.kshot_dataset import find_kshot, find_kshot_cfg
from ..optimizers.bilevel_optim_wrapper import BiLevelOptimWrapper

#: loss of a batch, with some parameters replaced (None: the module's own)
LossFn = Callable[[dict, Optional[Dict[str, torch.Tensor]]], Tuple[torch.Tensor, dict]]
Grads = Tuple[Optional[torch.Tensor], ...]


def first_order_grads(loss_fn: LossFn, upper: Sequence[nn.Parameter],
                      d2_batch: dict) -> Tuple[dict, Grads]:
    """``dL(W, A; D2)/dA``; nothing is written to any ``.grad``."""
    loss, log_vars = loss_fn(d2_batch, None)
    return log_vars, torch.autograd.grad(loss, list(upper), allow_unused=True)


def unrolled_grads(loss_fn: LossFn, lower: Dict[str, nn.Parameter],
                   upper: Sequence[nn.Parameter], d1_batch: dict, d2_batch: dict,
                   xi: float) -> Tuple[dict, Grads]:
    """``d/dA L(W - xi * dL(W, A; D1)/dW, A; D2)``, exactly (double backward).

    ``lower``: the named lower-level parameters ``W`` (names as in the model, for
    ``functional_call``); nothing is written to any ``.grad``.
    """
    loss1, _ = loss_fn(d1_batch, None)
    names, params = list(lower), list(lower.values())
    g1 = torch.autograd.grad(loss1, params, create_graph=True, allow_unused=True)
    moved = {n: p if g is None else p - xi * g for n, p, g in zip(names, params, g1)}
    loss2, log_vars = loss_fn(d2_batch, moved)
    return log_vars, torch.autograd.grad(loss2, list(upper), allow_unused=True)


@HOOKS.register_module()
class BiLevelHook(Hook):
    """After each lower step (the runner's ``train_step`` on D1), step ``upper`` on D2.

    Needs ``optim_wrapper=dict(type='BiLevelOptimWrapper', ...)``.

    Args:
        d2_dataloader: the D2 loader config; by default ``train_dataloader`` (same pipeline,
            batch size, workers) with its ``KShotDataset`` switched from ``subset='d1'`` to
            ``'d2'`` and a ``DefaultSampler(shuffle=True)``.
        unrolled: second-order (DARTS) upper gradient instead of the first-order one.
        unroll_lr: ``xi`` of the virtual step; None = the lower level's current lr.
        seed: seed of the D2 shuffle (pass ``p`` uses ``seed + p``); None = the run's seed.
        d2_batches: 'walk' (default) = D2 pass after pass, as below; 'first' = every upper step
            reuses the first batch of D2's first pass, as the authors' BLO-SAM trainer does
            (``next(iter(validloader))``); offered for exact replication of their code.

    D2 is visited pass after pass, reshuffled each pass, so every D2 sample is used once per
    pass; ``visited[p]`` lists the ``img_path`` of the samples pass ``p`` used. A resumed run
    continues at the D2 position the iteration count implies. The upper parameters' ``.grad``
    left by the lower backward is dropped before the upper step; the upper gradient itself is
    computed with ``torch.autograd.grad``, so no other ``.grad`` is touched. The model stays in
    training mode. The upper wrapper must be a plain ``OptimWrapper`` (no AMP loss scaling).
    """
    priority = 'NORMAL'  # after the lower step, before ParamSchedulerHook / LoggerHook

    def __init__(self, d2_dataloader: Optional[dict] = None, unrolled: bool = False,
                 unroll_lr: Optional[float] = None, seed: Optional[int] = None,
                 d2_batches: str = 'walk') -> None:
        if d2_batches not in ('walk', 'first'):
            raise ValueError(f"BiLevelHook d2_batches must be 'walk' or 'first', got "
                             f'{d2_batches!r}.')
        self.d2_batches = d2_batches
        self._first_batch: Optional[dict] = None
        self.d2_dataloader = d2_dataloader
        self.unrolled = unrolled
        self.unroll_lr = unroll_lr
        self.seed = seed
        self.visited: Dict[int, List[str]] = {}
        self.upper_steps = 0
        self.lower: Dict[str, nn.Parameter] = {}  # named, for functional_call
        self.upper: List[nn.Parameter] = []
        self.loader = None
        self._pass = 0
        self._iter = None

    # set-up
    @staticmethod
    def _model(runner) -> nn.Module:
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def _wrapper(self, runner) -> BiLevelOptimWrapper:
        wrapper = runner.optim_wrapper
        if not isinstance(wrapper, BiLevelOptimWrapper):
            raise TypeError("BiLevelHook needs optim_wrapper=dict(type='BiLevelOptimWrapper', "
                            "constructor='BiLevelOptimWrapperConstructor', ...), got "
                            f'{type(wrapper).__name__}.')
        if isinstance(wrapper['upper'], AmpOptimWrapper):
            raise TypeError('BiLevelHook: the upper level cannot use AmpOptimWrapper (its '
                            'gradient is not loss-scaled); make upper a plain OptimWrapper.')
        return wrapper

    def _d2_loader_cfg(self, runner) -> dict:
        kshot = find_kshot(runner.train_dataloader.dataset)
        if kshot is None:
            raise ValueError('BiLevelHook takes D2 from the training set\'s KShotDataset, but '
                             'train_dataloader.dataset has none; wrap it in KShotDataset('
                             "subset='d1') or give BiLevelHook(d2_dataloader=...).")
        if kshot.subset != 'd1':
            raise ValueError(f"BiLevelHook: the training KShotDataset has subset={kshot.subset!r}"
                             "; bi-level training trains the lower level on D1: set subset='d1' "
                             '(D2, its other half, is then used for the upper level).')
        cfg = runner.cfg.get('train_dataloader')
        if cfg is None:
            raise ValueError('BiLevelHook: runner.cfg has no train_dataloader to derive D2 '
                             'from; give BiLevelHook(d2_dataloader=...).')
        cfg = copy.deepcopy(cfg)
        kshot_cfg = find_kshot_cfg(cfg.get('dataset'))
        if kshot_cfg is None:
            raise ValueError('BiLevelHook: no KShotDataset in the train_dataloader config to '
                             'derive D2 from; give BiLevelHook(d2_dataloader=...).')
        kshot_cfg['subset'] = 'd2'
        seed = self.seed if self.seed is not None else runner.seed
        cfg['sampler'] = dict(type='DefaultSampler', shuffle=True, seed=seed)
        cfg.pop('batch_sampler', None)
        return cfg

    def _build_loader(self, runner):
        cfg = self.d2_dataloader if self.d2_dataloader is not None else self._d2_loader_cfg(runner)
        loader = runner.build_dataloader(cfg, seed=runner.seed)
        if isinstance(loader.sampler, InfiniteSampler) or len(loader) == 0:
            raise ValueError('BiLevelHook: the D2 loader needs a finite, non-empty sampler '
                             "(e.g. DefaultSampler), so that D2 is visited pass by pass.")
        d1, d2 = find_kshot(runner.train_dataloader.dataset), find_kshot(loader.dataset)
        if d1 is not None and d2 is not None:
            paths = {d1.get_data_info(i)['img_path'] for i in range(len(d1))}
            both = paths & {d2.get_data_info(i)['img_path'] for i in range(len(d2))}
            if both:
                raise ValueError(f'BiLevelHook: {len(both)} image(s) are in both D1 and D2, '
                                 f'e.g. {sorted(both)[:2]}.')
        return loader

    def before_train(self, runner) -> None:
        wrapper = self._wrapper(runner)
        wrapper.upper_driver = self
        model = self._model(runner)
        ids = {id(p): n for n, p in model.named_parameters()}
        self.lower = {ids[id(p)]: p for g in wrapper['lower'].param_groups for p in g['params']}
        self.upper = [p for g in wrapper['upper'].param_groups for p in g['params']]
        self.loader = self._build_loader(runner)
        # a resumed run goes on where the D2 stream stood (one upper step per iteration);
        # with d2_batches='first' that is the first batch of the first pass again
        n = len(self.loader)
        self._pass, skip = (0, 0) if self.d2_batches == 'first' else divmod(runner.iter, n)
        self._start_pass()
        for _ in range(skip):
            next(self._iter)
        print_log(f'BiLevelHook: D2 has {len(self.loader.dataset)} images ({n} batches a pass), '
                  f"{'unrolled (second-order)' if self.unrolled else 'first-order'} upper "
                  f'gradient', logger='current')

    def _start_pass(self) -> None:
        if hasattr(self.loader.sampler, 'set_epoch'):
            self.loader.sampler.set_epoch(self._pass)
        # starting a DataLoader iterator draws a base seed from torch's global generator; fork
        # it, so that the training stream does not depend on when D2 passes start (a resumed
        # run starts its pass in before_train): epoch-based resume stays bit-exact
        with torch.random.fork_rng(devices=[]):
            self._iter = iter(self.loader)

    def next_d2_batch(self) -> dict:
        """The next D2 batch; a new, reshuffled pass starts when one ends (``d2_batches=
        'first'``: always the first batch of the first pass)."""
        if self._first_batch is not None:
            batch = self._first_batch
            self.visited.setdefault(self._pass, []).extend(
                ds.metainfo.get('img_path') for ds in batch['data_samples'])
            return batch
        try:
            batch = next(self._iter)
        except StopIteration:
            self._pass += 1
            self._start_pass()
            batch = next(self._iter)
        if self.d2_batches == 'first':
            self._pass, self._first_batch = 0, batch
        self.visited.setdefault(self._pass, []).extend(
            ds.metainfo.get('img_path') for ds in batch['data_samples'])
        return batch

    # the upper step
    @staticmethod
    def loss_fn(model: nn.Module) -> LossFn:
        """The model's training loss of a raw batch, optionally with replaced parameters."""

        def loss(batch: dict, params: Optional[Dict[str, torch.Tensor]]):
            data = model.data_preprocessor(batch, True)
            if params is None:
                losses = model(**data, mode='loss')
            else:
                losses = functional_call(model, params, (), dict(data, mode='loss'))
            return model.parse_losses(losses)

        return loss

    def upper_grads(self, runner, d1_batch: Optional[dict], d2_batch: dict) -> Tuple[dict, Grads]:
        """The upper gradient on ``d2_batch`` (and ``d1_batch``, unrolled) at the current state."""
        loss = self.loss_fn(self._model(runner))
        if not self.unrolled:
            return first_order_grads(loss, self.upper, d2_batch)
        if d1_batch is None:
            raise ValueError('BiLevelHook(unrolled=True) needs the D1 batch of the iteration.')
        xi = self.unroll_lr
        if xi is None:
            xi = runner.optim_wrapper['lower'].param_groups[0]['lr']
        return unrolled_grads(loss, self.lower, self.upper, d1_batch, d2_batch, xi)

    def upper_step(self, runner, d1_batch: Optional[dict] = None) -> None:
        """One upper-level step on the next D2 batch."""
        upper = runner.optim_wrapper['upper']
        for p in self.upper:  # left by the lower backward: not the upper gradient
            p.grad = None
        log_vars, grads = self.upper_grads(runner, d1_batch, self.next_d2_batch())
        distributed = get_world_size() > 1
        for p, g in zip(self.upper, grads):
            if g is None and distributed:
                g = torch.zeros_like(p)
            if g is not None and distributed:
                all_reduce(g, op='mean')
            p.grad = g
        upper.step()
        upper.zero_grad(set_to_none=True)
        self.upper_steps += 1
        for k, v in log_vars.items():
            value = float(v.detach() if torch.is_tensor(v) else v)
            runner.message_hub.update_scalar(f'train/upper_{k}', value)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.upper_step(runner, data_batch)
