"""SAM preprocessing as mmseg transforms and the binary folder data set."""
import os.path as osp

import mmcv
import numpy as np
from mmseg.registry import DATASETS, TRANSFORMS
from segment_anything.utils.transforms import ResizeLongestSide

from conftest import HUMAN, require_shared_data
from helpers import build_model, model_cfg


def test_resize_matches_segment_anything_and_aligns_smaller_mask():
    require_shared_data()
    # id 192: 480x640 image with a 433x577 mask
    img = mmcv.imread(osp.join(HUMAN, 'images', '192.jpg'))
    gt = mmcv.imread(osp.join(HUMAN, 'masks', '192.png'), flag='unchanged')
    assert gt.shape != img.shape[:2]
    t = TRANSFORMS.build(dict(type='SAMResizeLongestSide', target_length=1024))
    out = t(dict(img=img.copy(), gt_seg_map=gt, seg_fields=['gt_seg_map']))
    ref = ResizeLongestSide(1024).apply_image(img)
    assert np.array_equal(out['img'], ref)
    assert out['img_shape'] == (1024, 768) == out['gt_seg_map'].shape
    assert out['scale_factor'] == (768 / 480, 1024 / 640)
    assert set(np.unique(out['gt_seg_map'])) <= {0, 255}


def test_resize_rounds_like_sam():
    t = TRANSFORMS.build(dict(type='SAMResizeLongestSide', target_length=1024))
    out = t(dict(img=np.zeros((145, 1500, 3), np.uint8), seg_fields=[]))
    # 145 * 1024 / 1500 = 98.99 -> int(98.99 + 0.5) = 99
    assert out['img_shape'] == (99, 1024) == out['img'].shape[:2]


def test_grayscale_image_becomes_three_channels():
    t = TRANSFORMS.build(dict(type='SAMResizeLongestSide', target_length=64))
    out = t(dict(img=np.zeros((32, 16), np.uint8), seg_fields=[]))
    assert out['img'].shape == (64, 32, 3)


def test_binary_dataset_reads_255_as_foreground():
    require_shared_data()
    ds = DATASETS.build(dict(
        type='BinarySegDataset', data_root=HUMAN,
        data_prefix=dict(img_path='images', seg_map_path='masks'),
        ann_file='splits/test_last100_numeric.txt', foreground_values=(255, ),
        pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]))
    assert len(ds) == 100
    assert osp.basename(ds[0]['img_path']) == '191.jpg'
    gt = ds[0]['gt_seg_map']
    assert set(np.unique(gt)) == {0, 1}
    raw = mmcv.imread(osp.join(HUMAN, 'masks', '191.png'), flag='unchanged')
    assert np.array_equal(gt == 1, raw == 255)


def test_metrics_at_mask_resolution(tiny_ckpt):
    """A mask stored smaller than its image is evaluated at its own resolution."""
    require_shared_data()
    from helpers import predict
    model = build_model(model_cfg('tiny', tiny_ckpt, prompt_source=dict(
        type='GTBoxPrompt', exclude_classes=(0, ))))
    ds = predict(model, 256, [dict(img_path=osp.join(HUMAN, 'images', '192.jpg'),
                                   seg_map_path=osp.join(HUMAN, 'masks', '192.png'))],
                 with_gt=True)[0]
    assert ds.pred_sem_seg.shape == ds.gt_sem_seg.shape == (577, 433)
    assert ds.metainfo['ori_shape'] == (640, 480)
