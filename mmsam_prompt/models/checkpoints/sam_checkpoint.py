"""Reading official SAM checkpoints (``sam_vit_{b,l,h}_*.pth``) safely and with clear errors.

The official files are flat state dicts whose keys start with ``image_encoder.``,
``prompt_encoder.`` and ``mask_decoder.``. They are read with ``torch.load(weights_only=True)``.
"""
import os
import os.path as osp
from collections import OrderedDict
from typing import AbstractSet, Dict, Optional, Tuple

import torch
import torch.nn.functional as F

from ...utils.errors import MMSAMError
from ...utils.weights_only import load_weights_only
from ..sam.sam_arch import SAM_ARCHS, describe_arch, infer_arch

SAM_PREFIXES = ('image_encoder.', 'prompt_encoder.', 'mask_decoder.')
OFFICIAL_URLS = {
    'vit-b': 'https://dl.fbaipublicfiles.com/segment_anything/sam_vit_b_01ec64.pth',
    'vit-l': 'https://dl.fbaipublicfiles.com/segment_anything/sam_vit_l_0b3195.pth',
    'vit-h': 'https://dl.fbaipublicfiles.com/segment_anything/sam_vit_h_4b8939.pth',
}


class SAMCheckpointError(MMSAMError, RuntimeError):
    """Raised with a one-line message naming the problem with a SAM checkpoint and its fix."""


# One read per file even though the backbone and the head both load from it.
_CACHE: 'OrderedDict[Tuple[str, float, int], Dict[str, torch.Tensor]]' = OrderedDict()


def _read(path: str) -> Dict[str, torch.Tensor]:
    if not osp.isfile(path):
        raise SAMCheckpointError(
            f'SAM checkpoint not found: {path!r}. Download an official checkpoint '
            f"(e.g. {OFFICIAL_URLS['vit-b']}) and pass its path as `checkpoint=` "
            "(or --cfg-options model.backbone.checkpoint=PATH model.decode_head.checkpoint=PATH).")
    stat = os.stat(path)
    key = (osp.abspath(path), stat.st_mtime, stat.st_size)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    obj = load_weights_only(
        path, SAMCheckpointError, 'SAM checkpoint',
        resave='Save a plain state dict (torch.save(model.state_dict(), path)).',
        unreadable='Download it again; the official files are 375,042,383 (vit-b), '
        '1,249,524,607 (vit-l) and 2,564,550,879 (vit-h) bytes.')
    if isinstance(obj, dict):
        for wrapper in ('model', 'state_dict'):
            inner = obj.get(wrapper)
            if isinstance(inner, dict) and any(
                    isinstance(k, str) and k.startswith(SAM_PREFIXES) for k in inner):
                obj = inner
                break
    if not isinstance(obj, dict) or not any(
            isinstance(k, str) and k.startswith(SAM_PREFIXES) for k in obj):
        some = list(obj)[:3] if isinstance(obj, dict) else type(obj).__name__
        if isinstance(obj, dict) and 'state_dict' in obj and 'meta' in obj:
            raise SAMCheckpointError(
                f'{path!r} is a checkpoint of a trained run (tools/train.py), not an official SAM '
                'file: evaluate it with tools/test.py CONFIG CHECKPOINT, start training from it '
                'with load_from=CHECKPOINT, or continue its run with --resume; '
                'model.sam_checkpoint takes an official sam_vit_*.pth file.')
        raise SAMCheckpointError(
            f'{path!r} contains no SAM weights: no key starts with {", ".join(SAM_PREFIXES)} '
            f'(found e.g. {some}). Pass an official sam_vit_*.pth file.')
    _CACHE[key] = obj
    while len(_CACHE) > 1:
        _CACHE.popitem(last=False)
    return obj


def load_sam_weights(path: str, prefix: str, arch: Optional[str] = None) -> Dict[str, torch.Tensor]:
    """Return the part of a SAM checkpoint under ``prefix`` (prefix stripped).

    Args:
        path: checkpoint file.
        prefix: ``'image_encoder.'``, ``'prompt_encoder.'`` or ``'mask_decoder.'``.
        arch: when given, the checkpoint's image encoder must be this arch.
    """
    sd = _read(path)
    if arch is not None:
        found = infer_arch(sd)
        if found != arch:
            raise SAMCheckpointError(
                f'SAM checkpoint {path!r} is {found if found not in SAM_ARCHS else describe_arch(found)}'
                f' but the config builds {describe_arch(arch)}: use the config for the '
                f"checkpoint's arch (configs/_base_/models/sam_{found.replace('-', '_')}.py) "
                f'or a sam_{arch.replace("-", "_")} checkpoint.')
    part = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
    if not part:
        raise SAMCheckpointError(f'SAM checkpoint {path!r} has no {prefix}* weights.')
    return part


def resize_image_encoder_weights(state: Dict[str, torch.Tensor],
                                 target: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Adapt position tables of an image encoder to another input size.

    ``pos_embed`` (1, H, W, C) is resized bilinearly to the target token grid; the decomposed
    relative-position tables ``rel_pos_{h,w}`` (2S-1, C_head) of the global-attention blocks are
    resized linearly, the same interpolation segment_anything's ``get_rel_pos`` applies at run
    time when the sizes differ. Window-attention tables do not depend on the input size.
    """
    out = dict(state)
    for k, v in state.items():
        if k not in target or target[k].shape == v.shape:
            continue
        if k == 'pos_embed':
            h, w = target[k].shape[1:3]
            out[k] = F.interpolate(v.permute(0, 3, 1, 2).float(), size=(h, w), mode='bilinear',
                                   align_corners=False).permute(0, 2, 3, 1).to(v.dtype)
        elif k.endswith(('rel_pos_h', 'rel_pos_w')):
            n = target[k].shape[0]
            out[k] = F.interpolate(v.t()[None].float(), size=n, mode='linear')[0].t().to(v.dtype)
    return out


def load_official_state(module: torch.nn.Module, module_name: str,
                        state: Dict[str, torch.Tensor], path: str,
                        added: AbstractSet[str] = frozenset()) -> None:
    """Load an official checkpoint's ``module_name`` weights (prefix removed) into ``module``.

    ``added``: state-dict keys only our adapters have (LoRA, calibration); every other key must
    be in ``state`` with its shape (:func:`check_shapes`), the added ones keep their initial
    values.
    """
    target = {k: v for k, v in module.state_dict().items() if k not in added}
    check_shapes(module_name, state, target, path)
    module.load_state_dict(state, strict=not added)


def check_shapes(module_name: str, state: Dict[str, torch.Tensor], target: Dict[str, torch.Tensor],
                 path: str) -> None:
    """Raise one clear error on missing/unexpected keys or shape mismatches."""
    missing = sorted(set(target) - set(state))
    unexpected = sorted(set(state) - set(target))
    bad = [k for k in target if k in state and state[k].shape != target[k].shape]
    if missing or unexpected or bad:
        parts = []
        if missing:
            parts.append(f'{len(missing)} missing (e.g. {missing[0]})')
        if unexpected:
            parts.append(f'{len(unexpected)} unexpected (e.g. {unexpected[0]})')
        if bad:
            parts.append(f'{len(bad)} with other shapes (e.g. {bad[0]}: '
                         f'{tuple(state[bad[0]].shape)} vs {tuple(target[bad[0]].shape)})')
        raise SAMCheckpointError(f'{module_name} weights in {path!r} do not fit the model: '
                                 + '; '.join(parts) + '. Check the arch in the config.')
