"""The main job end to end: train, evaluate, draw overlays.

With no arguments: a small generated binary data set, the tiny SAM arch with RANDOM weights
(no official weights can be downloaded here), a few hundred iterations on the CPU.
Given an official SAM checkpoint and a data folder, the same job runs for real:

    python tools/demo.py                                       # self-contained, < 3 min on CPU
    python tools/demo.py --checkpoint sam_vit_b_01ec64.pth --data-root DATA --img-size 1024

DATA holds images/, masks/ (same stems; foreground 255 or 1) and splits/{train,val}.txt.
"""
import argparse
import json
import os
import os.path as osp
import time
import warnings

# mmengine imports pkg_resources, which setuptools (pinned <81 for mmcv's build) flags
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import mmsam_prompt  # noqa: F401,E402  (registers the components)
from mmsam_prompt.datasets.synthetic import make_synthetic_binary_dataset  # noqa: E402
from mmsam_prompt.models.sam.reference_sam import random_sam_state_dict  # noqa: E402
from mmsam_prompt.models.sam.sam_arch import infer_arch  # noqa: E402
from mmsam_prompt.models.checkpoints.sam_checkpoint import load_sam_weights  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--checkpoint', help='official SAM checkpoint (default: random tiny weights)')
    p.add_argument('--data-root', help='images/, masks/, splits/ (default: generated set)')
    p.add_argument('--img-suffix', default=None, help="image suffix (default: '.png', or '.jpg')")
    p.add_argument('--img-size', type=int, default=None, help='SAM input size (tiny: 256)')
    p.add_argument('--iters', type=int, default=200)
    p.add_argument('--work-dir', default='work_dirs/demo')
    args = p.parse_args(argv)
    t0 = time.time()
    work_dir = osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    import torch
    if args.checkpoint is None:
        ckpt = osp.join(work_dir, 'random_sam_tiny.pth')
        torch.save(random_sam_state_dict('tiny'), ckpt)
        arch, banner = 'tiny', ('NOTE: no --checkpoint given, so SAM has RANDOM weights (tiny arch). '
                                'Numbers below show the pipeline works, not what SAM can do.')
    else:
        ckpt = args.checkpoint
        arch = infer_arch({'image_encoder.' + k: v for k, v in
                           load_sam_weights(ckpt, 'image_encoder.').items()})
        banner = f'Using SAM weights from {ckpt} ({arch}).'
    img_size = args.img_size or (256 if arch == 'tiny' else 1024)
    if args.data_root is None:
        data_root = make_synthetic_binary_dataset(osp.join(work_dir, 'data'))
        suffix = '.png'
        banner += f'\nData: a generated set of coloured blobs in {osp.relpath(data_root)}.'
    else:
        data_root = osp.abspath(args.data_root)
        suffix = args.img_suffix or ('.jpg' if any(
            f.endswith('.jpg') for f in os.listdir(osp.join(data_root, 'images'))) else '.png')
    print(banner, flush=True)

    cfg = Config.fromfile(osp.join(ROOT, 'configs/demo/sam_tiny_synthetic.py'))
    cfg.work_dir = work_dir
    cfg.model.sam_checkpoint = ckpt
    cfg.model.backbone.arch = arch
    cfg.model.backbone.img_size = cfg.model.decode_head.img_size = img_size
    cfg.model.data_preprocessor.size = (img_size, img_size)
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = data_root
        loader.dataset.img_suffix = suffix
        for t in loader.dataset.pipeline:
            if t['type'] == 'SAMResizeLongestSide':
                t['target_length'] = img_size
    cfg.train_cfg.max_iters = args.iters
    cfg.train_cfg.val_interval = args.iters + 1
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None  # train, then one test pass
    cfg.param_scheduler[0].end = args.iters
    cfg.default_hooks.checkpoint.interval = args.iters
    cfg.default_hooks.visualization = dict(type='SegVisualizationHook', draw=True, interval=1)
    cfg.visualizer.save_dir = osp.join(work_dir, 'overlays')

    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    out = osp.join(work_dir, 'metrics.json')
    with open(out, 'w') as f:
        json.dump(metrics, f, indent=2)
    overlays = osp.join(work_dir, 'overlays', 'vis_data', 'vis_image')
    print('\n' + banner)
    print(f"Test mIoU {metrics['mIoU']:.2f}  mDice {metrics['mDice']:.2f}  "
          f'({time.time() - t0:.0f} s in all)')
    print(f'metrics:  {osp.relpath(out)}')
    print(f'overlays: {osp.relpath(overlays)}/test_*.png (left: ground truth, right: prediction)')
    print(f'log:      {osp.relpath(osp.join(work_dir, runner.timestamp))}')


if __name__ == '__main__':
    main()
