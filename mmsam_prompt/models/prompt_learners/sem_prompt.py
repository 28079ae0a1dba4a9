"""SemPrompt (SSPrompt, semantic prompt learning, Eq. 6): one semantic prompt per class, learned
in the text encoder's embedding space (D = 512 for CLIP ViT-B/16)."""
from typing import Optional, Sequence

import torch
from mmseg.registry import MODELS

from ..prompt_common.fusion import PromptFusion
from ..prompt_common.text import class_name_embeddings
from ..prompt_sources.base import PromptContext
from .base import BasePromptLearner


@MODELS.register_module()
class SemPrompt(BasePromptLearner):
    """K semantic prompt embeddings: fused default class-name embeddings and learnable ones.

    Defaults (Eq. 2): the raw class names through mmseg's frozen ``CLIPTextEncoder`` (prompt
    templates averaged, unit norm), computed once at construction; the text encoder is not kept,
    so it can never run in a training step. See :class:`PromptFusion` for the fusion.

    Args:
        class_names: the K classes, in the data set's order.
        text_encoder: overrides for ``CLIPTextEncoder`` (e.g. smaller sizes in tests).
        text_checkpoint: CLIP text-encoder weights in mmseg's format (random without).
        mode: 'default', 'average' or 'weighted'; reading: 'convex' or 'additive';
        weight_init: see :class:`PromptFusion`.

    Attributes: ``embed_dim`` D (the text encoder's output size).
    Shapes: forward(ctx) -> (K, D).
    """

    def __init__(self, class_names: Sequence[str], text_encoder: dict = dict(),
                 text_checkpoint: Optional[str] = None, mode: str = 'weighted',
                 reading: str = 'convex', weight_init=None, seed: int = 0, **kwargs) -> None:
        super().__init__(**kwargs)
        if not class_names:
            raise ValueError('SemPrompt needs the class names of the data set.')
        self.class_names = tuple(class_names)
        text = class_name_embeddings(self.class_names, text_encoder, text_checkpoint, seed)
        self.embed_dim = text.shape[1]
        self.fusion = PromptFusion(len(self.class_names), self.embed_dim, text, mode, reading,
                                   weight_init)

    def forward(self, ctx: Optional[PromptContext] = None) -> torch.Tensor:
        return self.fusion()
