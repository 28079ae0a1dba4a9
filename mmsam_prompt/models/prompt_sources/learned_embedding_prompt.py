"""BLO-SAM's learnable prompt embedding (optionally on top of box prompts: AM-SAM).

BLO-SAM replaces human prompts by a learned embedding: SAM's dense "no mask" embedding (a
256-d vector broadcast over the 64 x 64 embedding grid) becomes a trainable map, optionally with
learned sparse tokens. It starts as SAM's own default prompt, so an untrained model predicts what
SAM predicts without prompts. AM-SAM puts the boxes of a frozen detector in front of it: the
box tokens come from ``box_source`` (through SAM's frozen prompt encoder) and the learned dense
embedding (and tokens) are added to every box prompt of their class.
"""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from segment_anything.modeling import PromptEncoder

from .base import BasePromptSource, PromptBatch, PromptContext


@MODELS.register_module()
class LearnedEmbeddingPrompt(BasePromptSource):
    """One learned prompt per (image, class in ``target_class``).

    The parameters are made in ``__init__`` from the prompt encoder the head passes (with the
    checkpoint's weights loaded), so they exist before any optimizer is built.

    Args:
        target_class: output channel(s) that get a learned prompt (binary sets: 1; the head's
            ``background_index`` channel holds the constant logit 0).
        dense: 'map' (a (256, h, w) map per class, BLO-SAM) or 'vector' (a 256-d vector per
            class, broadcast like SAM's ``no_mask_embed``). SAM's fixed default prompt, not
            learned, is ``DefaultPrompt``.
        num_tokens: learned sparse tokens per class (0 = none, BLO-SAM's default). They start
            as SAM's padding token ``not_a_point_embed``.
        box_source: optional prompt source config (``DataSamplePrompt`` reading the boxes of
            AM-SAM's ``DetectorBoxes`` transform, ``GTBoxPrompt``, ...);
            its prompts keep their sparse tokens and get the learned dense embedding (and tokens)
            of their class. A class in ``target_class`` that it gives no prompt for in an image gets
            the learned prompt alone (documented fallback: BLO-SAM's prompt).

    Shapes: dense parameter (K, 256, h, w) or (K, 256, 1, 1); tokens (K, T, 256).
    """

    def __init__(self, target_class: Union[int, Sequence[int]] = 1, dense: str = 'map',
                 num_tokens: int = 0, box_source: Optional[dict] = None,
                 prompt_encoder: Optional[PromptEncoder] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if dense not in ('map', 'vector'):
            raise ValueError(f"dense must be 'map' or 'vector', got {dense!r} (SAM's fixed "
                             "default prompt is prompt_source=dict(type='DefaultPrompt')).")
        classes = [target_class] if isinstance(target_class, int) else list(target_class)
        if not classes:
            raise ValueError('LearnedEmbeddingPrompt needs at least one class in target_class.')
        self.classes = [int(c) for c in classes]
        encoder = self.starting_values(prompt_encoder)
        self.box_source = (self.build_part(box_source, encoder)
                           if box_source is not None else None)
        # start from SAM's default prompt: no_mask_embed (and the padding token)
        k = len(self.classes)
        base = encoder.no_mask_embed.weight.detach().reshape(1, -1, 1, 1).cpu()
        h, w = self.embed_size if dense == 'map' else (1, 1)
        self.dense = nn.Parameter(base.expand(k, -1, h, w).clone())
        tokens = encoder.not_a_point_embed.weight.detach().cpu().expand(k, num_tokens, -1).clone()
        if num_tokens:
            self.tokens = nn.Parameter(tokens)
        else:  # (K, 0, 256): nothing to learn
            self.register_buffer('tokens', tokens, persistent=False)

    def forward(self, ctx: PromptContext) -> List[PromptBatch]:
        b = ctx.num_images
        h, w = ctx.embed_shape[-2:]
        device = ctx.device
        slot = {c: i for i, c in enumerate(self.classes)}
        out, covered = [], set()
        if self.box_source is not None:
            for pb in self.box_source(ctx):
                keep = torch.tensor([int(c) in slot for c in pb.class_idx.tolist()],
                                    dtype=torch.bool, device=device)
                if not keep.any():
                    out.append(pb)  # a class without a learned prompt keeps SAM's default
                    continue
                rows = torch.nonzero(keep)[:, 0]
                k = torch.tensor([slot[int(c)] for c in pb.class_idx[rows].tolist()],
                                 device=device)
                sparse = torch.cat([pb.sparse[rows], self.tokens[k]], dim=1)
                out.append(PromptBatch(sparse, self.dense[k].expand(-1, -1, h, w),
                                       pb.batch_idx[rows], pb.class_idx[rows]))
                covered.update(zip(pb.batch_idx[rows].tolist(), pb.class_idx[rows].tolist()))
                if not keep.all():
                    rest = torch.nonzero(~keep)[:, 0]
                    dense = pb.dense.expand(len(pb), -1, -1, -1)[rest]
                    out.append(PromptBatch(pb.sparse[rest], dense, pb.batch_idx[rest],
                                           pb.class_idx[rest]))
        pairs = [(i, c) for i in range(b) for c in self.classes if (i, c) not in covered]
        if pairs:
            index = torch.tensor(pairs, dtype=torch.long, device=device)
            k = torch.tensor([slot[c] for _, c in pairs], device=device)
            out.append(PromptBatch(self.tokens[k], self.dense[k].expand(-1, -1, h, w),
                                   index[:, 0], index[:, 1]))
        return out
