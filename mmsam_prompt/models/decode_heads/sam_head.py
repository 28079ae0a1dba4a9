"""SAM's prompt encoder + mask decoder as an mmseg decode head producing per-class logits."""
import warnings
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from segment_anything.modeling import PromptEncoder

from ..prompts.base_prompt_source import PromptBatch
from ..sam_arch import PATCH_SIZE, PROMPT_EMBED_DIM
from ..sam_checkpoint import load_official_state, load_sam_weights
from ..sam_mask_decoder import BatchedMaskDecoder


@MODELS.register_module()
class SAMHead(BaseDecodeHead):
    """Prompts -> SAM masks -> mmseg logits (B, num_classes, H, W).

    Each prompt's mask (a SAM logit map) is written to the channel of its class; several
    prompts of one class are merged by a pixel-wise max at SAM's low resolution (256 for 1024
    inputs), then upsampled to the padded input like ``Sam.postprocess_masks``. The
    ``background_index`` channel holds the constant logit 0, so ``argmax`` reproduces SAM's own
    threshold at 0 for binary sets; a class that received no prompt gets ``no_prompt_logit``.

    Args:
        num_classes: output channels.
        prompt_source: config of a prompt source (see ``mmsam_prompt.models.prompts``).
        img_size: SAM input size (the padded network input).
        checkpoint: official SAM checkpoint (keys ``prompt_encoder.*``, ``mask_decoder.*``).
        multimask_output: use SAM's three ambiguity masks and keep the one with the highest
            predicted IoU, instead of the single-mask output.
        background_index: channel with constant logit 0, or None (every channel is predicted).
        no_prompt_logit: logit of classes without a prompt in an image.
        trainable: which of 'prompt_encoder', 'mask_decoder' to train (default: none; the
            prompt source's own parameters are always trainable).
        decode_chunk: decode at most this many prompts per pass (with activation checkpointing
            while training), for many classes (ADE20K: 150 prompts per image); None = all at once.
        mask_decoder: config of the mask decoder: ``BatchedMaskDecoder`` (SAM's) or
            ``CalibratedLoRAMaskDecoder`` (BLO-SAM / AM-SAM: LoRA + mask calibration; it makes
            its adapted parts trainable itself, the rest of SAM stays frozen).
    """

    def __init__(self,
                 num_classes: int,
                 prompt_source: dict,
                 img_size: int = 1024,
                 checkpoint: Optional[str] = None,
                 multimask_output: bool = False,
                 background_index: Optional[int] = None,
                 no_prompt_logit: float = -20.0,
                 trainable: Sequence[str] = (),
                 decode_chunk: Optional[int] = None,
                 mask_decoder: dict = dict(type='BatchedMaskDecoder'),
                 **kwargs) -> None:
        kwargs.setdefault('in_channels', PROMPT_EMBED_DIM)
        kwargs.setdefault('channels', PROMPT_EMBED_DIM)
        kwargs.setdefault('init_cfg', None)
        with warnings.catch_warnings():
            # mmseg suggests out_channels=1 for two classes; SAMHead keeps two channels on purpose
            # (a constant background logit 0 reproduces SAM's threshold), see the class docstring.
            warnings.filterwarnings('ignore', message='For binary segmentation')
            super().__init__(num_classes=num_classes, **kwargs)
        del self.conv_seg  # the mask decoder makes the logits
        self.dropout = None
        self.img_size = img_size
        grid = img_size // PATCH_SIZE
        self.prompt_encoder = PromptEncoder(
            embed_dim=PROMPT_EMBED_DIM, image_embedding_size=(grid, grid),
            input_image_size=(img_size, img_size), mask_in_chans=16)
        self.mask_decoder = MODELS.build(mask_decoder)
        if not isinstance(self.mask_decoder, BatchedMaskDecoder):
            raise TypeError(f'mask_decoder must build a BatchedMaskDecoder (or subclass), got '
                            f'{type(self.mask_decoder).__name__}.')
        self.prompt_source = MODELS.build(prompt_source)
        self.multimask_output = multimask_output
        if background_index is not None and not 0 <= background_index < self.out_channels:
            raise ValueError(f'background_index {background_index} is not a class index '
                             f'(num_classes={num_classes}).')
        self.background_index = background_index
        self.no_prompt_logit = no_prompt_logit
        self.decode_chunk = decode_chunk
        unknown = set(trainable) - {'prompt_encoder', 'mask_decoder'}
        if unknown:
            raise ValueError(f'trainable may name prompt_encoder and mask_decoder, got {unknown}.')
        self.trainable = tuple(trainable)
        self.checkpoint = checkpoint
        if checkpoint is not None:
            self.load_sam_checkpoint(checkpoint)
        for name in ('prompt_encoder', 'mask_decoder'):
            getattr(self, name).requires_grad_(name in self.trainable)
        if 'mask_decoder' not in self.trainable and hasattr(self.mask_decoder, 'train_adapters'):
            self.mask_decoder.train_adapters()  # LoRA, calibration and the parts it names
        k = getattr(self.prompt_source, 'num_classes', self.out_channels)
        if k != self.out_channels:
            raise ValueError(f'The prompt source names {k} classes but num_classes is '
                             f'{self.out_channels}: give it the data set\'s class list.')
        if hasattr(self.prompt_source, 'setup'):
            self.prompt_source.setup(self.prompt_encoder)  # default prompts, encoded once

    def load_sam_checkpoint(self, path: str) -> None:
        load_official_state(self.prompt_encoder, 'prompt_encoder',
                            load_sam_weights(path, 'prompt_encoder.'), path)
        self.mask_decoder.load_sam_state(load_sam_weights(path, 'mask_decoder.'), path)

    def init_weights(self) -> None:
        if self.checkpoint is None:
            super().init_weights()

    def forward(self, inputs, data_samples: list) -> torch.Tensor:
        """Backbone features + data samples -> logits (B, C, H, W) at the padded input size."""
        emb = self._transform_inputs(inputs)
        batches = self.prompt_source(self.prompt_encoder, emb, data_samples)
        low = self.prompt_logits(emb, batches)
        size = tuple(data_samples[0].metainfo.get('batch_input_shape', (self.img_size, ) * 2))
        return F.interpolate(low, size, mode='bilinear', align_corners=False)

    def prompt_logits(self, emb: torch.Tensor, batches: List[PromptBatch]) -> torch.Tensor:
        """Decode all prompts and merge them into (B, C, 4h, 4w) low-resolution logits."""
        b, _, h, w = emb.shape
        image_pe = self.prompt_encoder.get_dense_pe()
        masks, index = [], []
        for group in PromptBatch.group_by_tokens(batches):
            masks.append(self.decode_chunked(emb, image_pe, group))
            index.append(group.batch_idx * self.out_channels + group.class_idx)
        hl, wl = 4 * h, 4 * w
        logits = emb.new_full((b * self.out_channels, hl * wl), self.no_prompt_logit)
        if masks:
            masks = torch.cat(masks).flatten(1).to(logits.dtype)
            index = torch.cat(index)
            if index.min() < 0 or index.max() >= b * self.out_channels:
                raise ValueError(f'A prompt targets a class outside 0..{self.out_channels - 1}.')
            logits = logits.scatter_reduce(0, index[:, None].expand_as(masks), masks, 'amax',
                                           include_self=False)
        logits = logits.view(b, self.out_channels, hl, wl)
        if self.background_index is not None:
            keep = torch.ones(self.out_channels, dtype=torch.bool, device=logits.device)
            keep[self.background_index] = False
            logits = torch.where(keep[None, :, None, None], logits, logits.new_zeros(()))
        return logits

    def decode_chunked(self, emb: torch.Tensor, image_pe: torch.Tensor,
                       group: PromptBatch) -> torch.Tensor:
        """(N, 4h, 4w) masks of a group, ``decode_chunk`` prompts per decoder pass.

        While gradients are needed, each chunk is recomputed in the backward pass (activation
        checkpointing), so memory grows with the chunk, not with B x K prompts.
        """
        n = len(group)
        step = self.decode_chunk or n
        dense = group.dense.expand(n, -1, -1, -1)
        out = []
        for i in range(0, n, step):
            args = (emb, image_pe, group.sparse[i:i + step], dense[i:i + step],
                    group.batch_idx[i:i + step])
            if step < n and torch.is_grad_enabled():
                m, iou = checkpoint(self.mask_decoder.decode, *args, use_reentrant=False)
            else:
                m, iou = self.mask_decoder.decode(*args)
            out.append(self.select_mask(m, iou))
        return torch.cat(out) if len(out) > 1 else out[0]

    def select_mask(self, masks: torch.Tensor, iou_pred: torch.Tensor) -> torch.Tensor:
        """(N, 4, H, W) decoder masks -> (N, H, W): the single-mask output or the best of three."""
        if not self.multimask_output:
            return masks[:, 0]
        best = iou_pred[:, 1:].argmax(dim=1) + 1
        return masks[torch.arange(masks.shape[0], device=masks.device), best]

    def loss(self, inputs, batch_data_samples, train_cfg) -> dict:
        return self.loss_by_feat(self.forward(inputs, batch_data_samples), batch_data_samples)

    def predict(self, inputs, batch_img_metas, test_cfg):
        raise RuntimeError('SAMHead needs the data samples (prompts, ground truth); use it inside '
                           "SAMSegmentor (model=dict(type='SAMSegmentor', ...)).")

    def predict_with_samples(self, inputs, data_samples: list) -> torch.Tensor:
        return self.forward(inputs, data_samples)
