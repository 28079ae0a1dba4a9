"""Two optimisers for bi-level training (BLO-SAM / AM-SAM): ``lower`` and ``upper``."""
import logging
from contextlib import contextmanager
from typing import Dict, Iterator, Optional

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmseg.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class BiLevelOptimWrapper(OptimWrapperDict):
    """An ``OptimWrapperDict`` of ``lower`` and ``upper`` that trains as ``lower``.

    The runner sees an ``OptimWrapperDict``: every ``param_scheduler`` is built for both
    optimisers, their learning rates are logged as ``lower.lr`` / ``upper.lr``, and
    ``state_dict`` / ``load_state_dict`` (checkpoints, resume) hold both. The standard
    ``model.train_step(data, optim_wrapper)`` sees the ``lower`` wrapper: ``optim_context``,
    ``update_params``, ``backward``, ``step``, ``zero_grad`` (and the counters) are its, so the
    normal training step is the lower level's step. ``BiLevelHook`` steps ``upper`` (and sets
    itself as ``upper_driver``; without one, the first lower step logs a warning).

    Built by ``BiLevelOptimWrapperConstructor`` from ``optim_wrapper=dict(type=
    'BiLevelOptimWrapper', constructor='BiLevelOptimWrapperConstructor', lower=..., upper=...,
    upper_params=...)``.
    """

    def __init__(self, lower: OptimWrapper, upper: OptimWrapper) -> None:
        for name, wrapper in (('lower', lower), ('upper', upper)):
            if isinstance(wrapper, OptimWrapperDict):
                raise TypeError(f'BiLevelOptimWrapper: {name} must be a single OptimWrapper, '
                                f'got {type(wrapper).__name__}.')
        super().__init__(lower=lower, upper=upper)
        self.upper_driver: Optional[object] = None  # BiLevelHook sets itself here
        self._warned = False

    @property
    def lower(self) -> OptimWrapper:
        return self.optim_wrappers['lower']

    @property
    def upper(self) -> OptimWrapper:
        return self.optim_wrappers['upper']

    # the lower level: what model.train_step drives
    def update_params(self, loss: torch.Tensor, step_kwargs: Optional[Dict] = None,
                      zero_kwargs: Optional[Dict] = None) -> None:
        if self.upper_driver is None and not self._warned:
            self._warned = True
            print_log("BiLevelOptimWrapper: no BiLevelHook drives the upper level, so it is never "
                      "trained; add dict(type='BiLevelHook') to custom_hooks.", logger='current',
                      level=logging.WARNING)
        self.lower.update_params(loss, step_kwargs, zero_kwargs)

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        self.lower.backward(loss, **kwargs)

    def step(self, **kwargs) -> None:
        self.lower.step(**kwargs)

    def zero_grad(self, **kwargs) -> None:
        """Zero the lower level's gradients (``upper`` is zeroed by ``BiLevelHook``)."""
        self.lower.zero_grad(**kwargs)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        with self.lower.optim_context(model):
            yield

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        return self.lower.scale_loss(loss)

    def should_update(self) -> bool:
        return self.lower.should_update()

    def should_sync(self) -> bool:
        return self.lower.should_sync()

    @property
    def inner_count(self) -> int:
        return self.lower.inner_count

    def initialize_count_status(self, model: nn.Module, init_counts: int,
                                max_counts: int) -> None:
        for wrapper in self.optim_wrappers.values():
            wrapper.initialize_count_status(model, init_counts, max_counts)
