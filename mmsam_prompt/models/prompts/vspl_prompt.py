"""VSPL (SSPrompt's Table 8, Vanilla Spatial Prompt Learning): learn the 2-D point coordinates."""
import math
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from segment_anything.modeling import PromptEncoder

from .grid_point_prompt import foreground_point_tokens, point_grid


def grid_logits(side: int) -> torch.Tensor:
    """(side*side, 2) unconstrained xy whose sigmoid is the centre grid of
    :func:`~.grid_point_prompt.point_grid`, as fractions of the image side."""
    return torch.logit(point_grid(side, 1, 1))


@MODELS.register_module()
class VSPLPrompt(BaseModule):
    """N spatial prompt tokens from N learnable foreground points.

    The learnable parameters are the points' coordinates, nothing else. Every forward encodes
    them with SAM's frozen prompt encoder (positional encoding + foreground-point embedding), so
    the gradient reaches the coordinates through the frozen encoder. The coordinates are
    ``sigmoid(coord_logits) * (W, H)`` of the square network input: always inside the image,
    with no clamping that would stop the gradient. They start at the sqrt(N) x sqrt(N) grid of
    :class:`SpaPrompt`'s defaults, so at initialisation the tokens are SpaPrompt's default
    tokens (up to float rounding of logit/sigmoid).

    Args:
        num_points: N, a square number (100 as in the paper).

    Shapes: ``coord_logits`` (N, 2); :meth:`coords` -> (N, 2) pixel xy; forward() -> (N, 256).
    """

    def __init__(self, num_points: int = 100, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.side = math.isqrt(num_points)
        if self.side * self.side != num_points:
            raise ValueError(f'num_points must be a square number, got {num_points}.')
        self.coord_logits = nn.Parameter(grid_logits(self.side))
        self._prompt_encoder: Optional[PromptEncoder] = None

    def setup(self, prompt_encoder: PromptEncoder) -> None:
        """Keep a reference to SAM's prompt encoder, not registered as a submodule (it belongs
        to the head: no second copy in the state dict, no parameters of it here)."""
        object.__setattr__(self, '_prompt_encoder', prompt_encoder)

    def _encoder(self) -> PromptEncoder:
        if self._prompt_encoder is None:
            raise RuntimeError('VSPLPrompt.setup(prompt_encoder) must run before forward().')
        return self._prompt_encoder

    def coords(self) -> torch.Tensor:
        """(N, 2) point xy in pixels of the network input, inside [0, W] x [0, H]."""
        h, w = self._encoder().input_image_size
        return torch.sigmoid(self.coord_logits) * self.coord_logits.new_tensor([w, h])

    def forward(self) -> torch.Tensor:
        """(N, 256) point tokens of the current coordinates."""
        return foreground_point_tokens(self._encoder(), self.coords())
