"""Low-rank adaptation (LoRA, Hu et al. 2021) of frozen linear layers.

``W x + b`` becomes ``W x + b + s * B A x`` with ``A`` (r, in) random and ``B`` (out, r) zero, so an
adapted model computes exactly what the frozen one computes until ``B`` is trained. A layer may
adapt slices of its output separately (SAM's image encoder fuses q, k and v in one ``qkv`` layer;
SAMed adapts only the q and v slices).
"""
import math
from typing import List, Optional, Sequence, Set, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


class LoRALinear(nn.Linear):
    """``nn.Linear`` plus low-rank updates of some output slices.

    State-dict keys: ``weight``, ``bias`` (as the wrapped layer, so official checkpoints load
    unchanged) plus ``lora_A`` (S, r, in) and ``lora_B`` (S, out_s, r) for S adapted slices.

    Args:
        base: the frozen layer (its parameters are shared, not copied).
        rank: r.
        slices: (start, stop) output ranges to adapt, all of one width; None = the whole output.
        scale: s (SAMed and BLO-SAM use 1).
    """

    def __init__(self, base: nn.Linear, rank: int = 4,
                 slices: Optional[Sequence[Tuple[int, int]]] = None, scale: float = 1.0) -> None:
        if rank < 1:
            raise ValueError(f'LoRA rank must be >= 1, got {rank}.')
        nn.Module.__init__(self)
        self.in_features, self.out_features = base.in_features, base.out_features
        self.weight = base.weight
        self.bias = base.bias
        self.slices = [tuple(s) for s in slices] if slices else [(0, base.out_features)]
        widths = {stop - start for start, stop in self.slices}
        if len(widths) != 1 or any(s < 0 or e > base.out_features for s, e in self.slices):
            raise ValueError(f'LoRA slices {self.slices} must be equally wide ranges inside the '
                             f'{base.out_features} outputs.')
        self.rank, self.scale = rank, scale
        width = widths.pop()
        self.lora_A = nn.Parameter(base.weight.new_empty(len(self.slices), rank, self.in_features))
        self.lora_B = nn.Parameter(base.weight.new_zeros(len(self.slices), width, rank))
        for a in self.lora_A:
            nn.init.kaiming_uniform_(a, a=math.sqrt(5))  # as nn.Linear (and the LoRA paper)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.linear(x, self.weight, self.bias)
        update = torch.einsum('...i,sri,sor->...so', x, self.lora_A, self.lora_B) * self.scale
        parts, last = [], 0
        for k, (start, stop) in enumerate(self.slices):
            parts += [out[..., last:start], out[..., start:stop] + update[..., k, :]]
            last = stop
        parts.append(out[..., last:])
        return torch.cat(parts, dim=-1)

    def extra_repr(self) -> str:
        return f'{super().extra_repr()}, rank={self.rank}, slices={self.slices}'


def add_lora(root: nn.Module, names: Sequence[str], rank: int = 4,
             slices: Optional[Sequence[Tuple[int, int]]] = None,
             scale: float = 1.0) -> List[str]:
    """Replace every ``nn.Linear`` of ``root`` whose attribute name is in ``names`` (e.g.
    ``('q_proj', 'v_proj')``) by a :class:`LoRALinear` around it; returns their full names."""
    done = []
    for parent_name, parent in list(root.named_modules()):
        for name, child in list(parent.named_children()):
            if name in names and type(child) is nn.Linear:
                setattr(parent, name, LoRALinear(child, rank, slices, scale))
                done.append(f'{parent_name}.{name}' if parent_name else name)
    if not done:
        raise ValueError(f'No nn.Linear named {tuple(names)} in {type(root).__name__}.')
    return done


def is_lora_key(name: str) -> bool:
    """``name`` (a parameter or state-dict key) is a LoRA weight: ``...lora_A`` / ``...lora_B``."""
    return name.rsplit('.', 1)[-1] in ('lora_A', 'lora_B')


def lora_parameters(root: nn.Module) -> List[nn.Parameter]:
    """The ``lora_A`` / ``lora_B`` parameters under ``root``."""
    return [p for n, p in root.named_parameters() if is_lora_key(n)]


def lora_state_keys(root: nn.Module) -> Set[str]:
    """The state-dict keys of ``root`` that official (LoRA-free) checkpoints do not have."""
    return {k for k in root.state_dict() if is_lora_key(k)}
