"""Export what SSPrompt learned to a small file that plain ``segment_anything`` can use.

    python tools/export_prompts.py CONFIG CHECKPOINT --out prompts.pth [--cfg-options k=v ...]

CONFIG is the training config (an SSPrompt one: ``configs/ssprompt/*``), CHECKPOINT a
checkpoint written by tools/train.py. Only the prompt source is built (no SAM, no image
encoder); its weights come from the checkpoint. The file (``torch.load(..., weights_only=True)``)
holds tensors, numbers and the class names:

    class_names      K names, in the data set's order
    point_fractions  (N, 2) the spatial points as fractions of the image's width and height
    spatial_scale    (N,)   a, and
    spatial_shift    (N, 256) b: the learned spatial prompt i is a_i * E_i + b_i, E_i SAM's
                     token of point i alone (every reading and mode of the fusion is of this form)
    semantic         (K, D) the fused semantic prompts T (Eq. 6)
    mapping_weight   (D, 256), mapping_bias (D,): G, mask output token -> text space
    temperature      tau

docs/ssprompt.md shows (and tests/test_ssprompt_export.py runs) the code that segments an image
with segment_anything's ``SamPredictor`` and this file.
"""
import argparse
import os.path as osp
import sys
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402
from mmseg.utils import register_all_modules  # noqa: E402
from segment_anything.modeling import PromptEncoder  # noqa: E402

import mmsam_prompt  # noqa: E402,F401  (registers the modules, allow-lists checkpoint objects)
from mmsam_prompt.models.prompt_sources import SSPrompt  # noqa: E402
from mmsam_prompt.models.sam.sam_arch import PATCH_SIZE, PROMPT_EMBED_DIM  # noqa: E402
from mmsam_prompt.utils import load_config  # noqa: E402
from mmsam_prompt.utils.cli import run_cli  # noqa: E402

PREFIX = 'decode_head.prompt_source.'


def build_prompt_source(cfg):
    """The config's prompt source alone, with a prompt encoder of the config's input size."""
    head = cfg.model.decode_head
    size = int(head.get('img_size', 1024))
    grid = size // PATCH_SIZE
    encoder = PromptEncoder(embed_dim=PROMPT_EMBED_DIM, image_embedding_size=(grid, grid),
                            input_image_size=(size, size), mask_in_chans=16)
    return MODELS.build(head.prompt_source, default_args=dict(
        img_size=size, embed_size=(grid, grid), prompt_encoder=encoder))


def export_prompts(cfg, checkpoint: str) -> dict:
    """The exported dict (module docstring) of ``checkpoint`` trained with config ``cfg``."""
    source = build_prompt_source(cfg)
    if not isinstance(source, SSPrompt):
        raise ValueError(f'{type(source).__name__} has nothing to export: export_prompts.py '
                         "exports SSPrompt (model.decode_head.prompt_source.type='SSPrompt').")
    ckpt = torch.load(checkpoint, map_location='cpu', weights_only=True)
    state = ckpt.get('state_dict', ckpt)
    own = {k[len(PREFIX):]: v for k, v in state.items() if k.startswith(PREFIX)}
    if not own:
        raise ValueError(f'{checkpoint} holds no {PREFIX}* weights: it is not a checkpoint of '
                         'an SSPrompt model trained with tools/train.py.')
    source.load_state_dict(own, strict=True)
    with torch.no_grad():
        return source.export()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--out', default='prompts.pth')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    p.add_argument('--debug', action='store_true', help='show tracebacks of known errors')
    args = p.parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = load_config(args.config, args.cfg_options)
    prompts = export_prompts(cfg, args.checkpoint)
    torch.save(prompts, args.out)
    n, k = prompts['point_fractions'].shape[0], len(prompts['class_names'])
    print(f'wrote {args.out} ({osp.getsize(args.out) / 1024:.0f} KiB): {n} spatial prompts, '
          f"{k} classes, semantic prompts {tuple(prompts['semantic'].shape)}, "
          f"temperature {prompts['temperature']}")


if __name__ == '__main__':
    sys.exit(run_cli(main))
