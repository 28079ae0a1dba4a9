"""The prompt-source contract: what turns a batch into SAM prompt embeddings.

A prompt source is an ``nn.Module`` that ``SAMHead`` builds, calls and merges; the head knows
nothing else about it. The contract:

1. **Built complete in** ``__init__``. The head builds every source with three build arguments
   (``MODELS.build(cfg, default_args=...)``): ``img_size`` (side of the square network input),
   ``embed_size`` ((h, w) of the image-embedding grid) and ``prompt_encoder`` (SAM's prompt
   encoder, with the checkpoint's weights already loaded). A source reads from the prompt
   encoder the starting values of what it learns, and keeps **no reference** to it or to any
   other module of the head. Every parameter exists when ``__init__`` returns, so an optimizer
   built then sees all of them; nothing is set up later.
2. **Called with one** :class:`PromptContext` that carries all a source may read: the frozen
   prompt encoder (to encode points and boxes, or read SAM's defaults), the image embeddings'
   shape and device, one :class:`~mmsam_prompt.structures.SampleFrame` per sample (the map from
   original-image pixels to the network input) and the data samples.
3. **Returns** a list of :class:`PromptBatch`: prompts (sparse tokens, dense embedding), the
   image each belongs to and the class channel its mask writes to. The head groups them by
   token count, decodes them and merges masks of one class by a pixel-wise max.

Sources that compose others (``LearnedEmbeddingPrompt(box_source=...)``, ``SSPrompt``) build
their parts with :meth:`BasePromptSource.build_part`, which passes the same build arguments on.
Token learners (``mmsam_prompt.models.prompt_learners``) follow the same two first rules but
return embeddings instead of prompt batches.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from segment_anything.modeling import PromptEncoder

from ...structures import SampleFrame


@dataclass
class PromptBatch:
    """N prompts for a batch of images.

    sparse: (N, T, C) tokens; dense: (N, C, h, w) or (1, C, h, w), broadcast over N;
    batch_idx: (N,) image index; class_idx: (N,) class channel each mask writes to (-1: the
    source classifies the masks, see ``BasePromptSource.classifies_masks``).
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


@dataclass
class PromptContext:
    """What a prompt source may read when it is called (see the module docstring).

    prompt_encoder: SAM's prompt encoder (frozen unless the head trains it);
    embed_shape: (B, C, h, w) of the image embeddings; device: theirs;
    frames: one :class:`SampleFrame` per image; data_samples: the batch's data samples.
    """
    prompt_encoder: PromptEncoder
    embed_shape: Tuple[int, int, int, int]
    device: torch.device
    frames: List[SampleFrame]
    data_samples: list

    @classmethod
    def from_batch(cls, prompt_encoder: PromptEncoder, image_embeddings: torch.Tensor,
                   data_samples: list) -> 'PromptContext':
        frames = [SampleFrame.from_metainfo(ds.metainfo) for ds in data_samples]
        return cls(prompt_encoder, tuple(image_embeddings.shape), image_embeddings.device,
                   frames, list(data_samples))

    @property
    def num_images(self) -> int:
        return self.embed_shape[0]

    def no_mask_dense(self) -> torch.Tensor:
        """(1, C, h, w): SAM's dense embedding when no mask is given (``no_mask_embed``)."""
        h, w = self.embed_shape[-2:]
        return self.prompt_encoder.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(1, -1, h, w)

    def encode(self, image_index: int, class_idx: torch.Tensor,
               points: Optional[Tuple[torch.Tensor, torch.Tensor]] = None,
               boxes: Optional[torch.Tensor] = None) -> PromptBatch:
        """Encode N prompts of one image with SAM's prompt encoder.

        points: ((N, P, 2) xy in the network input, (N, P) labels 1/0); boxes: (N, 4) xyxy there.
        """
        sparse, dense = self.prompt_encoder(points=points, boxes=boxes, masks=None)
        n = sparse.shape[0]
        return PromptBatch(sparse, dense[:1] if dense.shape[0] == n else dense,
                           torch.full((n, ), image_index, dtype=torch.long, device=self.device),
                           class_idx.to(device=self.device, dtype=torch.long))


class PromptModule(BaseModule):
    """What prompt sources and token learners share: the head's build arguments.

    Args:
        img_size: side of the square network input (a build argument given by the head).
        embed_size: (h, w) of the image-embedding grid (likewise).
        prompt_encoder: SAM's prompt encoder, read in ``__init__`` only (likewise).

    Attributes:
        class_names: the data set's classes, in order, for a module that fixes them (SSPrompt's
            semantic prompts); None when it writes to channels it is told. The head checks their
            number against ``num_classes``, and training start-up against the data set.
    """
    class_names: Optional[Tuple[str, ...]] = None

    def __init__(self, img_size: int = 1024, embed_size: Tuple[int, int] = (64, 64),
                 prompt_encoder: Optional[PromptEncoder] = None, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.img_size = int(img_size)
        self.embed_size = (int(embed_size[0]), int(embed_size[1]))

    def starting_values(self, prompt_encoder: Optional[PromptEncoder]) -> PromptEncoder:
        """The prompt encoder to read starting values from, or a clear error without one."""
        if prompt_encoder is None:
            raise ValueError(f'{type(self).__name__} starts from SAM\'s prompt encoder: build it '
                             'as a prompt source of SAMHead (which passes prompt_encoder=), or '
                             'pass prompt_encoder= yourself.')
        return prompt_encoder

    def build_args(self, prompt_encoder: Optional[PromptEncoder]) -> dict:
        """The build arguments this source was given, to build its parts with."""
        return dict(img_size=self.img_size, embed_size=self.embed_size,
                    prompt_encoder=prompt_encoder)

    def build_part(self, cfg: dict, prompt_encoder: Optional[PromptEncoder]):
        """Build a prompt source or token learner from ``cfg`` with the same build arguments."""
        return MODELS.build(cfg, default_args=self.build_args(prompt_encoder))



class BasePromptSource(PromptModule):
    """Base class of prompt sources: ``forward(ctx) -> List[PromptBatch]`` (module docstring).

    Mask-classification sources (``classifies_masks = True``, SSPrompt) return class-agnostic
    prompts (``class_idx`` -1) and implement :meth:`classify`: the head decodes each prompt into
    a mask and its mask output token, asks the source for the class confidences of every mask
    and combines them into per-class logits (``decode_heads/semantic_inference.py``).
    """
    #: the head classifies this source's masks with :meth:`classify` (else: by ``class_idx``)
    classifies_masks: bool = False

    def forward(self, ctx: PromptContext) -> List[PromptBatch]:
        raise NotImplementedError

    def classify(self, mask_tokens: torch.Tensor, ctx: PromptContext) -> torch.Tensor:
        """(n, K) class confidences, rows summing to 1, of n masks given their mask output
        tokens (n, C); only for ``classifies_masks`` sources."""
        raise NotImplementedError(f'{type(self).__name__} does not classify masks.')
