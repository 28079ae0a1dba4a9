"""Binary masks: the foreground values are class 1, every other stored value is background."""
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class BinarizeSegMap(BaseTransform):
    """Map the loaded ground truth (``gt_seg_map`` and other ``seg_fields``) to {0, 1}: values in
    ``foreground_values`` become 1, every other value 0 (so 0/128/255 masks with foreground 255
    read 128 as background, for training and for metrics alike).

    ``BinarySegDataset`` puts it after ``LoadAnnotations`` in its pipeline and gives each sample
    its ``foreground_values``; with neither argument nor sample key it does nothing.
    """

    def __init__(self, foreground_values: Optional[Sequence[int]] = None) -> None:
        self.foreground_values = None if foreground_values is None else tuple(foreground_values)

    def transform(self, results: dict) -> dict:
        values = self.foreground_values or results.get('foreground_values')
        if values is None:
            return results
        keys = set(results.get('seg_fields', [])) | {'gt_seg_map'}
        for key in keys:
            if results.get(key) is not None:
                results[key] = np.isin(results[key], values).astype(np.uint8)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(foreground_values={self.foreground_values})'
