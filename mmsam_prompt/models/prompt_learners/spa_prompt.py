"""SpaPrompt (SSPrompt, spatial prompt learning, Eq. 4): spatial prompts learned in SAM's
embedding space."""
import math

import torch
from mmseg.registry import MODELS

from ..prompt_common.fusion import PromptFusion
from ..prompt_common.points import foreground_point_tokens, point_grid, valid_region_grids
from ..prompt_sources.base import PromptContext
from ..sam.sam_arch import PROMPT_EMBED_DIM
from .base import BasePromptLearner


@MODELS.register_module()
class SpaPrompt(BasePromptLearner):
    """N spatial prompt tokens per image: fused default point embeddings and learnable ones.

    Defaults (Eq. 2): a sqrt(N) x sqrt(N) grid of foreground points over each image's valid
    region (``SampleFrame.img_shape``: never on the padding), through SAM's frozen prompt
    encoder (positional encoding + foreground-point embedding), without gradients. The grid
    depends on the image's size, so the defaults are encoded at every call (N positional
    encodings: negligible); :class:`PromptFusion` fuses them with the learned embeddings.

    Args:
        num_points: N, a square number (100 as in the paper).
        mode: 'default', 'average' or 'weighted'; reading: 'convex' or 'additive';
        weight_init: see :class:`PromptFusion`.

    Shapes: forward(ctx) -> (B, N, 256), one row of N tokens per image.
    """

    def __init__(self, num_points: int = 100, mode: str = 'weighted', reading: str = 'convex',
                 weight_init=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.side = math.isqrt(num_points)
        if num_points < 1 or self.side * self.side != num_points:
            raise ValueError(f'num_points must be a square number, got {num_points}.')
        self.num_points = num_points
        self.fusion = PromptFusion(num_points, PROMPT_EMBED_DIM, None, mode, reading, weight_init)

    def point_fractions(self) -> torch.Tensor:
        """(N, 2) the points as fractions of the valid region's width and height."""
        return point_grid(self.side, 1, 1)

    def default_points(self, ctx: PromptContext) -> torch.Tensor:
        """(B, N, 2) the grid of every image, in network-input pixels."""
        return valid_region_grids(self.side, ctx.frames, ctx.device)

    def default_tokens(self, ctx: PromptContext) -> torch.Tensor:
        """(B, N, 256) E: SAM's tokens of the grid points, each a foreground point alone."""
        with torch.no_grad():
            return foreground_point_tokens(ctx.prompt_encoder, self.default_points(ctx))

    def affine(self):
        """(a (N,), b (N, 256)): the learned token of point i is a_i * E_i + b_i."""
        return self.fusion.affine()

    def forward(self, ctx: PromptContext) -> torch.Tensor:
        return self.fusion(self.default_tokens(ctx))
