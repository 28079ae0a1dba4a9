"""Walking through dataset wrappers (``KShotDataset``, mmengine's ``ConcatDataset`` ...)."""
from typing import Any, Iterator


def walk_dataset(dataset: Any) -> Iterator[Any]:
    """Yield ``dataset`` and each data set it wraps (its ``dataset`` attribute or key), outer
    first. Works on built data sets and on data set configs (dicts) alike."""
    while dataset is not None:
        yield dataset
        dataset = dataset.get('dataset') if isinstance(dataset, dict) else \
            getattr(dataset, 'dataset', None)
