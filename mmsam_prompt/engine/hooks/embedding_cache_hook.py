"""Connects the model's embedding cache to the run: disk location, pipeline check, statistics."""
import os.path as osp
from typing import Sequence

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from ...datasets.dataset_walk import walk_dataset

#: Transforms whose output is a deterministic function of the file, or one of a few fixed
#: variants (a flip), so that caching what the encoder makes of it pays off and stays exact.
CACHE_FRIENDLY = ('LoadImageFromFile', 'LoadImageFromNDArray', 'LoadAnnotations',
                  'SAMResizeLongestSide', 'RandomFlip', 'PackSegInputs',
                  'DetectorBoxes',  # adds box prompts; the pixels stay as loaded
                  'ZoomResize',  # BLO-SAM's square scipy zoom: deterministic
                  'BinarizeSegMap')  # labels only


def _pipeline_names(dataset) -> list:
    dataset = next((d for d in walk_dataset(dataset) if hasattr(d, 'pipeline')), None)
    transforms = getattr(getattr(dataset, 'pipeline', None), 'transforms', [])
    return [type(t).__name__ for t in transforms]


@HOOKS.register_module()
class EmbeddingCacheHook(Hook):
    """Runs the model's ``feature_cache`` (see ``FrozenOutputCache``) safely.

    Args:
        on_disk: also keep the cached embeddings under ``WORK_DIR/embedding_cache``.
        cache_friendly: extra transform names that are deterministic (see ``CACHE_FRIENDLY``).
            Any other transform in the training pipeline (e.g. ``PhotoMetricDistortion``)
            changes pixels randomly, so every step would miss: the cache is switched off, with
            one log line.
    """
    priority = 'LOW'

    def __init__(self, on_disk: bool = False, cache_friendly: Sequence[str] = ()) -> None:
        self.on_disk = on_disk
        self.cache_friendly = set(CACHE_FRIENDLY) | set(cache_friendly)

    @staticmethod
    def _cache(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        return getattr(model, 'feature_cache', None)

    def before_run(self, runner) -> None:
        cache = self._cache(runner)
        if cache is not None and self.on_disk:
            cache.disk_dir = osp.join(runner.work_dir, 'embedding_cache')

    def before_train(self, runner) -> None:
        cache = self._cache(runner)
        if cache is None or not cache.enabled:
            return
        names = _pipeline_names(runner.train_dataloader.dataset)
        odd = [n for n in names if n not in self.cache_friendly]
        if odd:
            cache.disable(f'the training pipeline has {", ".join(odd)}, which may change the '
                          'pixels randomly, so cached embeddings would never be reused. Add its '
                          'name to EmbeddingCacheHook(cache_friendly=...) if it is deterministic.')

    def _report(self, runner) -> None:
        cache = self._cache(runner)
        if cache is not None and cache.enabled:
            print_log(cache.stats(), logger='current')

    def after_train(self, runner) -> None:
        self._report(runner)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._report(runner)
