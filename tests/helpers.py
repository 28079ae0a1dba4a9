"""Shared test helpers: build our SAM from a config and run it on one image."""
import logging
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.logging import MMLogger
from mmseg.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
META_KEYS = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape', 'scale_factor',
             'flip', 'flip_direction', 'reduce_zero_label', 'prompts')


def model_cfg(arch: str, checkpoint: str, num_classes: int = 2, prompt_source=None,
              background_index=0, img_size=None):
    name = {'tiny': 'sam_tiny', 'vit-b': 'sam_vit_b'}[arch]
    cfg = Config.fromfile(osp.join(REPO, f'configs/_base_/models/{name}.py'))
    size = img_size or cfg.sam_img_size
    cfg.model.sam_checkpoint = checkpoint
    cfg.model.backbone.img_size = cfg.model.decode_head.img_size = size
    cfg.model.data_preprocessor.size = (size, size)
    cfg.model.decode_head.num_classes = num_classes
    cfg.model.decode_head.background_index = background_index
    cfg.model.decode_head.prompt_source = prompt_source or dict(type='DataSamplePrompt')
    return cfg


def build_model(cfg):
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model.eval()


def pipeline(img_size, with_gt=False):
    steps = [dict(type='LoadImageFromFile'),
             dict(type='SAMResizeLongestSide', target_length=img_size)]
    if with_gt:
        steps.append(dict(type='LoadAnnotations'))
    steps.append(dict(type='PackSegInputs', meta_keys=META_KEYS))
    return Compose(steps)


def predict(model, img_size, items, with_gt=False):
    """items: list of dicts with img_path (and prompts / seg_map_path). One batch."""
    pipe = pipeline(img_size, with_gt)
    data = [pipe(dict(item, seg_fields=[], reduce_zero_label=False)) for item in items]
    batch = dict(inputs=[d['inputs'] for d in data], data_samples=[d['data_samples'] for d in data])
    with torch.no_grad():
        return model.test_step(batch)


class LogCatcher(logging.Handler):
    """Collects the messages of mmengine's current logger inside a ``with`` block."""

    def __init__(self):
        super().__init__()
        self.msgs = []

    def emit(self, record):
        self.msgs.append(record.getMessage())

    def __enter__(self):
        MMLogger.get_current_instance().addHandler(self)
        return self

    def __exit__(self, *exc):
        MMLogger.get_current_instance().removeHandler(self)
