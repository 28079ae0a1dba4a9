"""A hook for tests/test_faults_checkpoint.py: freezes training while a checkpoint is being saved,
so that the test can kill the process at that moment (imported through custom_imports)."""
import os
import time

from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class PauseAtSaveHook(Hook):
    """At the ``save``-th checkpoint save, write ``marker`` and sleep (the test kills us)."""

    def __init__(self, marker: str, save: int = 2, seconds: float = 300) -> None:
        self.marker, self.save, self.seconds, self.saves = marker, save, seconds, 0

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        self.saves += 1
        if self.saves == self.save:
            with open(self.marker, 'w') as f:
                f.write(str(os.getpid()))
            time.sleep(self.seconds)
