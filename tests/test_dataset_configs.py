"""Data set configs: all load; CamVid / human read real samples; ACDC per-condition metric."""
import glob
import json
import os.path as osp
import runpy

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import DATASETS, METRICS
from PIL import Image

from conftest import CAMVID, REPO, require_shared_data

DATASET_CONFIGS = sorted(  # sam_pipelines.py holds only the pipelines the others use
    p for p in glob.glob(osp.join(REPO, 'configs/_base_/datasets/*.py'))
    if osp.basename(p) != 'sam_pipelines.py')
SAM_TRAIN = ['LoadImageFromFile', 'LoadAnnotations', 'SAMResizeLongestSide', 'RandomFlip',
             'PackSegInputs']
SAM_TEST = ['LoadImageFromFile', 'SAMResizeLongestSide', 'LoadAnnotations', 'PackSegInputs']


def load(name: str) -> Config:
    return Config.fromfile(osp.join(REPO, name))


def types(pipeline) -> list:
    return [step['type'] for step in pipeline]


@pytest.mark.parametrize('path', DATASET_CONFIGS, ids=osp.basename)
def test_every_dataset_config_loads_sam_ready(path):
    cfg = Config.fromfile(path)
    assert cfg.data_img_size == 1024
    train = cfg.train_dataloader.dataset
    val = cfg.val_dataloader.dataset
    if path.endswith('_d1d2.py'):  # bi-level: D1 trains, D2 (its other half) validates
        assert (train.type, train.shots, train.seed, train.subset) == ('KShotDataset', 8, 0, 'd1')
        assert (val.type, val.shots, val.seed, val.subset) == ('KShotDataset', 8, 0, 'd2')
        assert val.dataset.ann_file == train.dataset.ann_file  # the same pool
        assert cfg.test_dataloader.dataset.type == 'BinarySegDataset'
        train, val = train.dataset, val.dataset
    elif osp.basename(path) != 'vikram_human_seg.py':  # that one trains on its whole pool
        assert (train.type, train.shots, train.seed) == ('KShotDataset', 16, 0)
        train = train.dataset
    assert types(train.pipeline) == SAM_TRAIN
    for loader_set in (val, cfg.test_dataloader.dataset):
        assert types(loader_set.pipeline) == SAM_TEST
        assert loader_set.pipeline[1].target_length == 1024
    assert train.pipeline[2].target_length == 1024
    assert {'mIoU', 'mDice'} <= set(cfg.test_evaluator.iou_metrics)


def test_mmseg_based_configs_keep_mmseg_data_settings():
    city = load('configs/_base_/datasets/cityscapes.py')
    inner = city.train_dataloader.dataset.dataset
    assert (inner.type, inner.data_root) == ('CityscapesDataset', 'data/cityscapes/')
    assert inner.data_prefix.img_path == 'leftImg8bit/train'
    assert city.val_dataloader.dataset.data_prefix.img_path == 'leftImg8bit/val'
    pc = load('configs/_base_/datasets/pascal_context_59.py').train_dataloader.dataset.dataset
    assert pc.ann_file == 'ImageSets/SegmentationContext/train.txt'
    mapillary = load('configs/_base_/datasets/mapillary.py')
    assert len(mapillary.train_dataloader.dataset.dataset.metainfo.classes) == 65
    assert len(mapillary.test_dataloader.dataset.metainfo.classes) == 65
    acdc = load('configs/_base_/datasets/acdc.py')
    assert acdc.test_evaluator.type == 'ConditionIoUMetric'
    assert acdc.test_dataloader.dataset.conditions == ('fog', 'night', 'rain', 'snow')


