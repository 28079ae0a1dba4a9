"""SSPrompt (Huang et al., "Learning to Prompt Segment Anything Models"), the paper's model:
N spatial prompts -> N masks, classified by the K semantic prompts."""
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from segment_anything.modeling import PromptEncoder

from ..prompt_common.points import projection
from ..sam.sam_arch import PROMPT_EMBED_DIM
from .base import BasePromptSource, PromptBatch, PromptContext


@MODELS.register_module()
class SSPrompt(BasePromptSource):
    """Spatial prompts give masks, semantic prompts classify them (Eq. 1, 2, 8).

    Each of the N spatial prompts of an image (SpaPrompt's fused point tokens, Eq. 4; or VSPL's
    points) is decoded **on its own**, as SAM decodes one point: the point token followed by
    SAM's padding token, "no mask" dense embedding. The decoder answers each with a mask m_i
    and its mask output token t_i. The class confidence of mask i is (Eq. 1's c, SEEM's reading)

        c_i = softmax_k( cos(G t_i, T_k) / tau )        T = the K semantic prompts (Eq. 6)

    with G (``token_to_text``, ``Linear(256, D)``) the map from SAM's output-token space into the
    text space of the semantic prompts. SEEM has that map pretrained; SAM has none, so G is the
    only part trained besides the prompts (D = 512: 131,584 parameters), or kept at its fixed
    seeded initialisation (``train_mapping=False``). ``SAMHead`` turns {m_i, c_i} into
    semantic-segmentation logits (MaskFormer's semantic inference, ``semantic_inference.py``).

    Args:
        semantic: a semantic prompt learner config (SemPrompt, CoOpPrompt, LOCNPrompt): gives
            the K classes and T (K, D).
        spatial: a spatial prompt learner config (SpaPrompt, VSPLPrompt): N tokens per image.
        temperature: tau (CLIP's learned value is 0.01).
        train_mapping: train G (default) or keep it at its initialisation.
        mapping_seed: seed of G's initialisation: orthonormal rows, zero bias.
    """
    classifies_masks = True

    def __init__(self, semantic: dict, spatial: Optional[dict] = dict(type='SpaPrompt'),
                 temperature: float = 0.01, train_mapping: bool = True, mapping_seed: int = 0,
                 prompt_encoder: Optional[PromptEncoder] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if spatial is None:
            raise ValueError('SSPrompt decodes one mask per spatial prompt: give a spatial '
                             "learner (e.g. dict(type='SpaPrompt', mode='default')).")
        if not temperature > 0:
            raise ValueError(f'temperature must be positive, got {temperature}.')
        self.semantic = self.build_part(semantic, prompt_encoder)
        self.spatial = self.build_part(spatial, prompt_encoder)
        self.class_names = self.semantic.class_names
        self.temperature = float(temperature)
        self.token_to_text = nn.Linear(PROMPT_EMBED_DIM, self.semantic.embed_dim)
        with torch.no_grad():
            self.token_to_text.weight.copy_(
                projection(PROMPT_EMBED_DIM, mapping_seed, self.semantic.embed_dim).t())
            self.token_to_text.bias.zero_()
        self.token_to_text.requires_grad_(bool(train_mapping))

    def init_weights(self) -> None:
        """Nothing to do: every part is initialised at construction (G from its seed)."""

    def forward(self, ctx: PromptContext) -> List[PromptBatch]:
        """B x N single-point prompts: (B*N, 2, 256) = [spatial token, SAM's padding token]."""
        tokens = self.spatial(ctx)  # (B, N, C)
        b, n, c = tokens.shape
        pad = ctx.prompt_encoder.not_a_point_embed.weight.reshape(1, 1, c).expand(b * n, 1, c)
        return [PromptBatch(
            sparse=torch.cat([tokens.reshape(b * n, 1, c), pad.to(tokens.dtype)], dim=1),
            dense=ctx.no_mask_dense(),
            batch_idx=torch.arange(b, device=ctx.device).repeat_interleave(n),
            class_idx=torch.full((b * n, ), -1, dtype=torch.long, device=ctx.device))]

    def class_logits(self, mask_tokens: torch.Tensor,
                     ctx: Optional[PromptContext] = None) -> torch.Tensor:
        """(n, K) cos(G t_i, T_k) / tau for mask output tokens (n, 256)."""
        text = F.normalize(self.semantic(ctx), dim=-1)
        query = F.normalize(self.token_to_text(mask_tokens), dim=-1)
        return query @ text.t() / self.temperature

    @torch.no_grad()
    def export(self) -> dict:
        """What was learned, for plain ``segment_anything`` (``tools/export_prompts.py``):
        the points as fractions of the image (N, 2), the spatial prompts as a * E + b of SAM's
        own point tokens E (a (N,), b (N, 256)), the fused semantic prompts T (K, D), G and tau."""
        scale, shift = self.spatial.affine()
        return dict(
            class_names=list(self.class_names),
            point_fractions=self.spatial.point_fractions().detach().cpu().clone(),
            spatial_scale=scale.cpu(), spatial_shift=shift.cpu(),
            semantic=self.semantic(None).detach().cpu().clone(),
            mapping_weight=self.token_to_text.weight.detach().cpu().clone(),
            mapping_bias=self.token_to_text.bias.detach().cpu().clone(),
            temperature=self.temperature)

    def classify(self, mask_tokens: torch.Tensor,
                 ctx: Optional[PromptContext] = None) -> torch.Tensor:
        """(n, K) class confidences c_i (rows sum to 1) of masks with output tokens (n, 256)."""
        return torch.softmax(self.class_logits(mask_tokens, ctx), dim=-1)
