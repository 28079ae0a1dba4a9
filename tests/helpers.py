"""Shared test helpers: build our SAM from a config and run it on one image."""
import logging
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.hooks import Hook
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


def make_binary_folder(root, n_train: int = 4, n_val: int = 2, size=(64, 80), img_suffix='.jpg',
                       seed: int = 0) -> str:
    """A tiny binary set in ``root``: images (JPEG by default), masks {0, 255} with one blob,
    ``splits/train.txt`` and ``splits/val.txt``. Returns ``root``."""
    import os

    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(seed)
    h, w = size
    for sub in ('images', 'masks', 'splits'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    for split, n in (('train', n_train), ('val', n_val)):
        stems = [f'{split}_{i}' for i in range(n)]
        for stem in stems:
            mask = np.zeros((h, w), np.uint8)
            y, x = rng.integers(4, h // 2), rng.integers(4, w // 2)
            mask[y:y + h // 3, x:x + w // 3] = 255
            img = rng.integers(0, 80, (h, w, 3), dtype=np.uint8)
            img[mask > 0] += 150
            Image.fromarray(img).save(osp.join(root, 'images', stem + img_suffix))
            Image.fromarray(mask).save(osp.join(root, 'masks', stem + '.png'))
        with open(osp.join(root, 'splits', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(stems) + '\n')
    return str(root)


def tiny_run_cfg(work_dir, data_root, ckpt, iters: int = 2, interval=None,
                 img_suffix='.png') -> Config:
    """configs/demo/sam_tiny_synthetic.py on ``data_root`` (splits/train.txt, val.txt):
    ``iters`` iterations at batch size 2, a checkpoint every ``interval`` (default: at the end),
    validation never, its own logger; the default runtime's hooks (SafeCheckpointHook,
    StartupCheckHook, ...)."""
    import uuid
    cfg = Config.fromfile(osp.join(REPO, 'configs/demo/sam_tiny_synthetic.py'))
    cfg.work_dir = str(work_dir)
    cfg.model.sam_checkpoint = ckpt
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.update(data_root=str(data_root), img_suffix=img_suffix)
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=1000)
    cfg.param_scheduler[0].end = iters
    cfg.default_hooks.checkpoint.interval = interval or iters
    cfg.default_hooks.logger.interval = 1
    cfg.experiment_name = f'run_{uuid.uuid4().hex[:8]}'  # own logger / visualizer
    cfg.visualizer.pop('name', None)
    cfg.log_level = 'WARNING'
    return cfg


class IterCounter(Hook):
    """Counts the training iterations a run really executes."""

    def __init__(self):
        self.iters = 0

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.iters += 1


def train(cfg, resume: bool = False):
    """Train ``cfg`` in this process; the runner and how many iterations it ran."""
    from mmengine.runner import Runner
    cfg.resume = resume
    runner = Runner.from_cfg(cfg)
    counter = IterCounter()
    runner.register_hook(counter, 'LOWEST')
    runner.train()
    return runner, counter.iters


def run_tool(script: str, args, timeout: int = 600) -> str:
    """Run ``tools/<script>`` with ``args`` in a subprocess from the repository root; its
    stdout + stderr, after asserting it exited with 0."""
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, f'tools/{script}', *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out
