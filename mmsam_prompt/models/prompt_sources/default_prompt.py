"""SAM's default prompt: no points, no box, no mask (what SAMed decodes every image with)."""
from typing import List

import torch
from mmseg.registry import MODELS

from .base import BasePromptSource, PromptBatch, PromptContext


@MODELS.register_module()
class DefaultPrompt(BasePromptSource):
    """One prompt per image, for ``target_class``, made by SAM's prompt encoder given nothing.

    SAM's prompt encoder without prompts returns no sparse token and its ``no_mask_embed``
    vector broadcast over the embedding grid. It is called at every forward pass, so the prompt
    always follows the prompt encoder's current weights (a loaded checkpoint, or a prompt encoder
    that is trained, as ``decode_head.trainable=('prompt_encoder', ...)`` allows). Has no
    parameters of its own.

    Args:
        target_class: output channel the mask is written to (binary sets: 1; the head's
            ``background_index`` channel holds the constant logit 0).

    Shapes: for B images, sparse (B, 0, 256) and dense (1, 256, h, w), broadcast over B.
    """

    def __init__(self, target_class: int = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.target_class = int(target_class)

    def forward(self, ctx: PromptContext) -> List[PromptBatch]:
        b = ctx.num_images
        # sparse (1, 0, C), dense (1, C, h, w)
        sparse, dense = ctx.prompt_encoder(points=None, boxes=None, masks=None)
        return [PromptBatch(sparse.expand(b, -1, -1), dense,
                            torch.arange(b, device=ctx.device),
                            torch.full((b, ), self.target_class, dtype=torch.long,
                                       device=ctx.device))]
