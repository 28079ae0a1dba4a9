"""VSPL (SSPrompt's Table 8, Vanilla Spatial Prompt Learning): learn the 2-D point coordinates."""
import math

import torch
import torch.nn as nn
from mmseg.registry import MODELS

from ..prompt_common.points import foreground_point_tokens, point_grid
from ..prompt_sources.base import PromptContext
from ..sam.sam_arch import PROMPT_EMBED_DIM
from .base import BasePromptLearner


def grid_logits(side: int) -> torch.Tensor:
    """(side*side, 2) unconstrained xy whose sigmoid is the centre grid of
    :func:`~..prompt_common.points.point_grid`, as fractions of the image side."""
    return torch.logit(point_grid(side, 1, 1))


@MODELS.register_module()
class VSPLPrompt(BasePromptLearner):
    """N spatial prompt tokens per image from N learnable foreground points.

    The learnable parameters are the points' coordinates, nothing else, as fractions of each
    image's valid region: ``sigmoid(coord_logits) * (W, H)`` with (H, W) the image's
    ``img_shape``, so a point is always on the image (never on the padding) and no clamping
    stops the gradient. Every forward encodes them with SAM's frozen prompt encoder (positional
    encoding + foreground-point embedding), so the gradient reaches the coordinates through the
    frozen encoder. They start at :class:`SpaPrompt`'s grid, so at initialisation the tokens are
    SpaPrompt's default tokens (up to float rounding of logit/sigmoid).

    Args:
        num_points: N, a square number (100 as in the paper).

    Shapes: ``coord_logits`` (N, 2); :meth:`coords` -> (B, N, 2) pixel xy;
    forward(ctx) -> (B, N, 256).
    """

    def __init__(self, num_points: int = 100, **kwargs) -> None:
        super().__init__(**kwargs)
        self.side = math.isqrt(num_points)
        if num_points < 1 or self.side * self.side != num_points:
            raise ValueError(f'num_points must be a square number, got {num_points}.')
        self.num_points = num_points
        self.coord_logits = nn.Parameter(grid_logits(self.side))

    def point_fractions(self) -> torch.Tensor:
        """(N, 2) the points as fractions of the valid region's width and height, in (0, 1)."""
        return torch.sigmoid(self.coord_logits)

    def coords(self, ctx: PromptContext) -> torch.Tensor:
        """(B, N, 2) point xy in network-input pixels, inside each image's valid region."""
        if not ctx.frames:
            raise ValueError('VSPLPrompt needs one SampleFrame per image (PromptContext.frames).')
        wh = torch.tensor([[f.img_shape[1], f.img_shape[0]] for f in ctx.frames],
                          dtype=torch.float32, device=self.coord_logits.device)
        return self.point_fractions()[None] * wh[:, None]

    def affine(self):
        """(a (N,), b (N, 256)) = (1, 0): the token of point i is SAM's own, E_i."""
        return torch.ones(self.num_points), torch.zeros(self.num_points, PROMPT_EMBED_DIM)

    def forward(self, ctx: PromptContext) -> torch.Tensor:
        """(B, N, 256) point tokens of the current coordinates (SAM's frozen prompt encoder)."""
        return foreground_point_tokens(ctx.prompt_encoder, self.coords(ctx))
