"""A hook for tests/test_faults_tools.py's 2-process run (imported through custom_imports): each
rank writes the D1 / D2 images it trained on and its final weights into the work dir."""
import json
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS


@HOOKS.register_module()
class RankRecordHook(Hook):
    """``WORK_DIR/rank<r>.json`` (D1 paths per epoch, D2 paths per pass, the
    trained parameters that changed) and ``rank<r>.pt``."""

    def __init__(self) -> None:
        self.d1 = {}

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self.start = {n: p.detach().clone() for n, p in model.named_parameters()
                      if p.requires_grad}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        paths = [ds.metainfo['img_path'] for ds in data_batch['data_samples']]
        self.d1.setdefault(runner.epoch, []).extend(paths)

    def after_train(self, runner) -> None:
        bilevel = next(h for h in runner.hooks if type(h).__name__ == 'BiLevelHook')
        rank = get_rank()
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        changed = [n for n, p in model.named_parameters()
                   if n in self.start and not torch.equal(p, self.start[n])]
        with open(osp.join(runner.work_dir, f'rank{rank}.json'), 'w') as f:
            json.dump(dict(d1=self.d1, d2=bilevel.visited, changed=changed), f)
        torch.save(model.state_dict(), osp.join(runner.work_dir, f'rank{rank}.pt'))
