"""Write the k-shot images a run trains on into its work dir."""
import os.path as osp

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmseg.registry import HOOKS

from ...datasets.kshot_dataset import find_kshot


@HOOKS.register_module()
class KShotRecordHook(Hook):
    """Before training, save ``WORK_DIR/kshot_train.json`` (seed, k, files, D1/D2, classes)."""

    def before_train(self, runner) -> None:
        kshot = find_kshot(runner.train_dataloader.dataset)
        if kshot is None:
            return
        path = osp.join(runner.work_dir, 'kshot_train.json')
        kshot.write_summary(path)
        s = kshot.summary()
        print_log(f"k-shot: {s['shots']} images (seed {s['seed']}, subset {s['subset']}), "
                  f"{len(s['covered_classes'])}/{s['pool_classes']} classes covered; list in {path}",
                  logger='current')
