"""SSPrompt's fusion of default and learnable prompt embeddings (Eq. 4 and Eq. 6).

The extracted paper text lost its formulas; what survives: learnable weights "weight the default
prompt embeddings" and the result is "fused with learnable embeddings"; the no-weight ablation is
"the learnable embedding averaged with the default"; learnable parameters are initialised "as in
Eq. 2", i.e. so that training starts from the zero-shot default prompts. The reading implemented:

    new_i = w_i * E_i + (1 - w_i) * P_i

with E the frozen default embeddings, P the learnable embeddings (initialised to E) and one
learnable scalar weight w_i per prompt (per class for semantic prompts, which is what the paper's
Fig. 3b plots), initialised to 0.5. It is sound because it is a convex combination at w in [0, 1]
(the scale of the tokens SAM's decoder was trained on is kept), it equals the paper's averaging
ablation at w = 0.5, it gives exactly the default prompts at w = 1, and it starts at the default
whatever w is, since P = E at initialisation.
"""
import torch
import torch.nn as nn

MODES = ('default', 'average', 'weighted')


class PromptFusion(nn.Module):
    """``num`` prompt embeddings of size ``dim`` fused from defaults and learnables.

    Args:
        mode: 'default' (zero-shot: E, nothing learnable), 'average' (w fixed at 0.5, P learnable:
            the ablation "embedding without weights"), 'weighted' (w and P learnable).
        weight_init: initial w for 'weighted'.
    """

    def __init__(self, num: int, dim: int, mode: str = 'weighted', weight_init: float = 0.5) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f'prompt mode must be one of {MODES}, got {mode!r}.')
        self.mode = mode
        self.register_buffer('default', torch.zeros(num, dim))
        if mode == 'default':
            self.register_buffer('weight', torch.ones(num))
        elif mode == 'average':
            self.register_buffer('weight', torch.full((num, ), 0.5))
        else:
            self.weight = nn.Parameter(torch.full((num, ), float(weight_init)))
        self.embedding = nn.Parameter(torch.zeros(num, dim)) if mode != 'default' else None

    @torch.no_grad()
    def set_default(self, default: torch.Tensor) -> None:
        """Store E (num, dim) and start P from it."""
        self.default.copy_(default)
        if self.embedding is not None:
            self.embedding.copy_(default)

    def forward(self) -> torch.Tensor:
        """(num, dim) fused embeddings."""
        if self.embedding is None:
            return self.default
        w = self.weight[:, None]
        return w * self.default + (1 - w) * self.embedding
