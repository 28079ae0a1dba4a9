"""Train an mmsam_prompt (or any mmseg) config. Same arguments as mmseg's tools/train.py.

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp] [--cfg-options k=v ...]

Known errors (bad data, config mismatches, unwritable work dir, unreadable checkpoints) end the
run with one line ``error: ...`` and exit status 1; ``--debug`` (or ``MMSAM_DEBUG=1``) shows the
traceback. ``--launcher pytorch`` without a GPU runs on the CPU with gloo (``tools/dist_train.sh``).
"""
import argparse
import os
import sys
import warnings

# mmengine imports pkg_resources, which setuptools (pinned <81 for mmcv's build) flags
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import logging  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.logging import print_log  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmsam_prompt.utils import load_config  # noqa: E402
from mmsam_prompt.utils.cli import run_cli  # noqa: E402
from mmsam_prompt.utils.distributed import prepare_cpu_distributed  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', action='store_true', default=False,
        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument(
        '--amp', action='store_true', default=False, help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value pairs such as model.sam_checkpoint=PATH')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument('--debug', action='store_true',
                        help='show the traceback of known errors instead of one line')
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_cfg(args) -> Config:
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper == 'AmpOptimWrapper':
            print_log('AMP training is already enabled in your config.', logger='current',
                      level=logging.WARNING)
        else:
            assert wrapper == 'OptimWrapper', (
                f'`--amp` is only supported when the optimizer wrapper is OptimWrapper, got {wrapper}.')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    cfg.resume = args.resume
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = build_cfg(args)
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    sys.exit(run_cli(main))
