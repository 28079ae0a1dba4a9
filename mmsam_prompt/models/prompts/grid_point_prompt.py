"""A regular grid of foreground points over the image."""
from typing import List

import torch
from mmseg.registry import MODELS

from .base_prompt_source import BasePromptSource, PromptBatch


def point_grid(points_per_side: int, height: int, width: int) -> torch.Tensor:
    """(n*n, 2) xy at the centres of an n x n grid of cells covering a height x width image."""
    t = (torch.arange(points_per_side, dtype=torch.float32) + 0.5) / points_per_side
    ys, xs = torch.meshgrid(t * height, t * width, indexing='ij')
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)


def foreground_point_tokens(prompt_encoder, xy: torch.Tensor) -> torch.Tensor:
    """SAM's sparse tokens of N foreground points given together, without the padding token
    the prompt encoder appends when there is no box.

    Shapes: xy (N, 2) pixel coordinates of the network input -> (N, 256).
    """
    labels = torch.ones(1, xy.shape[0], dtype=torch.int, device=xy.device)
    sparse, _ = prompt_encoder(points=(xy[None], labels), boxes=None, masks=None)
    return sparse[0, :xy.shape[0]]


@MODELS.register_module()
class GridPointPrompt(BasePromptSource):
    """Points on a grid over the valid (unpadded) image area, all labelled foreground.

    Args:
        points_per_side: n, giving n*n points.
        mode: 'joint' = all points are the tokens of one prompt (one mask per image, the
            default spatial prompts of SSPrompt's Eq. 2); 'separate' = each point is its own
            prompt (n*n masks, merged per class by a pixel-wise max, as in SAM's
            automatic mask generation).
        class_index: class channel the masks write to.
    """

    def __init__(self, points_per_side: int = 10, mode: str = 'joint', class_index: int = 1,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if mode not in ('joint', 'separate'):
            raise ValueError(f"GridPointPrompt mode must be 'joint' or 'separate', got {mode!r}.")
        self.points_per_side = points_per_side
        self.mode = mode
        self.class_index = class_index

    def forward(self, prompt_encoder, image_embeddings, data_samples) -> List[PromptBatch]:
        out = []
        for i, ds in enumerate(data_samples):
            h, w = ds.metainfo['img_shape'][:2]
            xy = point_grid(self.points_per_side, h, w).to(image_embeddings.device)
            xy = xy[None] if self.mode == 'joint' else xy[:, None]
            labels = torch.ones(xy.shape[:2], dtype=torch.int, device=xy.device)
            classes = torch.full((xy.shape[0], ), self.class_index)
            out.append(self.encode(prompt_encoder, i, classes, points=(xy, labels)))
        return out
