"""SpaPrompt (SSPrompt, spatial prompt learning): learn spatial prompts in SAM's embedding space."""
import math

import torch
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from segment_anything.modeling import PromptEncoder

from .grid_point_prompt import foreground_point_tokens, point_grid
from .prompt_fusion import PromptFusion


@MODELS.register_module()
class SpaPrompt(BaseModule):
    """N spatial prompt tokens: fused default point embeddings and learnable embeddings.

    The defaults are a sqrt(N) x sqrt(N) grid of foreground points over the square network input
    (image independent, so they are encoded once), passed through SAM's frozen prompt encoder
    (positional encoding + foreground-point embedding). See :class:`PromptFusion` for the fusion.

    Args:
        num_points: N, a square number (100 as in the paper).
        mode: 'default', 'average' or 'weighted' (see PromptFusion).

    Shapes: forward() -> (N, 256).
    """

    def __init__(self, num_points: int = 100, mode: str = 'weighted', weight_init: float = 0.5,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.side = math.isqrt(num_points)
        if self.side * self.side != num_points:
            raise ValueError(f'num_points must be a square number, got {num_points}.')
        self.fusion = PromptFusion(num_points, 256, mode, weight_init)

    @torch.no_grad()
    def setup(self, prompt_encoder: PromptEncoder) -> None:
        """Encode the default grid once with the (frozen) prompt encoder."""
        h, w = prompt_encoder.input_image_size
        xy = point_grid(self.side, h, w).to(prompt_encoder.no_mask_embed.weight.device)
        self.fusion.set_default(foreground_point_tokens(prompt_encoder, xy))

    def forward(self) -> torch.Tensor:
        return self.fusion()
