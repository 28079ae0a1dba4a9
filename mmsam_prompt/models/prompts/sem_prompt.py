"""SemPrompt (SSPrompt, semantic prompt learning): learn one semantic prompt token per class."""
import logging
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import load_checkpoint
from mmseg.models.text_encoder import CLIPTextEncoder
from mmseg.registry import MODELS

from .grid_point_prompt import foreground_point_tokens
from .prompt_fusion import PromptFusion


@torch.no_grad()
def build_text_encoder(class_names: Sequence[str], text_encoder: dict,
                       checkpoint: Optional[str] = None, seed: int = 0,
                       owner: str = 'SemPrompt') -> CLIPTextEncoder:
    """mmseg's ``CLIPTextEncoder`` for ``class_names``, frozen and in eval mode.

    Weights from ``checkpoint`` (mmseg's format, loaded strictly); without one they are random
    (seeded, N(0, 0.02) for every tensor) and a warning naming ``owner`` says so.
    """
    cfg = dict(type='CLIPTextEncoder', vocabulary=list(class_names), cat_bg=False,
               cache_feature=False)
    cfg.update(text_encoder)
    encoder = MODELS.build(cfg)
    if checkpoint is not None:
        load_checkpoint(encoder, checkpoint, map_location='cpu', strict=True)
    else:
        g = torch.Generator().manual_seed(seed)
        for p in encoder.parameters():  # CLIPTextEncoder leaves some tables uninitialised
            p.copy_(torch.randn(p.shape, generator=g) * 0.02)
        print_log(f'{owner}: no CLIP text checkpoint given, the text encoder is RANDOM.',
                  logger='current', level=logging.WARNING)
    return encoder.requires_grad_(False).eval()


@torch.no_grad()
def class_name_embeddings(class_names: Sequence[str], text_encoder: dict,
                          checkpoint: Optional[str] = None, seed: int = 0) -> torch.Tensor:
    """(K, D) unit-norm CLIP text embeddings of the class names (prompt templates averaged),
    from mmseg's ``CLIPTextEncoder``. The encoder is built, run once and dropped.

    Without ``checkpoint`` its weights are random (seeded) and a warning says so.
    """
    encoder = build_text_encoder(class_names, text_encoder, checkpoint, seed)
    return F.normalize(encoder.template_encode(list(class_names)).float(), dim=-1)


@torch.no_grad()
def point_token_norm(prompt_encoder) -> torch.Tensor:
    """() norm of SAM's token for one foreground point at the centre of the input: the scale
    semantic tokens are given, so they match what SAM's decoder was trained on."""
    h, w = prompt_encoder.input_image_size
    centre = torch.tensor([[w / 2, h / 2]], device=prompt_encoder.no_mask_embed.weight.device)
    return foreground_point_tokens(prompt_encoder, centre)[0].norm()


def projection(dim: int, seed: int, out: int = 256) -> torch.Tensor:
    """(dim, out) seeded random map with orthonormal rows (dim <= out) or columns (dim > out)."""
    g = torch.Generator().manual_seed(seed)
    if dim <= out:
        return torch.linalg.qr(torch.randn(out, dim, generator=g))[0].t()
    return torch.linalg.qr(torch.randn(dim, out, generator=g))[0]


@MODELS.register_module()
class SemPrompt(BaseModule):
    """K semantic prompt tokens: fused default class-name embeddings and learnable embeddings.

    Default embeddings: the class names through mmseg's frozen ``CLIPTextEncoder`` (computed once
    at construction; the text encoder is not kept, so it can never run in a training step),
    mapped into SAM's 256-d prompt space by a fixed projection. SAM's public release has no text
    pathway, so that projection is a seeded random orthogonal map, scaled so the tokens have the
    norm of a SAM point token (set in :meth:`setup`): the learnable embeddings and weights
    then adapt it. See :class:`PromptFusion` for the fusion.

    Args:
        class_names: the K classes, in the data set's order.
        text_encoder: overrides for ``CLIPTextEncoder`` (e.g. smaller sizes in tests).
        text_checkpoint: CLIP text-encoder weights in mmseg's format.
        mode: 'default', 'average' or 'weighted'.

    Shapes: forward() -> (K, 256).
    """

    def __init__(self, class_names: Sequence[str], text_encoder: dict = dict(),
                 text_checkpoint: Optional[str] = None, mode: str = 'weighted',
                 weight_init: float = 0.5, seed: int = 0, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not class_names:
            raise ValueError('SemPrompt needs the class names of the data set.')
        self.class_names = tuple(class_names)
        text = class_name_embeddings(self.class_names, text_encoder, text_checkpoint, seed)
        self.register_buffer('text_embeddings', F.normalize(text @ projection(text.shape[1], seed),
                                                            dim=-1))  # (K, 256), unit norm
        self.fusion = PromptFusion(len(self.class_names), 256, mode, weight_init)

    @torch.no_grad()
    def setup(self, prompt_encoder) -> None:
        """Scale the defaults to the norm of a SAM point token and store them."""
        self.fusion.set_default(self.text_embeddings * point_token_norm(prompt_encoder))

    def forward(self) -> torch.Tensor:
        return self.fusion()
