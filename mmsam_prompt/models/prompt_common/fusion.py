"""SSPrompt's fusion of default and learnable prompt embeddings (Eq. 4 spatial, Eq. 6 semantic).

The extracted paper lost the formulas; the prose keeps: learnable weights *weight the default
prompt embeddings* E, which are then *fused with learnable embeddings* P; the ablation without
weights *averages* the learnable embedding with the default (Table 5); P and w are initialised
"as in Eq. 2", so training starts from the zero-shot default prompts. Two readings:

``convex`` (default, the paper's):  new = w * E + (1 - w) * P,   w = sigmoid(weight_logit)
    w in (0, 1) per prompt, starting at 0.5; P starts at E. ``w = 0.5`` fixed is exactly the
    averaging ablation, w -> 1 is the default prompt, w -> 0 the learned one, so w reads as the
    trust put in the pre-trained encoder (the paper's Fig. 3b). Since P = E at the start,
    d new / d w = E - P = 0 there: w starts to move once P has (tested).
``additive``:  new = w * E + P,   w from 1 (unconstrained), P from 0
    also the default prompts at the start, and w has a gradient from the first step.

E is either fixed (semantic prompts: given at construction, kept as a buffer) or given with
every call (spatial prompts: the default grid depends on each image's valid region). In the
second case the convex reading stores P relative to E, P = E + offset with the offset from 0,
so P starts at every image's own E; with images of one size this is the same model as an
absolute P initialised to E.
"""
import math
from typing import Optional

import torch
import torch.nn as nn

MODES = ('default', 'average', 'weighted')
READINGS = ('convex', 'additive')


class PromptFusion(nn.Module):
    """``num`` fused prompt embeddings of size ``dim`` (see the module docstring).

    Args:
        num: number of prompts (one weight each).
        dim: embedding size.
        default: E (num, dim), fixed; None = E is given to :meth:`forward` with every call.
        mode: 'default' (new = E, nothing learned), 'average' (w fixed at its starting value:
            0.5 convex = Table 5's "averaged" embedding, 1 additive; P learned), 'weighted'
            (w and P learned).
        reading: 'convex' or 'additive'.
        weight_init: starting w; default 0.5 (convex, must lie in (0, 1)) or 1 (additive).

    Parameters (mode 'weighted'): ``weight_logit`` (num,) convex / ``weight`` (num,) additive,
    ``embedding`` (num, dim): P (fixed E, convex), P - E (E per call, convex) or P (additive).
    """

    def __init__(self, num: int, dim: int, default: Optional[torch.Tensor] = None,
                 mode: str = 'weighted', reading: str = 'convex',
                 weight_init: Optional[float] = None) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f'prompt mode must be one of {MODES}, got {mode!r}.')
        if reading not in READINGS:
            raise ValueError(f'fusion reading must be one of {READINGS}, got {reading!r}.')
        if default is not None and tuple(default.shape) != (num, dim):
            raise ValueError(f'default embeddings must be ({num}, {dim}), got '
                             f'{tuple(default.shape)}.')
        self.num, self.dim, self.mode, self.reading = int(num), int(dim), mode, reading
        init = float(weight_init if weight_init is not None else
                     (0.5 if reading == 'convex' else 1.0))
        if reading == 'convex' and not 0.0 < init < 1.0:
            raise ValueError(f'convex fusion keeps w in (0, 1); weight_init={init} is not.')
        self.fixed_default = default is not None
        if default is not None:
            self.register_buffer('default', default.detach().float().clone())
        if mode == 'default':
            self.embedding = None
            return
        relative = reading == 'additive' or default is None
        self.embedding = nn.Parameter(torch.zeros(num, dim) if relative else
                                      self.default.clone())
        if mode == 'average':
            self.register_buffer('weight', torch.full((num, ), init))
        elif reading == 'convex':
            self.weight_logit = nn.Parameter(torch.full((num, ), math.log(init / (1 - init))))
        else:
            self.weight = nn.Parameter(torch.full((num, ), init))

    @property
    def weights(self) -> torch.Tensor:
        """(num,) the current w (ones in mode 'default')."""
        if self.mode == 'default':
            return torch.ones(self.num)
        if self.mode == 'weighted' and self.reading == 'convex':
            return torch.sigmoid(self.weight_logit)
        return self.weight

    def forward(self, default: Optional[torch.Tensor] = None) -> torch.Tensor:
        """(..., num, dim) fused embeddings; ``default``: E (..., num, dim) when not fixed."""
        if self.fixed_default == (default is not None):
            raise ValueError('PromptFusion: give the default embeddings to forward() exactly when '
                             'they were not given at construction.')
        e = self.default if default is None else default
        if self.mode == 'default':
            return e
        w = self.weights[:, None]
        if self.reading == 'additive':
            return w * e + self.embedding
        p = self.embedding if self.fixed_default else e + self.embedding
        return w * e + (1 - w) * p

    def affine(self) -> tuple:
        """(a (num,), b (num, dim)) with new = a * E + b, for E given per call (export)."""
        if self.fixed_default:
            raise ValueError('affine() is for defaults given per call.')
        if self.mode == 'default':
            return torch.ones(self.num), torch.zeros(self.num, self.dim)
        w = self.weights.detach()
        if self.reading == 'additive':
            return w.clone(), self.embedding.detach().clone()
        return torch.ones(self.num), (1 - w)[:, None] * self.embedding.detach()
