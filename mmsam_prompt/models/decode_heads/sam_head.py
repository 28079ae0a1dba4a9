"""SAM's prompt encoder + mask decoder as an mmseg decode head producing per-class logits."""
import warnings
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.structures import PixelData
from torch.utils.checkpoint import checkpoint
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy
from mmseg.registry import MODELS
from segment_anything.modeling import PromptEncoder

from ..checkpoints.sam_checkpoint import load_official_state, load_sam_weights
from ..prompt_sources.base import BasePromptSource, PromptBatch, PromptContext
from ..sam.sam_arch import PATCH_SIZE, PROMPT_EMBED_DIM
from ..sam.sam_mask_decoder import BatchedMaskDecoder
from .semantic_inference import semantic_inference
from ...utils.label_resize import zoom_nearest


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
        prompt_source: config of a prompt source (``mmsam_prompt.models.prompt_sources``; its
            contract is in ``prompt_sources/base.py``). It is built after SAM's weights are
            loaded, with the build arguments ``img_size``, ``embed_size`` and
            ``prompt_encoder``.
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
            ``CalibratedLoRAMaskDecoder`` (BLO-SAM / AM-SAM: LoRA + mask calibration; unless
            ``trainable`` names it, ``train_adapters()`` trains its adapted parts only, the rest
            of SAM stays frozen).
        mask_outputs: ``'prompt'``: each prompt's mask (one mask token, or the best of three)
            is the logit of the prompt's class (above); ``'tokens'``: the decoder's mask token
            ``k`` is the logit of class ``k`` for every prompt (the BLO-SAM authors' head: a
            decoder with ``num_multimask_outputs=num_classes - 1``, softmax over the channels;
            needs ``background_index=None``, one prompt per image or several merged by max).
        loss_resolution: ``'input'``: the loss compares the logits upsampled to the network
            input with the ground truth there; ``'low'``: it compares SAM's low-resolution
            logits (a quarter of the input side) with the ground truth (padded to the input
            by the data preprocessor with ``ignore_index``) zoomed to that size by nearest
            neighbour as ``scipy.ndimage.zoom(order=0)`` does (:func:`zoom_nearest`), as BLO-SAM
            trains; padded pixels stay ignored. Any method can use it (cheaper at 1024 px).
        keep_low_res_logits: at test time put the low-resolution logits in every data sample
            (``low_res_seg_logits``), for ``PerImageDiceMetric(resolution='low')``.
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
                 mask_outputs: str = 'prompt',
                 loss_resolution: str = 'input',
                 keep_low_res_logits: bool = False,
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
        self.multimask_output = multimask_output
        if background_index is not None and not 0 <= background_index < self.out_channels:
            raise ValueError(f'background_index {background_index} is not a class index '
                             f'(num_classes={num_classes}).')
        self.background_index = background_index
        self.no_prompt_logit = no_prompt_logit
        self.decode_chunk = decode_chunk
        if mask_outputs not in ('prompt', 'tokens'):
            raise ValueError(f"mask_outputs must be 'prompt' or 'tokens', got {mask_outputs!r}.")
        if mask_outputs == 'tokens':
            if background_index is not None or multimask_output:
                raise ValueError("mask_outputs='tokens' makes every channel a mask token's "
                                 'logit: set background_index=None and multimask_output=False.')
            if self.mask_decoder.num_mask_tokens != self.out_channels:
                raise ValueError(
                    f"mask_outputs='tokens' needs one mask token per class: the decoder has "
                    f'{self.mask_decoder.num_mask_tokens}, num_classes is {self.out_channels} '
                    f'(set mask_decoder num_multimask_outputs={self.out_channels - 1}).')
        self.mask_outputs = mask_outputs
        if loss_resolution not in ('input', 'low'):
            raise ValueError(f"loss_resolution must be 'input' or 'low', got "
                             f'{loss_resolution!r}.')
        self.loss_resolution = loss_resolution
        self.keep_low_res_logits = keep_low_res_logits
        unknown = set(trainable) - {'prompt_encoder', 'mask_decoder'}
        if unknown:
            raise ValueError(f'trainable may name prompt_encoder and mask_decoder, got {unknown}.')
        self.trainable = tuple(trainable)
        self.checkpoint = checkpoint
        if checkpoint is not None:
            self.load_sam_checkpoint(checkpoint)
        for name in ('prompt_encoder', 'mask_decoder'):
            getattr(self, name).requires_grad_(name in self.trainable)
        if 'mask_decoder' not in self.trainable:
            self.mask_decoder.train_adapters()  # LoRA, calibration and the parts it names
        self.prompt_source = MODELS.build(prompt_source, default_args=dict(
            img_size=img_size, embed_size=(grid, grid), prompt_encoder=self.prompt_encoder))
        if not isinstance(self.prompt_source, BasePromptSource):
            raise TypeError(f'prompt_source must build a BasePromptSource (the contract in '
                            f'mmsam_prompt/models/prompt_sources/base.py), got '
                            f'{type(self.prompt_source).__name__}.')
        if self.prompt_source.classifies_masks and mask_outputs != 'prompt':
            raise ValueError(f'{type(self.prompt_source).__name__} classifies one mask per prompt: '
                             "it needs mask_outputs='prompt'.")
        names = self.prompt_source.class_names
        if names is not None and len(names) != self.out_channels:
            raise ValueError(f'The prompt source names {len(names)} classes but num_classes is '
                             f'{self.out_channels}: give it the data set\'s class list.')

    def load_sam_checkpoint(self, path: str) -> None:
        load_official_state(self.prompt_encoder, 'prompt_encoder',
                            load_sam_weights(path, 'prompt_encoder.'), path)
        self.mask_decoder.load_sam_state(load_sam_weights(path, 'mask_decoder.'), path)

    def init_weights(self) -> None:
        if self.checkpoint is None:
            super().init_weights()

    def forward(self, inputs, data_samples: list) -> torch.Tensor:
        """Backbone features + data samples -> logits (B, C, H, W) at the padded input size."""
        return self.upsample(self.low_res_logits(inputs, data_samples), data_samples)

    def low_res_logits(self, inputs, data_samples: list) -> torch.Tensor:
        """Backbone features + data samples -> SAM's low-resolution logits (B, C, 4h, 4w)."""
        emb = self._transform_inputs(inputs)
        if self.prompt_source.classifies_masks:
            ctx = PromptContext.from_batch(self.prompt_encoder, emb, data_samples)
            return self.mask_classification_logits(emb, self.prompt_source(ctx), ctx)
        return self.prompt_logits(emb, self.prompts(emb, data_samples))

    def upsample(self, low: torch.Tensor, data_samples: list) -> torch.Tensor:
        """Low-resolution logits -> the padded input size, as ``Sam.postprocess_masks``."""
        size = tuple(data_samples[0].metainfo.get('batch_input_shape', (self.img_size, ) * 2))
        return F.interpolate(low, size, mode='bilinear', align_corners=False)

    def prompts(self, emb: torch.Tensor, data_samples: list) -> List[PromptBatch]:
        """The prompt source's prompts for image embeddings (B, C, h, w) and their samples."""
        return self.prompt_source(PromptContext.from_batch(self.prompt_encoder, emb,
                                                           data_samples))

    def prompt_logits(self, emb: torch.Tensor, batches: List[PromptBatch]) -> torch.Tensor:
        """Decode all prompts and merge them into (B, C, 4h, 4w) low-resolution logits."""
        b, _, h, w = emb.shape
        image_pe = self.prompt_encoder.get_dense_pe()
        masks, index, images = [], [], []
        for group in PromptBatch.group_by_tokens(batches):
            masks.append(self.decode_chunked(emb, image_pe, group))
            index.append(group.batch_idx * self.out_channels + group.class_idx)
            images.append(group.batch_idx)
        hl, wl = 4 * h, 4 * w
        if self.mask_outputs == 'tokens':  # (N, C, hl, wl) per prompt -> its image's channels
            logits = emb.new_full((b, self.out_channels * hl * wl), self.no_prompt_logit)
            if masks:
                masks = torch.cat(masks).flatten(1).to(logits.dtype)
                index = torch.cat(images)
                logits = logits.scatter_reduce(0, index[:, None].expand_as(masks), masks,
                                               'amax', include_self=False)
            return logits.view(b, self.out_channels, hl, wl)
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

    def mask_classification_logits(self, emb: torch.Tensor, batches: List[PromptBatch],
                                   ctx: PromptContext) -> torch.Tensor:
        """(B, K, 4h, 4w) logits of a mask-classification source (SSPrompt, the paper's model):
        each prompt is decoded into a mask m_i and its mask output token t_i, the source gives
        the class confidences c_i = classify(t, ctx) (one call for all masks), and
        ``semantic_inference`` combines them: log sum_i c_i[k] sigmoid(m_i) per pixel."""
        image_pe = self.prompt_encoder.get_dense_pe()
        masks, tokens, index = [], [], []
        for group in PromptBatch.group_by_tokens(batches):
            m, t = self.decode_chunked(emb, image_pe, group, with_tokens=True)
            masks.append(m)
            tokens.append(t)
            index.append(group.batch_idx)
        b, _, h, w = emb.shape
        if not masks:
            return emb.new_zeros(b, self.out_channels, 4 * h, 4 * w)
        probs = self.prompt_source.classify(torch.cat(tokens), ctx)
        if probs.shape[1] != self.out_channels:
            raise ValueError(f'{type(self.prompt_source).__name__} gave {probs.shape[1]} class '
                             f'confidences per mask, but num_classes is {self.out_channels}.')
        logits = semantic_inference(torch.cat(masks), probs, torch.cat(index), b)
        if self.background_index is not None:
            logits[:, self.background_index] = 0
        return logits

    def decode_chunked(self, emb: torch.Tensor, image_pe: torch.Tensor, group: PromptBatch,
                       with_tokens: bool = False):
        """(N, 4h, 4w) masks of a group, ``decode_chunk`` prompts per decoder pass; with
        ``with_tokens`` also (N, C) the chosen masks' output tokens.

        While gradients are needed, each chunk is recomputed in the backward pass (activation
        checkpointing), so memory grows with the chunk, not with B x K prompts.
        """
        n = len(group)
        step = self.decode_chunk or n
        dense = group.dense.expand(n, -1, -1, -1)
        out, tokens = [], []
        for i in range(0, n, step):
            args = (emb, image_pe, group.sparse[i:i + step], dense[i:i + step],
                    group.batch_idx[i:i + step])
            if step < n and torch.is_grad_enabled():
                res = checkpoint(self.mask_decoder.decode, *args, return_tokens=with_tokens,
                                 use_reentrant=False)
            else:
                res = self.mask_decoder.decode(*args, return_tokens=with_tokens)
            out.append(self.select_mask(res[0], res[1]))
            if with_tokens:
                tokens.append(self.select_mask(res[2].unsqueeze(-1), res[1]).squeeze(-1))
        masks = torch.cat(out) if len(out) > 1 else out[0]
        if with_tokens:
            return masks, torch.cat(tokens) if len(tokens) > 1 else tokens[0]
        return masks

    def select_mask(self, masks: torch.Tensor, iou_pred: torch.Tensor) -> torch.Tensor:
        """(N, 4, H, W) decoder masks -> (N, H, W): the single-mask output or the best of three
        (``mask_outputs='tokens'``: all of them, (N, C, H, W))."""
        if self.mask_outputs == 'tokens':
            return masks
        if not self.multimask_output:
            return masks[:, 0]
        best = iou_pred[:, 1:].argmax(dim=1) + 1
        return masks[torch.arange(masks.shape[0], device=masks.device), best]

    def loss(self, inputs, batch_data_samples, train_cfg) -> dict:
        if self.loss_resolution == 'input':
            return self.loss_by_feat(self.forward(inputs, batch_data_samples), batch_data_samples)
        low = self.low_res_logits(inputs, batch_data_samples)
        label = self._stack_batch_gt(batch_data_samples)[:, 0]
        return self.losses(low, zoom_nearest(label, low.shape[-2:]))

    def losses(self, seg_logits: torch.Tensor, seg_label: torch.Tensor) -> dict:
        """``loss_decode`` terms and ``acc_seg`` of logits (B, C, h, w) against labels (B, h, w)
        of the same size (``loss_by_feat`` without its resize)."""
        seg_weight = None
        if self.sampler is not None:
            seg_weight = self.sampler.sample(seg_logits, seg_label[:, None])
        losses_decode = (self.loss_decode if isinstance(self.loss_decode, nn.ModuleList)
                         else [self.loss_decode])
        loss = dict()
        for loss_decode in losses_decode:
            value = loss_decode(seg_logits, seg_label, weight=seg_weight,
                                ignore_index=self.ignore_index)
            name = loss_decode.loss_name
            loss[name] = loss[name] + value if name in loss else value
        loss['acc_seg'] = accuracy(seg_logits, seg_label, ignore_index=self.ignore_index)
        return loss

    def predict(self, inputs, batch_img_metas, test_cfg):
        raise RuntimeError('SAMHead needs the data samples (prompts, ground truth); use it inside '
                           "SAMSegmentor (model=dict(type='SAMSegmentor', ...)).")

    def predict_with_samples(self, inputs, data_samples: list) -> torch.Tensor:
        low = self.low_res_logits(inputs, data_samples)
        if self.keep_low_res_logits:
            for ds, logits in zip(data_samples, low):
                ds.set_field(PixelData(data=logits.detach()), 'low_res_seg_logits')
        return self.upsample(low, data_samples)
