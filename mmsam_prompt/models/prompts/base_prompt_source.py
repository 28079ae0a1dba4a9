"""Prompt sources: whatever turns a batch into SAM prompt embeddings.

A prompt source returns a :class:`PromptBatch`: N prompts, each with its sparse tokens, dense
embedding, the image it belongs to and the class whose logit map it writes. Fixed sources run
SAM's frozen prompt encoder; learned sources (SSPrompt, BLO-SAM) produce embeddings directly.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from segment_anything.modeling import PromptEncoder


@dataclass
class PromptBatch:
    """N prompts for a batch of images.

    sparse: (N, T, C) tokens; dense: (N, C, h, w) or (1, C, h, w), broadcast over N;
    batch_idx: (N,) image index; class_idx: (N,) class channel each mask writes to.
    """
    sparse: torch.Tensor
    dense: torch.Tensor
    batch_idx: torch.Tensor
    class_idx: torch.Tensor

    def __len__(self) -> int:
        return self.sparse.shape[0]

    @staticmethod
    def cat(batches: Sequence['PromptBatch']) -> 'PromptBatch':
        """Concatenate batches that have the same number of tokens T."""
        dense = [b.dense.expand(len(b), -1, -1, -1) for b in batches]
        return PromptBatch(
            torch.cat([b.sparse for b in batches]), torch.cat(dense),
            torch.cat([b.batch_idx for b in batches]), torch.cat([b.class_idx for b in batches]))

    @staticmethod
    def group_by_tokens(batches: Sequence['PromptBatch']) -> List['PromptBatch']:
        """Merge batches into one per token count (prompts with different T cannot be stacked)."""
        groups = {}
        for b in batches:
            if len(b):
                groups.setdefault(b.sparse.shape[1], []).append(b)
        return [g[0] if len(g) == 1 else PromptBatch.cat(g) for g in groups.values()]


class BasePromptSource(BaseModule):
    """Base class. Subclasses implement :meth:`forward`."""

    def forward(self, prompt_encoder: PromptEncoder, image_embeddings: torch.Tensor,
                data_samples: list) -> List[PromptBatch]:
        raise NotImplementedError

    @staticmethod
    def encode(prompt_encoder: PromptEncoder, image_index: int, class_idx: torch.Tensor,
               points: Optional[Tuple[torch.Tensor, torch.Tensor]] = None,
               boxes: Optional[torch.Tensor] = None) -> PromptBatch:
        """Encode N prompts of one image with SAM's prompt encoder.

        points: ((N, P, 2) xy in the input frame, (N, P) labels 1/0), boxes: (N, 4) xyxy.
        """
        sparse, dense = prompt_encoder(points=points, boxes=boxes, masks=None)
        n = sparse.shape[0]
        device = sparse.device
        return PromptBatch(sparse, dense[:1] if dense.shape[0] == n else dense,
                           torch.full((n, ), image_index, dtype=torch.long, device=device),
                           class_idx.to(device=device, dtype=torch.long))


def input_frame_scale(data_sample, map_shape: Tuple[int, int]) -> Tuple[float, float]:
    """(sx, sy) taking pixel coordinates of a map of ``map_shape`` into the network-input frame.

    A map as large as the padded batch input is already in the input frame (training: the
    ground truth was resized with the image and padded); any other map (test: ground truth at its
    native resolution, which may differ from the image's) covers the resized image ``img_shape``.
    """
    meta = data_sample.metainfo
    if tuple(map_shape) == tuple(meta.get('batch_input_shape', ())):
        return 1.0, 1.0
    ih, iw = meta['img_shape'][:2]
    return iw / map_shape[1], ih / map_shape[0]
