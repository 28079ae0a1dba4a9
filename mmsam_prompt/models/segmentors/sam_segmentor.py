"""Segmentor that hands the data samples (prompts, ground truth) to a SAM head."""
import copy
import logging
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from ...structures import SampleFrame
from ..caching.frozen_output_cache import FrozenOutputCache


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
        encoder_autocast: 'bf16' runs the image encoder pass (backbone and neck: the frozen,
            cached part) under ``torch.autocast`` with bfloat16, on the inputs' device; its
            output is returned (and cached) in the inputs' dtype. Meant to cut the encoder's
            time and activation memory on GPUs with bf16 units (not yet measured on one); the
            embeddings differ from float32 by about 1%, at most 2% (relative L2; docs/gpu.md).
            None (default): no autocast. The cache keys include the setting.
        Other arguments as ``mmseg.models.EncoderDecoder`` (only whole-image inference).
    """
    AUTOCAST_DTYPES = {'bf16': torch.bfloat16}

    def __init__(self, backbone: dict, decode_head: dict, *args,
                 sam_checkpoint: Optional[str] = None, feature_cache: Optional[dict] = dict(),
                 eval_at_gt_resolution: bool = True, encoder_autocast: Optional[str] = None,
                 **kwargs) -> None:
        if encoder_autocast is not None and encoder_autocast not in self.AUTOCAST_DTYPES:
            raise ValueError(f'encoder_autocast must be None or one of '
                             f'{sorted(self.AUTOCAST_DTYPES)}, got {encoder_autocast!r}.')
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
        self.encoder_autocast = encoder_autocast
        if self.feature_cache is not None and encoder_autocast is not None:
            self.feature_cache.salt = f'autocast={encoder_autocast}'
        mode = (self.test_cfg or {}).get('mode', 'whole')
        if mode != 'whole':
            raise ValueError(f"SAMSegmentor supports test_cfg mode='whole' only, got {mode!r}.")

    @property
    def cfg(self):
        """The config mmseg's ``init_model`` stores on the model (None until then)."""
        return self.__dict__.get('_config')

    @cfg.setter
    def cfg(self, config) -> None:
        """``inference_model`` builds its pipeline from ``cfg.test_pipeline``; a config without
        one gets the pipeline of its test loader's (innermost) data set, so every config works
        with ``init_model`` + ``inference_model``."""
        if config is not None and 'test_pipeline' not in config and config.get('test_dataloader'):
            dataset = config.test_dataloader.get('dataset')
            while isinstance(dataset, dict) and dataset.get('pipeline') is None:
                dataset = dataset.get('dataset')
            if isinstance(dataset, dict):
                config.test_pipeline = copy.deepcopy(dataset['pipeline'])
        self.__dict__['_config'] = config

    def _weights_loaded(self, *args) -> None:
        self._random_sam_weights = False

    def extract_feat(self, inputs: torch.Tensor):
        if self._random_sam_weights:
            self._random_sam_weights = False
            print_log('No SAM checkpoint given: SAM weights are RANDOM. Set model.sam_checkpoint='
                      '/path/to/sam_vit_*.pth (or pass it as the checkpoint to tools/test.py).',
                      logger='current', level=logging.WARNING)
        if self.feature_cache is None:
            return self._encode(inputs)
        frozen = [self.backbone] + ([self.neck] if self.with_neck else [])
        return self.feature_cache.batched(frozen, inputs, self._encode)

    def _encode(self, inputs: torch.Tensor):
        """The encoder pass (backbone, neck), under bf16 autocast when ``encoder_autocast``."""
        if self.encoder_autocast is None:
            return super().extract_feat(inputs)
        with torch.autocast(device_type=inputs.device.type,
                            dtype=self.AUTOCAST_DTYPES[self.encoder_autocast]):
            feats = super().extract_feat(inputs)
        return tuple(f.to(inputs.dtype) if f.is_floating_point() else f for f in feats)

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
            frame = SampleFrame.from_metainfo(dict(meta, img_shape=(ih, iw)))
            logits = frame.unflip(logits[None, :, :ih, :iw])
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
