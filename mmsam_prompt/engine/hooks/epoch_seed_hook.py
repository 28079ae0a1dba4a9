"""Epoch-based runs resume bit-exact: every epoch starts from random states fixed by its number."""
import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop
from mmseg.registry import HOOKS


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Before each training epoch of an epoch-based loop, seed Python's ``random``, numpy and
    torch (CPU and CUDA) with ``seed + epoch`` (plus the rank with ``diff_rank_seed``).

    mmengine restores weights, optimiser, schedulers and the sampler's epoch on resume, but not
    these global random states, which data augmentation (``RandomFlip``) and dropout draw from:
    a run resumed at epoch ``e`` drew other flips than the uninterrupted run. Seeding each epoch
    from its number makes both draw the same. Iteration-based loops are left alone (mmengine
    replays their data loader on resume, which already reproduces the states). Data loader
    workers (``num_workers > 0``) keep mmengine's per-worker seeding.
    """
    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner) -> None:
        if isinstance(runner.train_loop, IterBasedTrainLoop):
            return
        seed = (runner.seed or 0) + runner.epoch
        randomness = runner.cfg.get('randomness') or {}
        if randomness.get('diff_rank_seed', False):
            seed += 1000003 * get_rank()
        seed %= 2**32
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(seed)
