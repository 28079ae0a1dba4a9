"""A regular grid of foreground points over the image."""
from typing import List

import torch
from mmseg.registry import MODELS

from ..prompt_common.points import point_grid
from .base import BasePromptSource, PromptBatch, PromptContext


@MODELS.register_module()
class GridPointPrompt(BasePromptSource):
    """Points on a grid over the valid (unpadded) image area, all labelled foreground.

    Args:
        points_per_side: n, giving n*n points.
        mode: 'joint' = all points are the tokens of one prompt (one mask per image);
            'separate' = each point is its own prompt (n*n masks, merged per class by a
            pixel-wise max, as in SAM's automatic mask generation).
        target_class: class channel the masks write to.
    """

    def __init__(self, points_per_side: int = 10, mode: str = 'joint', target_class: int = 1,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if mode not in ('joint', 'separate'):
            raise ValueError(f"GridPointPrompt mode must be 'joint' or 'separate', got {mode!r}.")
        self.points_per_side = points_per_side
        self.mode = mode
        self.target_class = int(target_class)

    def forward(self, ctx: PromptContext) -> List[PromptBatch]:
        out = []
        for i, frame in enumerate(ctx.frames):
            h, w = frame.img_shape
            xy = point_grid(self.points_per_side, h, w).to(ctx.device)
            xy = xy[None] if self.mode == 'joint' else xy[:, None]
            labels = torch.ones(xy.shape[:2], dtype=torch.int, device=xy.device)
            classes = torch.full((xy.shape[0], ), self.target_class)
            out.append(ctx.encode(i, classes, points=(xy, labels)))
        return out
