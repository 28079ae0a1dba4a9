"""Evaluate a config. Same arguments as mmseg's tools/test.py.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--show-dir DIR] [--out DIR]
                         [--cfg-options k=v ...]

CHECKPOINT may be a checkpoint written by tools/train.py or an official SAM file
(``sam_vit_b_01ec64.pth``, keys ``image_encoder.*``): the latter is loaded into the SAM model
unchanged (as ``model.sam_checkpoint``) for zero-shot evaluation.

Known errors end the run with one line ``error: ...`` and exit status 1; ``--debug`` (or
``MMSAM_DEBUG=1``) shows the traceback. ``--launcher pytorch`` without a GPU runs on the CPU with
gloo (``tools/dist_test.sh``).
"""
import argparse
import os
import os.path as osp
import sys
import warnings

# mmengine imports pkg_resources, which setuptools (pinned <81 for mmcv's build) flags
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmsam_prompt.utils import load_config  # noqa: E402
from mmsam_prompt.utils.cli import run_cli  # noqa: E402
from mmsam_prompt.utils.distributed import prepare_cpu_distributed  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and eval) a segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file (training output or official SAM)')
    parser.add_argument('--work-dir', help='directory for the evaluation metrics')
    parser.add_argument('--out', type=str, help='directory to save the predicted masks')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument('--show-dir', help='directory to save overlays (image | ground truth | '
                        'prediction); a relative path is taken inside the work dir')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value pairs')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--tta', action='store_true', help='test time augmentation')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument('--debug', action='store_true',
                        help='show the traceback of known errors instead of one line')
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def is_runner_checkpoint(path: str) -> bool:
    """True for a checkpoint written by mmengine (``state_dict`` + ``meta``), False otherwise.

    Anything else (an official SAM file, or a damaged one) goes to the SAM loader, whose errors
    name the problem (missing, truncated, wrong arch, no SAM keys).
    """
    try:
        # mmap keeps this cheap for multi-GB files: only the key list is read.
        ckpt = torch.load(path, map_location='cpu', weights_only=True, mmap=True)
    except Exception:
        return False
    return isinstance(ckpt, dict) and 'state_dict' in ckpt and 'meta' in ckpt


def trigger_visualization_hook(cfg, args):
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError('VisualizationHook must be included in default_hooks; see '
                           "mmseg's default_runtime.py.")
    hook = default_hooks['visualization']
    hook['draw'] = True
    hook['interval'] = 1  # every test batch (mmseg's default, 50, skips small test sets)
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        # a relative --show-dir lies inside the work dir: WORK_DIR/SHOW_DIR/vis_data/vis_image/
        cfg.visualizer['save_dir'] = osp.join(cfg.work_dir, args.show_dir)
    return cfg


def build_cfg(args) -> Config:
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    if is_runner_checkpoint(args.checkpoint):
        cfg.load_from = args.checkpoint
    else:
        cfg.model.sam_checkpoint = args.checkpoint
        cfg.load_from = None
    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = build_cfg(args)
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    return runner.test()


if __name__ == '__main__':
    sys.exit(run_cli(main))
