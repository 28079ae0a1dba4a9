"""Shared test helpers: build our SAM from a config and run it on one image."""
import logging
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.logging import MMLogger
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

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


CAMVID_CLASSES = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree', 'SignSymbol', 'Fence',
                  'Car', 'Pedestrian', 'Bicyclist')
#: a one-layer CLIP text encoder, so that tests build prompt models in a second
TINY_TEXT = dict(embed_dims=64, num_layers=1, num_heads=2, output_dims=64)


def tiny_camvid_cfg(name: str, ckpt, classes=CAMVID_CLASSES, num_points: int = 16, **semantic):
    """``configs/ssprompt/<name>_tiny_camvid.py`` with a tiny text encoder and 16 spatial points;
    ``semantic`` overrides fields of the semantic prompt."""
    cfg = Config.fromfile(osp.join(REPO, f'configs/ssprompt/{name}_tiny_camvid.py'))
    cfg.model.sam_checkpoint = ckpt
    src = cfg.model.decode_head.prompt_source
    if 'num_points' in src.spatial:
        src.spatial.num_points = num_points
    src.semantic.update(class_names=classes, text_encoder=TINY_TEXT, **semantic)
    return cfg


def square_sample(gt, size: int = 256) -> SegDataSample:
    """A data sample of a ``size``² input with ground truth ``gt`` (size, size)."""
    ds = SegDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                                     batch_input_shape=(size, size)))
    ds.gt_sem_seg = PixelData(data=torch.as_tensor(gt)[None])
    return ds


def assert_gradients_only_in(model, names) -> None:
    """Every parameter named has a non-zero gradient; every other has none."""
    for n, p in model.named_parameters():
        if n in names:
            assert p.grad is not None and p.grad.abs().sum() > 0, n
        else:
            assert p.grad is None, n
