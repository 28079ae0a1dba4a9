"""BLO-SAM / AM-SAM configs: every one loads with the paper's settings, and the tiny AM-SAM config
trains bi-level on the human set (random tiny SAM, random YOLOX-tiny) and raises D2 Dice."""
import glob
import os.path as osp
import re
from collections import OrderedDict

import pytest
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from conftest import REPO, require_shared_data
from mmsam_prompt.datasets.transforms import DetectorBoxes, detector_boxes

CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs/blo_sam/*.py'))
                 + glob.glob(osp.join(REPO, 'configs/am_sam/*.py')))
# the reference family (the authors' protocol) has its own checks: tests/test_reference_protocol.py
LEAVES = [p for p in CONFIGS if not p.endswith('_common.py') and '-reference_' not in p]


def kshot(dataset) -> dict:
    assert dataset.type == 'KShotDataset'
    return dataset


@pytest.mark.parametrize('path', LEAVES, ids=osp.basename)
def test_blo_sam_and_am_sam_configs(path):
    name = osp.basename(path)
    cfg = Config.fromfile(path)
    head = cfg.model.decode_head
    # optimisation: bi-level, AdamW 5e-3 (lower) / 1e-3 (upper), wd 0.1, poly 0.9, hook present
    ow = cfg.optim_wrapper
    assert ow.type == 'BiLevelOptimWrapper' and ow.upper_params == ('decode_head.prompt_source', )
    assert (ow.lower.optimizer.lr, ow.upper.optimizer.lr) == (5e-3, 1e-3)
    assert ow.lower.optimizer.weight_decay == ow.upper.optimizer.weight_decay == 0.1
    (sched, ) = cfg.param_scheduler
    assert sched.type == 'PolyLR' and sched.power == 0.9 and sched.end == cfg.train_cfg.max_epochs
    assert 'BiLevelHook' in [h.type for h in cfg.custom_hooks]
    assert cfg.default_hooks.checkpoint.save_best == 'Dice.foreground'
    # data: D1 trains, D2 (the other half of the same draw) validates
    d1, d2 = kshot(cfg.train_dataloader.dataset), kshot(cfg.val_dataloader.dataset)
    assert (d1.subset, d2.subset) == ('d1', 'd2')
    assert (d1.shots, d1.seed) == (d2.shots, d2.seed)
    shots = re.search(r'_(\d+)shot_', name)
    assert d1.shots == (int(shots.group(1)) if shots else 8)
    # model: LoRA decoder, learned prompt embedding, 0.2 CE + 0.8 Dice
    assert head.mask_decoder.type == 'CalibratedLoRAMaskDecoder'
    assert head.mask_decoder.lora_rank == 4
    assert head.prompt_source.type == 'LearnedEmbeddingPrompt'
    assert [(loss.type, loss.loss_weight) for loss in head.loss_decode] == [
        ('CrossEntropyLoss', 0.2), ('ClassDiceLoss', 0.8)]
    size = 256 if ('-256_' in name or '_tiny_' in name) else 1024
    assert head.img_size == cfg.model.backbone.img_size == size
    assert tuple(cfg.model.data_preprocessor.size) == (size, size)
    # the method: BLO-SAM has neither part; AM-SAM both; the ablations one each
    calibrated = name.startswith('am-sam') and 'detector-only' not in name
    detector = name.startswith('am-sam') and 'calibration-only' not in name
    cal = head.mask_decoder.calibration
    assert (cal is not None) == calibrated
    if calibrated:
        assert cal == dict(alpha=0.7, mode='channel_weights')
    # AM-SAM's detector runs in the data pipelines (D1, D2 and test) right after loading; the
    # model reads its boxes from the data samples
    box = head.prompt_source.get('box_source')
    assert (box is not None) == detector
    pipelines = [cfg.train_dataloader.dataset.dataset.pipeline,
                 cfg.val_dataloader.dataset.dataset.pipeline, cfg.test_dataloader.dataset.pipeline]
    if detector:
        assert box.type == 'DataSamplePrompt'
        for pipeline in pipelines:
            load, det = pipeline[:2]
            assert load.type == 'LoadImageFromFile' and det.type == 'DetectorBoxes'
            assert det.detector.startswith('mmdet::yolox/') and det.topk == 1
            # the paper: the single most confident box of any class prompts class 1
            assert det.class_map is None and det.target_class == 1
            assert 'prompts' in pipeline[-1].meta_keys
    else:
        assert not [s for p in pipelines for s in p if s.type == 'DetectorBoxes']


def test_every_data_set_has_every_shot_count_and_size():
    names = {osp.basename(p) for p in LEAVES}
    for method in ('blo-sam', 'am-sam'):
        for data in ('vikram-human', 'tiktok-dancing', 'isic2018'):
            for shots in (4, 8, 16):
                assert f'{method}_vit-b_{shots}shot_{data}.py' in names
            assert f'{method}_vit-b-256_16shot_{data}.py' in names
    for part in ('detector-only', 'calibration-only'):  # Table 4: 4 and 8 examples
        for data in ('tiktok-dancing', 'isic2018'):
            for shots in (4, 8):
                assert f'am-sam-{part}_vit-b_{shots}shot_{data}.py' in names


class DiceRecorder(Hook):
    priority = 'LOWEST'

    def __init__(self):
        self.dice = []

    def after_val_epoch(self, runner, metrics=None):
        self.dice.append(metrics['Dice.foreground'])


def test_tiny_am_sam_run_on_human_images_raises_d2_dice(tmp_path, tiny_ckpt, monkeypatch):
    """The tiny AM-SAM config as it is (8 shots: D1 and D2 of 4 images, 40 epochs of 2
    iterations): every image gets the detector's box as SAM's prompt, foreground Dice on D2 ends
    well above its first-epoch value, every D2 image is used by the upper level every pass, and
    the best checkpoint (by D2 Dice) is saved."""
    require_shared_data()
    monkeypatch.chdir(REPO)  # the data root is relative to the repository
    cfg = Config.fromfile('configs/am_sam/am-sam_tiny_vikram-human.py')
    cfg.model.sam_checkpoint = tiny_ckpt
    cfg.work_dir = str(tmp_path)
    cfg.log_level = 'WARNING'
    monkeypatch.setattr(detector_boxes, '_MEMORY', OrderedDict())  # count from an empty cache
    runs = []  # image files the detector ran on (D1, D2 and test pipelines together)
    detect = DetectorBoxes.detect
    monkeypatch.setattr(DetectorBoxes, 'detect',
                        lambda self, path: runs.append(path) or detect(self, path))
    runner = Runner.from_cfg(cfg)
    (box, ) = [m for m in runner.model.modules() if type(m).__name__ == 'DataSamplePrompt']
    prompted = []  # (images in the batch, box prompts the detector gave)
    box_forward = box.forward

    def count_boxes(ctx):
        out = box_forward(ctx)
        prompted.append((len(ctx.data_samples), sum(pb.sparse.shape[0] for pb in out)))
        return out

    box.forward = count_boxes
    recorder = DiceRecorder()
    runner.register_hook(recorder)
    runner.train()

    dice = recorder.dice
    print('tiny AM-SAM, D2 foreground Dice per epoch:', [round(d, 1) for d in dice])
    assert len(dice) == cfg.train_cfg.max_epochs == 40
    assert dice[-1] > dice[0] + 10, dice
    assert max(dice[-10:]) >= max(dice) - 2, 'the best epochs should be at the end'
    (hook, ) = [h for h in runner.hooks if type(h).__name__ == 'BiLevelHook']
    d2 = {runner.val_dataloader.dataset.get_data_info(i)['img_path']
          for i in range(len(runner.val_dataloader.dataset))}
    assert len(d2) == 4 and hook.upper_steps == 80
    assert all(sorted(paths) == sorted(d2) for paths in hook.visited.values())
    assert prompted and all(n == boxes for n, boxes in prompted)  # one box per image
    assert len(runs) == len(set(runs)) == 8  # D1 + D2: each image file once, then the cache
    assert glob.glob(str(tmp_path / 'best_Dice.foreground_epoch_*.pth'))