def test_camvid_reads_real_samples_void_as_ignore():
    require_shared_data()
    cfg = load('configs/_base_/datasets/camvid.py')
    test_set = DATASETS.build(cfg.test_dataloader.dataset)
    assert len(test_set) == 233 and len(test_set.metainfo['classes']) == 11
    stem = '0001TP_008550'  # has void pixels
    idx = next(i for i in range(len(test_set))
               if osp.basename(test_set.get_data_info(i)['img_path']) == stem + '.png')
    raw = np.array(Image.open(osp.join(CAMVID, 'masks', stem + '.png')))
    assert (raw == 11).any()
    item = test_set[idx]
    assert tuple(item['inputs'].shape) == (3, 768, 1024)  # 480x360 -> longest side 1024
    gt = item['data_samples'].gt_sem_seg.data[0].numpy()
    assert gt.shape == raw.shape == (360, 480)  # test masks stay at their resolution
    assert set(np.unique(gt).tolist()) <= set(range(11)) | {255}
    assert (gt[raw == 11] == 255).all() and (gt[raw != 11] == raw[raw != 11]).all()
    # a class subset is applied after void -> 255
    sub = DATASETS.build(dict(cfg.test_dataloader.dataset, metainfo=dict(classes=('Sky', 'Road')),
                              pipeline=[]))
    assert sub.get_data_info(0)['label_map'] == {11: 255, 0: 0, 3: 1, **{
        c: 255 for c in (1, 2, 4, 5, 6, 7, 8, 9, 10)}}


def test_camvid_kshot_train_set_and_training_sample():
    require_shared_data()
    cfg = load('configs/_base_/datasets/camvid.py')
    train = DATASETS.build(dict(cfg.train_dataloader.dataset, shots=4))
    assert len(train) == 4
    assert train.covered_classes == list(range(11))  # void (255) is no class
    item = train[0]
    assert tuple(item['inputs'].shape) == (3, 768, 1024)
    gt = item['data_samples'].gt_sem_seg.data[0]
    assert tuple(gt.shape) == (768, 1024)  # resized with the image for training
    assert set(torch.unique(gt).tolist()) <= set(range(11)) | {255}


def test_human_config_reads_a_real_sample():
    require_shared_data()
    cfg = load('configs/_base_/datasets/vikram_human_seg.py')
    item = DATASETS.build(cfg.test_dataloader.dataset)[0]
    assert item['inputs'].shape[0] == 3 and max(item['inputs'].shape[1:]) == 1024
    assert set(torch.unique(item['data_samples'].gt_sem_seg.data).tolist()) <= {0, 1}


def write_png(path, array) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, np.uint8)).save(path)


def fake_acdc(root) -> None:
    """Two fog and one night val image (2x2), plus a train and a rain image not to be read."""
    masks = {('fog', 'val', 'a'): [[0, 0], [1, 1]], ('fog', 'val', 'b'): [[255, 0], [0, 0]],
             ('night', 'val', 'c'): [[2, 2], [2, 0]], ('night', 'train', 'd'): [[0, 0], [0, 0]],
             ('rain', 'val', 'e'): [[0, 0], [0, 0]]}
    for (cond, split, name), mask in masks.items():
        seq = f'GOPR{ord(name)}'
        write_png(root / 'rgb_anon' / cond / split / seq / f'{seq}_{name}_rgb_anon.png',
                  np.zeros((2, 2, 3)))
        write_png(root / 'gt' / cond / split / seq / f'{seq}_{name}_gt_labelTrainIds.png', mask)


