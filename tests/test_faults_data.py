"""Fault table (docs/reliability.md), data and config: rows 9, 10, 13, 14, 15, 16, 17, 17b, 22,
23. Bad files are found before iteration 1, with one line naming the file."""
import os.path as osp
import uuid

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from mmseg.registry import DATASETS
from PIL import Image

from conftest import REPO
from helpers import (IterCounter, build_model, make_binary_folder, model_cfg, tiny_camvid_cfg,
                     tiny_run_cfg, train)
from mmsam_prompt.utils.errors import ConfigMismatchError, DataError


def startup_check():
    from mmsam_prompt.engine.hooks.startup_check_hook import StartupCheckHook
    return StartupCheckHook


@pytest.fixture
def folder(tmp_path):
    """A fresh tiny binary set (JPEG 80x64 images, masks {0, 255}): 4 train, 2 val."""
    return make_binary_folder(str(tmp_path / 'data'))


def jpeg_cfg(tmp_path, data_root, ckpt, iters=1):
    return tiny_run_cfg(tmp_path / 'work', data_root, ckpt, iters=iters, img_suffix='.jpg')


def check_error(cfg) -> str:
    """The one-line error of the start-up file check of the training set (no runner)."""
    with pytest.raises(DataError) as e:
        startup_check()().check_data('train_dataloader',
                                      DATASETS.build(cfg.train_dataloader.dataset))
    msg = str(e.value)
    assert '\n' not in msg, msg
    return msg


def error_at_start(cfg, kind=DataError) -> str:
    """The one-line error the run stops with, before its first iteration."""
    runner = Runner.from_cfg(cfg)
    counter = IterCounter()
    runner.register_hook(counter, 'LOWEST')
    with pytest.raises(kind) as e:
        runner.train()
    assert counter.iters == 0
    msg = str(e.value)
    assert '\n' not in msg, msg
    return msg


def with_grey_band(path):
    """Set a band of the mask to 128 (neither background 0 nor foreground 255)."""
    mask = np.array(Image.open(path))
    mask[:, :10] = 128
    Image.fromarray(mask).save(path)


def test_row9_binary_masks_0_128_255_train(tmp_path, tiny_ckpt, folder):
    for i in range(4):
        with_grey_band(osp.join(folder, 'masks', f'train_{i}.png'))
    runner, ran = train(jpeg_cfg(tmp_path, folder, tiny_ckpt, iters=1))
    assert ran == 1
    gt = runner.train_dataloader.dataset[0]['data_samples'].gt_sem_seg.data
    assert set(gt.unique().tolist()) <= {0, 1}


def test_row10_binary_masks_0_128_255_evaluate_as_background(folder):
    with_grey_band(osp.join(folder, 'masks', 'val_0.png'))
    cfg = Config.fromfile(osp.join(REPO, 'configs/demo/sam_tiny_synthetic.py'))
    ds_cfg = cfg.test_dataloader.dataset
    ds_cfg.update(data_root=folder, img_suffix='.jpg')
    ds = DATASETS.build(ds_cfg)
    gt = ds[0]['data_samples'].gt_sem_seg.data[0]
    stored = np.array(Image.open(osp.join(folder, 'masks', 'val_0.png')))
    assert set(np.unique(stored)) == {0, 128, 255}
    assert (gt.numpy() == (stored == 255)).all()  # 128 reads as background, as documented

    # a multi-class set: an unknown value (not a class, not the ignore index) names the file
    multi = dict(type='BaseSegDataset', data_root=folder, img_suffix='.jpg',
                 seg_map_suffix='.png', ann_file='splits/val.txt',
                 data_prefix=dict(img_path='images', seg_map_path='masks'),
                 metainfo=dict(classes=('a', 'b', 'c')), pipeline=[])
    with pytest.raises(DataError) as e:
        startup_check()().check_data('test_dataloader', DATASETS.build(multi))
    assert 'val_0.png' in str(e.value) and '[128]' in str(e.value)


