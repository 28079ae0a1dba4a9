"""SSPrompt as a per-class prompt model (this project's first reading, kept as an option):
one prompt per (image, class) made of all spatial tokens and that class's semantic token."""
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from segment_anything.modeling import PromptEncoder

from ..prompt_common.points import point_token_norm, projection
from .base import BasePromptSource, PromptBatch, PromptContext


@MODELS.register_module()
class SSPromptPerClass(BasePromptSource):
    """One prompt per (image, class): the image's N spatial tokens then that class's token.

    The mask decoder answers each prompt with one mask, which becomes that class's logit map
    (``SAMHead``), so K classes cost K decoder passes per image, batched. The semantic prompts
    (K, D) live in the text space; SAM has no text pathway, so they enter SAM's 256-d prompt
    space through a fixed seeded map with orthonormal rows/columns, scaled to the norm of a SAM
    point token (read from the prompt encoder at construction). Unlike :class:`SSPrompt`
    nothing but the prompts trains.

    Args:
        semantic: a semantic prompt learner config (gives K, the classes).
        spatial: a spatial prompt learner config, or None for the semantic token alone.
        seed: seed of the text-to-prompt map.
    """

    def __init__(self, semantic: dict, spatial: Optional[dict] = dict(type='SpaPrompt'),
                 seed: int = 0, prompt_encoder: Optional[PromptEncoder] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.semantic = self.build_part(semantic, prompt_encoder)
        self.spatial = (self.build_part(spatial, prompt_encoder)
                        if spatial is not None else None)
        self.class_names = self.semantic.class_names
        self.register_buffer('text_to_prompt', projection(self.semantic.embed_dim, seed),
                             persistent=False)
        self.register_buffer('token_norm',
                             point_token_norm(self.starting_values(prompt_encoder)).cpu())

    def semantic_tokens(self, ctx: Optional[PromptContext] = None) -> torch.Tensor:
        """(K, 256) the semantic prompts as SAM prompt tokens."""
        return F.normalize(self.semantic(ctx) @ self.text_to_prompt, dim=-1) * self.token_norm

    def tokens(self, ctx: PromptContext) -> torch.Tensor:
        """(B, K, N + 1, 256): per image and class, the spatial tokens then the class token."""
        sem = self.semantic_tokens(ctx)[None, :, None].expand(ctx.num_images, -1, -1, -1)
        if self.spatial is None:
            return sem
        spa = self.spatial(ctx)[:, None]  # (B, 1, N, C)
        return torch.cat([spa.expand(-1, sem.shape[1], -1, -1), sem], dim=2)

    def forward(self, ctx: PromptContext) -> List[PromptBatch]:
        tokens = self.tokens(ctx)
        b, k = tokens.shape[:2]
        return [PromptBatch(
            sparse=tokens.flatten(0, 1),
            dense=ctx.no_mask_dense(),
            batch_idx=torch.arange(b, device=ctx.device).repeat_interleave(k),
            class_idx=torch.arange(k, device=ctx.device).repeat(b))]
