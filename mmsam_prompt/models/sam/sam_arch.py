"""SAM architecture table: the image-encoder sizes of the official checkpoints, plus a tiny one.

The prompt encoder and mask decoder are the same for every official checkpoint (256-d prompts,
two-way transformer of depth 2), so only the image encoder changes with the arch.
"""
from typing import Dict, Mapping

import torch

#: Official SAM image encoders (Kirillov et al., 2023; facebookresearch/segment-anything
#: build_sam.py) and a tiny encoder used by the tests and the demo.
SAM_ARCHS: Dict[str, dict] = {
    'vit-b': dict(embed_dim=768, depth=12, num_heads=12, global_attn_indexes=(2, 5, 8, 11)),
    'vit-l': dict(embed_dim=1024, depth=24, num_heads=16, global_attn_indexes=(5, 11, 17, 23)),
    'vit-h': dict(embed_dim=1280, depth=32, num_heads=16, global_attn_indexes=(7, 15, 23, 31)),
    'tiny': dict(embed_dim=64, depth=2, num_heads=2, global_attn_indexes=(1, )),
}

PROMPT_EMBED_DIM = 256
PATCH_SIZE = 16
WINDOW_SIZE = 14
#: Image size the official checkpoints were trained at.
SAM_IMG_SIZE = 1024


def canonical_arch(arch: str) -> str:
    """Accept 'vit_b', 'vit-b', 'ViT-B' ... and return the table key."""
    key = arch.lower().replace('_', '-')
    if key not in SAM_ARCHS:
        raise KeyError(f'Unknown SAM arch {arch!r}; choose one of {sorted(SAM_ARCHS)}.')
    return key


def describe_arch(arch: str) -> str:
    spec = SAM_ARCHS[arch]
    return f"{arch} (embed dim {spec['embed_dim']}, {spec['depth']} blocks)"


def infer_arch(state_dict: Mapping[str, torch.Tensor], prefix: str = 'image_encoder.') -> str:
    """Name the arch of an image-encoder state dict from its shapes.

    Returns an arch key, or a free-text description when the shapes match no known arch.
    """
    proj = state_dict.get(prefix + 'patch_embed.proj.weight')
    if proj is None:
        return 'unknown (no image encoder weights)'
    dim = int(proj.shape[0])
    depth = len({k.split('.')[2] for k in state_dict if k.startswith(prefix + 'blocks.')})
    for name, spec in SAM_ARCHS.items():
        if spec['embed_dim'] == dim and spec['depth'] == depth:
            return name
    return f'unknown (embed dim {dim}, {depth} blocks)'
