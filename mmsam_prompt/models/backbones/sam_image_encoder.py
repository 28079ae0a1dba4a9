"""SAM's ViT image encoder as an mmseg backbone."""
from functools import partial
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.logging import print_log
from mmseg.registry import MODELS
from segment_anything.modeling import ImageEncoderViT

from ..adapters.lora import add_lora, lora_parameters, lora_state_keys
from ..sam.sam_arch import PATCH_SIZE, PROMPT_EMBED_DIM, SAM_ARCHS, WINDOW_SIZE, canonical_arch
from ..checkpoints.sam_checkpoint import load_official_state, load_sam_weights, resize_image_encoder_weights


@MODELS.register_module()
class SAMImageEncoder(BaseModule):
    """segment_anything's ``ImageEncoderViT`` with official-checkpoint loading.

    Args:
        arch: 'vit-b', 'vit-l', 'vit-h' or 'tiny'.
        img_size: square input size. Official weights are for 1024; other sizes (e.g. 256 as
            BLO-SAM trains) resize the position tables when the checkpoint is loaded.
        checkpoint: path to an official ``sam_vit_*.pth`` (keys ``image_encoder.*``).
        frozen: freeze all weights and keep the module in eval mode (default).
        lora_rank: add LoRA of this rank to the q and v slices of the fused ``attn.qkv`` layer
            of the ViT blocks (SAMed); only the LoRA weights train, the rest stays frozen
            (whatever ``frozen`` says). None (default): no LoRA.
        lora_blocks: indices of the blocks that get LoRA; None = all.

    With LoRA the state dict has extra ``blocks.<i>.attn.qkv.lora_A`` / ``lora_B`` keys; official
    checkpoints (which lack exactly those) load unchanged and the LoRA weights keep their initial
    values (``lora_B`` = 0: the encoder computes what SAM's computes until it is trained).

    Shapes: input (B, 3, img_size, img_size) normalised RGB -> tuple with one
    (B, 256, img_size/16, img_size/16) tensor.
    """

    def __init__(self,
                 arch: str = 'vit-b',
                 img_size: int = 1024,
                 checkpoint: Optional[str] = None,
                 frozen: bool = True,
                 lora_rank: Optional[int] = None,
                 lora_blocks: Optional[Sequence[int]] = None,
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
        self.lora_names = self.add_qv_lora(lora_rank, lora_blocks) if lora_rank else []
        self.checkpoint = checkpoint
        self.frozen = frozen
        if checkpoint is not None:
            self.load_sam_checkpoint(checkpoint)
        if frozen or self.lora_names:
            self.encoder.requires_grad_(False)
            for p in lora_parameters(self.encoder):
                p.requires_grad_(True)
        if frozen:
            self.encoder.eval()

    def add_qv_lora(self, rank: int, blocks: Optional[Sequence[int]]) -> List[str]:
        """Wrap ``blocks[i].attn.qkv`` (Linear(d, 3d)) in a LoRALinear adapting q and v."""
        depth = len(self.encoder.blocks)
        index = list(range(depth)) if blocks is None else [int(i) for i in blocks]
        if not index or any(not 0 <= i < depth for i in index):
            raise ValueError(f'lora_blocks must name blocks in 0..{depth - 1}, got {blocks}.')
        dim = self.encoder.blocks[0].attn.qkv.in_features
        names = []
        for i in sorted(set(index)):
            done = add_lora(self.encoder.blocks[i].attn, ('qkv', ), rank,
                            slices=[(0, dim), (2 * dim, 3 * dim)])
            names += [f'blocks.{i}.attn.{n}' for n in done]
        return names

    def lora_state_keys(self) -> List[str]:
        """State-dict keys (of ``self.encoder``) that official checkpoints do not have."""
        return sorted(lora_state_keys(self.encoder))

    def load_sam_checkpoint(self, path: str) -> None:
        state = load_sam_weights(path, 'image_encoder.', arch=self.arch)
        state = resize_image_encoder_weights(state, self.encoder.state_dict())
        load_official_state(self.encoder, 'image_encoder', state, path,
                            lora_state_keys(self.encoder))
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
