"""Build segment_anything's own ``Sam`` for an arch, and random weights in the official format.

Used by the tests (parity with the reference) and by tools/make_random_sam_checkpoint.py, since
no official weights can be downloaded on machines without internet.
"""
from functools import partial
from typing import Dict

import torch
import torch.nn as nn
from segment_anything.modeling import (ImageEncoderViT, MaskDecoder, PromptEncoder, Sam,
                                       TwoWayTransformer)

from .sam_arch import PATCH_SIZE, PROMPT_EMBED_DIM, SAM_ARCHS, WINDOW_SIZE, canonical_arch


def build_reference_sam(arch: str, img_size: int = 1024) -> Sam:
    """segment_anything ``Sam`` with the image encoder of ``arch`` (as its build_sam.py does)."""
    spec = SAM_ARCHS[canonical_arch(arch)]
    grid = img_size // PATCH_SIZE
    return Sam(
        image_encoder=ImageEncoderViT(
            depth=spec['depth'], embed_dim=spec['embed_dim'], img_size=img_size, mlp_ratio=4,
            norm_layer=partial(nn.LayerNorm, eps=1e-6), num_heads=spec['num_heads'],
            patch_size=PATCH_SIZE, qkv_bias=True, use_rel_pos=True,
            global_attn_indexes=tuple(spec['global_attn_indexes']), window_size=WINDOW_SIZE,
            out_chans=PROMPT_EMBED_DIM),
        prompt_encoder=PromptEncoder(
            embed_dim=PROMPT_EMBED_DIM, image_embedding_size=(grid, grid),
            input_image_size=(img_size, img_size), mask_in_chans=16),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(depth=2, embedding_dim=PROMPT_EMBED_DIM, mlp_dim=2048,
                                          num_heads=8),
            transformer_dim=PROMPT_EMBED_DIM, iou_head_depth=3, iou_head_hidden_dim=PROMPT_EMBED_DIM),
        pixel_mean=[123.675, 116.28, 103.53],
        pixel_std=[58.395, 57.12, 57.375],
    ).eval()


def random_sam_state_dict(arch: str, seed: int = 0, img_size: int = 1024) -> Dict[str, torch.Tensor]:
    """Random weights for ``arch`` with the official checkpoint's keys and shapes.

    PyTorch's default initialisation, plus small random position tables (SAM initialises those
    to zero, which would leave them untested).
    """
    torch.manual_seed(seed)
    sam = build_reference_sam(arch, img_size)
    with torch.no_grad():
        for name, p in sam.named_parameters():
            if name.endswith(('pos_embed', 'rel_pos_h', 'rel_pos_w')):
                p.normal_(0, 0.02)
    return sam.state_dict()
