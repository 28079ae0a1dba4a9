"""Split a model's trainable parameters into the two levels of bi-level training."""
import copy
from typing import List, Optional, Sequence, Tuple

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS

Named = List[Tuple[str, nn.Parameter]]


def matches(name: str, prefixes: Sequence[str]) -> bool:
    """``name`` is one of ``prefixes`` or lies under one (prefixes end at a dot)."""
    return any(name == p or name.startswith(p + '.') for p in prefixes)


def split_levels(model: nn.Module, upper_params: Sequence[str]) -> Tuple[Named, Named]:
    """(lower, upper) named trainable parameters; frozen ones are in neither.

    Raises ValueError when a prefix names no trainable parameter or a level is empty.
    """
    named = list(model.named_parameters())
    trainable = [(n, p) for n, p in named if p.requires_grad]
    for prefix in upper_params:
        if not any(matches(n, [prefix]) for n, _ in trainable):
            frozen = any(matches(n, [prefix]) for n, _ in named)
            raise ValueError(
                f'BiLevelOptimWrapperConstructor: upper_params prefix {prefix!r} '
                + ('names only frozen parameters.' if frozen else
                   'matches no parameter of the model.')
                + ' Give the module path of the learned prompt, e.g. '
                "'decode_head.prompt_source'.")
    upper = [(n, p) for n, p in trainable if matches(n, upper_params)]
    lower = [(n, p) for n, p in trainable if not matches(n, upper_params)]
    if not upper:
        raise ValueError('BiLevelOptimWrapperConstructor: the upper level is empty; set '
                         'upper_params to the prompt\'s module path(s).')
    if not lower:
        raise ValueError(
            'BiLevelOptimWrapperConstructor: the lower level is empty: every trainable parameter '
            f'is under upper_params {tuple(upper_params)}. Make model parts trainable for the '
            "lower level, e.g. decode_head.trainable=('mask_decoder', ) or a LoRA decoder.")
    return lower, upper


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class BiLevelOptimWrapperConstructor:
    """Build a ``BiLevelOptimWrapper``: ``upper`` trains the parameters under ``upper_params``,
    ``lower`` every other trainable parameter.

    Config (``optim_wrapper``)::

        dict(type='BiLevelOptimWrapper', constructor='BiLevelOptimWrapperConstructor',
             lower=dict(optimizer=dict(type='AdamW', lr=5e-3, weight_decay=0.1)),
             upper=dict(optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.1)),
             upper_params=('decode_head.prompt_source', ))

    ``lower`` / ``upper`` are ``OptimWrapper`` configs (``type`` defaults to 'OptimWrapper';
    ``clip_grad`` etc. allowed); ``paramwise_cfg`` is not supported.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        if paramwise_cfg:
            raise ValueError('BiLevelOptimWrapperConstructor does not support paramwise_cfg.')
        cfg = copy.deepcopy(dict(optim_wrapper_cfg))
        missing = [k for k in ('lower', 'upper', 'upper_params') if k not in cfg]
        if missing:
            raise ValueError(f'BiLevelOptimWrapperConstructor: optim_wrapper lacks {missing}.')
        self.type = cfg.pop('type', 'BiLevelOptimWrapper')
        self.lower_cfg, self.upper_cfg = dict(cfg.pop('lower')), dict(cfg.pop('upper'))
        prefixes = cfg.pop('upper_params')
        self.upper_params = (prefixes, ) if isinstance(prefixes, str) else tuple(prefixes)
        if not self.upper_params:
            raise ValueError('BiLevelOptimWrapperConstructor: upper_params is empty.')
        if cfg:
            raise ValueError(f'BiLevelOptimWrapperConstructor: unknown keys {sorted(cfg)}.')
        for name, level in (('lower', self.lower_cfg), ('upper', self.upper_cfg)):
            if 'optimizer' not in level:
                raise ValueError(f'BiLevelOptimWrapperConstructor: {name} needs an optimizer.')

    @staticmethod
    def _build_level(level_cfg: dict, params: Named) -> OptimWrapper:
        level_cfg = copy.deepcopy(level_cfg)
        optimizer = OPTIMIZERS.build(dict(level_cfg.pop('optimizer'),
                                          params=[p for _, p in params]))
        level_cfg.setdefault('type', 'OptimWrapper')
        return OPTIM_WRAPPERS.build(dict(level_cfg, optimizer=optimizer))

    def __call__(self, model: nn.Module) -> OptimWrapper:
        if is_model_wrapper(model):
            model = model.module
        lower, upper = split_levels(model, self.upper_params)
        for name, params in (('lower', lower), ('upper', upper)):
            print_log(f'bi-level {name} level: {len(params)} tensors, '
                      f'{sum(p.numel() for _, p in params):,} parameters '
                      f'(e.g. {", ".join(n for n, _ in params[:3])})', logger='current')
        return OPTIM_WRAPPERS.build(dict(type=self.type,
                                         lower=self._build_level(self.lower_cfg, lower),
                                         upper=self._build_level(self.upper_cfg, upper)))