def test_acdc_metric_per_condition_and_mean(tmp_path):
    fake_acdc(tmp_path)
    ds = DATASETS.build(dict(type='ACDCDataset', data_root=str(tmp_path),
                             conditions=('fog', 'night'), split='val',
                             pipeline=[dict(type='LoadAnnotations')]))
    assert [osp.basename(ds.get_data_info(i)['img_path']) for i in range(len(ds))] == [
        'GOPR97_a_rgb_anon.png', 'GOPR98_b_rgb_anon.png', 'GOPR99_c_rgb_anon.png']
    preds = {'a': [[0, 1], [1, 1]], 'b': [[1, 0], [0, 0]], 'c': [[2, 2], [0, 0]]}
    samples = []
    for i in range(len(ds)):
        item = ds[i]
        name = osp.basename(item['img_path']).split('_')[1]
        samples.append(dict(img_path=item['img_path'],
                            gt_sem_seg=dict(data=torch.from_numpy(item['gt_seg_map'])[None]),
                            pred_sem_seg=dict(data=torch.tensor(preds[name])[None])))
    metric = METRICS.build(dict(type='ConditionIoUMetric', conditions=('fog', 'night', 'rain'),
                                iou_metrics=['mIoU', 'mDice']))
    metric.dataset_meta = ds.metainfo
    metric.process({}, samples)
    got = metric.compute_metrics(metric.results)
    # fog (a + b; b's 255 pixel ignored): class 0 I=4 P=4 G=5 U=5, class 1 I=2 P=3 G=2 U=3
    fog = dict(mIoU=(4 / 5 + 2 / 3) / 2, mDice=(8 / 9 + 4 / 5) / 2, aAcc=6 / 7)
    # night (c): class 2 I=2 P=2 G=3 U=3, class 0 I=1 P=2 G=1 U=2
    night = dict(mIoU=(2 / 3 + 1 / 2) / 2, mDice=(4 / 5 + 2 / 3) / 2, aAcc=3 / 4)
    for key in ('mIoU', 'mDice', 'aAcc'):
        assert got[f'fog/{key}'] == pytest.approx(100 * fog[key], abs=0.01)
        assert got[f'night/{key}'] == pytest.approx(100 * night[key], abs=0.01)
        assert got[key] == pytest.approx(50 * (fog[key] + night[key]), abs=0.01)
    assert not any(k.startswith('rain/') for k in got)  # no rain image evaluated
    with pytest.raises(ValueError, match='none of'):
        metric.process({}, [dict(samples[0], img_path='x/day/img.png')])


def tool_main(name: str):
    """``main(argv)`` of tools/<name>.py, run in this process (saves two interpreter starts)."""
    return runpy.run_path(osp.join(REPO, 'tools', f'{name}.py'), run_name='tool')['main']


def test_tiny_camvid_config_trains_and_tests(tmp_path, tiny_ckpt, monkeypatch):
    require_shared_data()
    monkeypatch.chdir(REPO)  # the config's data_root is relative to the repository root
    train_split, test_split = tmp_path / 'train.txt', tmp_path / 'test.txt'
    train_split.write_text('\n'.join(open(osp.join(CAMVID, 'splits/train.txt')).read().split()[:4]))
    test_split.write_text('\n'.join(open(osp.join(CAMVID, 'splits/test.txt')).read().split()[:3]))
    work = tmp_path / 'work'
    cfg = 'configs/sam/sam_tiny_gt-box_camvid.py'
    opts = [f'model.sam_checkpoint={tiny_ckpt}', f'val_dataloader.dataset.ann_file={test_split}',
            f'test_dataloader.dataset.ann_file={test_split}']
    tool_main('train')([cfg, '--work-dir', str(work), '--cfg-options', *opts,
                        f'train_dataloader.dataset.dataset.ann_file={train_split}',
                        'train_dataloader.dataset.shots=4', 'train_dataloader.batch_size=1',
                        'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
                        'default_hooks.checkpoint.interval=2'])
    assert len(json.loads((work / 'kshot_train.json').read_text())['files']) == 4
    metrics = tool_main('test')([cfg, str(work / 'iter_2.pth'), '--work-dir', str(work / 'test'),
                                 '--cfg-options', *opts])
    assert 0 <= metrics['mIoU'] <= 100 and 0 <= metrics['mDice'] <= 100
    print(f"tiny CamVid (random weights, 2 iterations, 3 test images): mIoU {metrics['mIoU']}, "
          f"mDice {metrics['mDice']}")
