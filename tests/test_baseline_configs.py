"""Supervised baselines through mmseg: DeepLabV3 (ResNet-50-D8) on 16 shots of the human set.

The config keeps mmseg's ImageNet-pretrained backbone (``open-mmlab://resnet50_v1c``); the tests
build it with ``pretrained=None`` (random weights, nothing to download) and run its pipelines at
256 instead of 512 px (a quarter of the CPU time; nothing else changes).
"""
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmseg.evaluation import IoUMetric
from mmseg.registry import DATASETS, MODELS, TRANSFORMS
from PIL import Image

from conftest import HUMAN, REPO, require_shared_data

DEEPLAB = osp.join(REPO, 'configs/deeplabv3/deeplabv3_r50-d8_16shot_vikram-human.py')


def deeplab_model(size: int = 256):
    """The config's model (random weights) and pipelines, at ``size`` instead of 512 px."""
    cfg = Config.fromfile(DEEPLAB)
    assert cfg.model.pretrained == 'open-mmlab://resnet50_v1c'  # kept as mmseg has it ...
    cfg.model.pretrained = None  # ... but not downloaded here
    cfg.model.data_preprocessor.size = (size, size)
    for step in (cfg.train_dataloader.dataset.dataset.pipeline
                 + cfg.test_dataloader.dataset.pipeline):
        if 'scale' in step:
            step.scale = (4 * size, size)
        if 'crop_size' in step:
            step.crop_size = (size, size)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return cfg, model


def test_deeplabv3_config():
    cfg = Config.fromfile(DEEPLAB)
    m = cfg.model
    assert m.type == 'EncoderDecoder' and m.backbone.type == 'ResNetV1c'
    assert m.decode_head.num_classes == m.auxiliary_head.num_classes == 2
    for part in (m.backbone, m.decode_head, m.auxiliary_head):
        assert part.norm_cfg.type == 'BN'
    assert [(loss.type, loss.loss_weight) for loss in m.decode_head.loss_decode] == [
        ('CrossEntropyLoss', 0.2), ('ClassDiceLoss', 0.8)]
    assert cfg.crop_size == (512, 512) and m.data_preprocessor.size == (512, 512)
    assert cfg.train_dataloader.dataset.type == 'KShotDataset'
    assert cfg.train_dataloader.dataset.shots == 16
    train = [t.type for t in cfg.train_dataloader.dataset.dataset.pipeline]
    assert 'SAMResizeLongestSide' not in train and 'RandomCrop' in train
    assert 'SAMResizeLongestSide' not in [t.type for t in cfg.test_dataloader.dataset.pipeline]


def test_mask_resolution_transforms():
    """Masks stored at another resolution: aligned to the image for training; at test time the
    prediction is made at the mask's size."""
    img = np.zeros((40, 60, 3), np.uint8)
    seg = np.zeros((20, 30), np.uint8)
    seg[5:10, 10:20] = 1
    out = TRANSFORMS.build(dict(type='ResizeSegToImage'))(
        dict(img=img, gt_seg_map=seg.copy(), seg_fields=['gt_seg_map']))
    assert out['gt_seg_map'].shape == (40, 60)
    assert out['gt_seg_map'].sum() == 4 * seg.sum()  # nearest neighbour: labels stay labels
    out = TRANSFORMS.build(dict(type='PredictAtSegResolution'))(
        dict(img=img, ori_shape=(40, 60), gt_seg_map=seg, seg_fields=['gt_seg_map']))
    assert out['ori_shape'] == (20, 30)


def test_deeplabv3_loss_and_prediction_on_human_images():
    """One loss on two training crops (the config's pipeline), one prediction on a test image
    whose mask is stored at another resolution: the prediction has the mask's size."""
    require_shared_data()
    cfg, model = deeplab_model()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(dataset) == 16
    batch = [dataset[0], dataset[1]]
    for item in batch:  # the mask was aligned with the image before the crop
        assert item['inputs'].shape[1:] == item['data_samples'].gt_sem_seg.shape
    model.train()
    data = model.data_preprocessor(pseudo_collate(batch), training=True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert {'decode.loss_ce', 'decode.loss_dice', 'aux.loss_ce'} <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total) and total > 0

    stem = '191'  # image 640 x 427, mask 612 x 408
    img, seg = osp.join(HUMAN, 'images', stem + '.jpg'), osp.join(HUMAN, 'masks', stem + '.png')
    mask_hw = np.array(Image.open(seg)).shape[:2]
    assert mask_hw != np.array(Image.open(img)).shape[:2]
    pipe = Compose(cfg.test_dataloader.dataset.pipeline)
    item = pipe(dict(img_path=img, seg_map_path=seg, seg_fields=[], reduce_zero_label=False,
                     label_map=None))
    model.eval()
    with torch.no_grad():
        (out, ) = model.test_step(pseudo_collate([item]))
    assert out.pred_sem_seg.shape == mask_hw == out.gt_sem_seg.shape
    metric = IoUMetric(iou_metrics=['mDice'])
    metric.dataset_meta = dict(classes=('background', 'person'))
    metric.process([], [out.to_dict()])  # shapes agree: no error
