"""Data sets whose stored mask values are renamed on loading (foreground 255 -> 1, void -> 255)."""
from typing import Dict, List, Optional

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS


@DATASETS.register_module()
class LabelMapSegDataset(BaseSegDataset):
    """``BaseSegDataset`` that reads mask values through a fixed ``value_map``.

    Every data info gets ``label_map``, which mmseg's ``LoadAnnotations`` applies to the stored
    mask (after ``reduce_zero_label``). Values not in ``value_map`` are read as they lie. If the
    config also selects a subset of ``METAINFO`` classes, mmseg's class map is applied after it.

    Args:
        value_map: ``{stored value: label}``, e.g. ``{11: 255}`` to ignore a void value.
        Other arguments as ``mmseg.datasets.BaseSegDataset`` (``ann_file`` lists file stems).
    """

    def __init__(self, value_map: Optional[Dict[int, int]] = None, **kwargs) -> None:
        self.value_map = {int(k): int(v) for k, v in (value_map or {}).items()}
        super().__init__(**kwargs)

    def mask_label_map(self) -> Optional[Dict[int, int]]:
        """``value_map`` followed by the class-subset map of mmseg (``self.label_map``)."""
        subset = self.label_map or {}
        if not self.value_map:
            return self.label_map
        composed = {v: subset.get(label, label) for v, label in self.value_map.items()}
        composed.update({k: v for k, v in subset.items() if k not in self.value_map})
        return composed

    def load_data_list(self) -> List[dict]:
        data_list = super().load_data_list()
        label_map = self.mask_label_map()
        for info in data_list:
            info['label_map'] = label_map
        return data_list
