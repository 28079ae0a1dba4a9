"""Segmentor that hands the data samples (prompts, ground truth) to a SAM head."""
import logging
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from ..frozen_output_cache import FrozenOutputCache


@MODELS.register_module()
class SAMSegmentor(EncoderDecoder):
    """``EncoderDecoder`` whose head sees the data samples at test time too.

    Args:
        sam_checkpoint: official SAM checkpoint (``sam_vit_*.pth``) for the backbone and the head
            (sets their ``checkpoint`` unless they name one). None keeps random weights and
            says so in the log.
        feature_cache: settings of the :class:`FrozenOutputCache` that memoises the frozen
            image encoder's output per image (``enabled``, ``fp16``, ``max_bytes``); None turns
            it off. It switches itself off while the encoder has trainable parameters.
        eval_at_gt_resolution: when a ground-truth map's size differs from its image's (e.g.
            masks saved at another resolution), resize the prediction to the ground truth
            instead of to the image, so metrics are computed at the annotation's native size.
        Other arguments as ``mmseg.models.EncoderDecoder`` (only whole-image inference).
    """

    def __init__(self, backbone: dict, decode_head: dict, *args,
                 sam_checkpoint: Optional[str] = None, feature_cache: Optional[dict] = dict(),
                 eval_at_gt_resolution: bool = True, **kwargs) -> None:
        backbone, decode_head = dict(backbone), dict(decode_head)
        for cfg in (backbone, decode_head):
            if cfg.get('checkpoint') is None:
                cfg['checkpoint'] = sam_checkpoint
        super().__init__(backbone, decode_head, *args, **kwargs)
        # Warn once, at the first forward, if SAM never received weights: neither a SAM
        # checkpoint nor a state dict (e.g. tools/test.py's trained checkpoint) was loaded.
        self._random_sam_weights = backbone['checkpoint'] is None or decode_head['checkpoint'] is None
        self._register_load_state_dict_pre_hook(self._weights_loaded)
        sizes = dict(backbone=getattr(self.backbone, 'img_size', None),
                     decode_head=getattr(self.decode_head, 'img_size', None))
        pre = getattr(self.data_preprocessor, 'size', None)
        if pre is not None:
            sizes['data_preprocessor'] = pre[0] if pre[0] == pre[1] else tuple(pre)
        if len({v for v in sizes.values() if v is not None}) > 1:
            raise ValueError(f'SAM input sizes disagree: {sizes}; set backbone.img_size, '
                             'decode_head.img_size, data_preprocessor.size and '
                             'SAMResizeLongestSide.target_length to the same value.')
        self.eval_at_gt_resolution = eval_at_gt_resolution
        self.feature_cache = None if feature_cache is None else FrozenOutputCache(**feature_cache)
        mode = (self.test_cfg or {}).get('mode', 'whole')
        if mode != 'whole':
            raise ValueError(f"SAMSegmentor supports test_cfg mode='whole' only, got {mode!r}.")

    def _weights_loaded(self, *args) -> None:
        self._random_sam_weights = False

    def extract_feat(self, inputs: torch.Tensor):
        if self._random_sam_weights:
            self._random_sam_weights = False
            print_log('No SAM checkpoint given: SAM weights are RANDOM. Set model.sam_checkpoint='
                      '/path/to/sam_vit_*.pth (or pass it as the checkpoint to tools/test.py).',
                      logger='current', level=logging.WARNING)
        if self.feature_cache is None:
            return super().extract_feat(inputs)
        frozen = [self.backbone] + ([self.neck] if self.with_neck else [])
        return self.feature_cache.batched(frozen, inputs, super().extract_feat)

    def encode_decode(self, inputs, batch_img_metas):
        raise RuntimeError('SAMSegmentor decodes with data samples; call predict() or _forward().')

    def _forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None) -> torch.Tensor:
        return self.decode_head.forward(self.extract_feat(inputs), data_samples)

    def predict(self, inputs: torch.Tensor, data_samples: Optional[list] = None) -> list:
        if data_samples is None:
            data_samples = [SegDataSample(metainfo=dict(
                img_shape=inputs.shape[2:], ori_shape=inputs.shape[2:],
                batch_input_shape=inputs.shape[2:])) for _ in range(inputs.shape[0])]
        seg_logits = self.decode_head.predict_with_samples(self.extract_feat(inputs), data_samples)
        return self.postprocess_result(seg_logits, data_samples)

    def postprocess_result(self, seg_logits: torch.Tensor, data_samples: list) -> list:
        """Crop the padding, undo flips, resize to the original (or ground-truth) size."""
        _, c, h, w = seg_logits.shape
        for logits, ds in zip(seg_logits, data_samples):
            meta = ds.metainfo
            ih, iw = meta.get('img_shape', (h, w))[:2]
            logits = logits[None, :, :ih, :iw]
            if meta.get('flip'):
                logits = logits.flip(dims=(3, ) if meta['flip_direction'] == 'horizontal' else (2, ))
            size = tuple(meta.get('ori_shape', (ih, iw))[:2])
            if self.eval_at_gt_resolution and 'gt_sem_seg' in ds:
                size = tuple(ds.gt_sem_seg.shape)
            logits = F.interpolate(logits, size, mode='bilinear', align_corners=False)[0]
            if c > 1:
                pred = logits.argmax(dim=0, keepdim=True)
            else:
                logits = logits.sigmoid()
                pred = (logits > self.decode_head.threshold).to(logits)
            ds.set_data(dict(seg_logits=PixelData(data=logits), pred_sem_seg=PixelData(data=pred)))
        return data_samples
