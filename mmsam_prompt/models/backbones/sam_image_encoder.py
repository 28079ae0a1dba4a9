"""SAM's ViT image encoder as an mmseg backbone."""
from functools import partial
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.logging import print_log
from mmseg.registry import MODELS
from segment_anything.modeling import ImageEncoderViT

from ..sam_arch import PATCH_SIZE, PROMPT_EMBED_DIM, SAM_ARCHS, WINDOW_SIZE, canonical_arch
from ..sam_checkpoint import check_shapes, load_sam_weights, resize_image_encoder_weights


@MODELS.register_module()
class SAMImageEncoder(BaseModule):
    """segment_anything's ``ImageEncoderViT`` with official-checkpoint loading.

    Args:
        arch: 'vit-b', 'vit-l', 'vit-h' or 'tiny'.
        img_size: square input size. Official weights are for 1024; other sizes (e.g. 256 as
            BLO-SAM trains) resize the position tables when the checkpoint is loaded.
        checkpoint: path to an official ``sam_vit_*.pth`` (keys ``image_encoder.*``).
        frozen: freeze all weights and keep the module in eval mode (default).

    Shapes: input (B, 3, img_size, img_size) normalised RGB -> tuple with one
    (B, 256, img_size/16, img_size/16) tensor.
    """

    def __init__(self,
                 arch: str = 'vit-b',
                 img_size: int = 1024,
                 checkpoint: Optional[str] = None,
                 frozen: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.arch = canonical_arch(arch)
        spec = SAM_ARCHS[self.arch]
        if img_size % PATCH_SIZE:
            raise ValueError(f'img_size must be a multiple of {PATCH_SIZE}, got {img_size}.')
        self.img_size = img_size
        self.encoder = ImageEncoderViT(
            img_size=img_size,
            patch_size=PATCH_SIZE,
            embed_dim=spec['embed_dim'],
            depth=spec['depth'],
            num_heads=spec['num_heads'],
            mlp_ratio=4,
            out_chans=PROMPT_EMBED_DIM,
            qkv_bias=True,
            norm_layer=partial(nn.LayerNorm, eps=1e-6),
            use_rel_pos=True,
            window_size=WINDOW_SIZE,
            global_attn_indexes=tuple(spec['global_attn_indexes']),
        )
        self.checkpoint = checkpoint
        self.frozen = frozen
        if checkpoint is not None:
            self.load_sam_checkpoint(checkpoint)
        if frozen:
            self.encoder.requires_grad_(False)
            self.encoder.eval()

    def load_sam_checkpoint(self, path: str) -> None:
        state = load_sam_weights(path, 'image_encoder.', arch=self.arch)
        target = self.encoder.state_dict()
        state = resize_image_encoder_weights(state, target)
        check_shapes('image_encoder', state, target, path)
        self.encoder.load_state_dict(state)
        print_log(f'SAMImageEncoder({self.arch}, img_size={self.img_size}): loaded {path}',
                  logger='current')

    def init_weights(self) -> None:
        # Weights come from the SAM checkpoint in __init__; mmengine's initialisers would
        # overwrite them, so only run them when no checkpoint is given.
        if self.checkpoint is None:
            super().init_weights()

    def train(self, mode: bool = True) -> 'SAMImageEncoder':
        super().train(mode)
        if self.frozen:
            self.encoder.eval()
        return self

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.encoder(x), )