def test_row13_mask_with_another_aspect_ratio(tmp_path, tiny_ckpt, folder):
    # same view at twice the resolution: fine
    Image.open(osp.join(folder, 'masks', 'train_1.png')).resize((160, 128)).save(
        osp.join(folder, 'masks', 'train_1.png'))
    cfg = jpeg_cfg(tmp_path, folder, tiny_ckpt)
    startup_check()().check_data('train_dataloader', DATASETS.build(cfg.train_dataloader.dataset))
    # 100x300 for an 80x64 image: another view
    Image.new('L', (100, 300)).save(osp.join(folder, 'masks', 'train_2.png'))
    msg = error_at_start(cfg)
    assert 'train_2.png' in msg and 'train_2.jpg' in msg and 'aspect ratio' in msg, msg
    assert '100x300' in msg and '80x64' in msg


def test_row14_pool_without_foreground(tmp_path, tiny_ckpt, folder):
    Image.new('L', (80, 64)).save(osp.join(folder, 'masks', 'train_0.png'))
    with open(osp.join(folder, 'splits', 'train.txt'), 'w') as f:
        f.write('train_0\n')
    msg = error_at_start(jpeg_cfg(tmp_path, folder, tiny_ckpt))
    assert 'no labelled foreground' in msg and "'background'" in msg, msg
    # the same pool drawn by KShotDataset
    pool = jpeg_cfg(tmp_path, folder, tiny_ckpt).train_dataloader.dataset
    kshot = DATASETS.build(dict(type='KShotDataset', shots=1, dataset=pool))
    with pytest.raises(DataError) as e:
        startup_check().check_foreground(build_model(model_cfg('tiny', tiny_ckpt)), kshot, set())
    assert 'the 1 training shots hold no labelled foreground' in str(e.value), e.value


def test_row15_zero_byte_image(tmp_path, tiny_ckpt, folder):
    open(osp.join(folder, 'images', 'train_1.jpg'), 'wb').close()
    msg = check_error(jpeg_cfg(tmp_path, folder, tiny_ckpt))
    assert 'train_1.jpg' in msg and 'cannot be decoded' in msg, msg


def test_row16_cut_off_jpeg(tmp_path, tiny_ckpt, folder):
    path = osp.join(folder, 'images', 'train_3.jpg')
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) * 2 // 3])
    msg = check_error(jpeg_cfg(tmp_path, folder, tiny_ckpt))
    assert 'train_3.jpg' in msg and 'truncated' in msg, msg


def test_row17_split_names_a_missing_image(tmp_path, tiny_ckpt, folder):
    with open(osp.join(folder, 'splits', 'val.txt'), 'a') as f:
        f.write('ghost\n')
    msg = error_at_start(jpeg_cfg(tmp_path, folder, tiny_ckpt))
    assert msg.startswith('val_dataloader: image ') and 'ghost.jpg' in msg, msg
    assert 'does not exist' in msg and 'split file' in msg


def test_row17b_missing_mask(tmp_path, tiny_ckpt, folder):
    import os
    os.remove(osp.join(folder, 'masks', 'train_2.png'))
    msg = check_error(jpeg_cfg(tmp_path, folder, tiny_ckpt))
    assert 'train_2.png' in msg and 'does not exist' in msg, msg


def test_row22_class_names_in_another_order(tmp_path, tiny_ckpt):
    from helpers import CAMVID_CLASSES
    cfg = tiny_camvid_cfg('ssprompt', tiny_ckpt, classes=tuple(reversed(CAMVID_CLASSES)))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg.update(max_iters=1, val_interval=1000)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.experiment_name = f'names_{uuid.uuid4().hex[:8]}'
    cfg.visualizer.pop('name', None)
    msg = error_at_start(cfg, ConfigMismatchError)
    assert str(list(CAMVID_CLASSES)) in msg and str(list(reversed(CAMVID_CLASSES))) in msg, msg


def test_row23_pipeline_size_differs_from_model(tmp_path, tiny_ckpt, folder):
    cfg = jpeg_cfg(tmp_path, folder, tiny_ckpt)
    cfg.train_dataloader.dataset.pipeline = cfg.sam_train_pipeline  # 1024 px for the 256 px model
    msg = error_at_start(cfg, ConfigMismatchError)
    assert '1024' in msg and '256' in msg and 'train_dataloader' in msg, msg
