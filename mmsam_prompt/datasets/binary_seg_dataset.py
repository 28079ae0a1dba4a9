"""A folder of images and binary masks, read as they lie (foreground stored as 255 or 1)."""
from typing import Sequence

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS


@DATASETS.register_module()
class BinarySegDataset(BaseSegDataset):
    """Binary segmentation: class 0 background, class 1 foreground.

    Masks may store the foreground as 255 (e.g. the Vikram Shenoy human set) or 1: every value
    in ``foreground_values`` is read as class 1. 255 is therefore *not* an ignore label here.

    Args:
        foreground_values: mask values meaning foreground.
        Other arguments as ``mmseg.datasets.BaseSegDataset`` (``ann_file`` lists file stems).
    """
    METAINFO = dict(classes=('background', 'foreground'), palette=[[0, 0, 0], [255, 64, 64]])

    def __init__(self, foreground_values: Sequence[int] = (255, 1), img_suffix='.jpg',
                 seg_map_suffix='.png', **kwargs) -> None:
        self.foreground_values = tuple(int(v) for v in foreground_values)
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    def load_data_list(self) -> list:
        data_list = super().load_data_list()
        label_map = {v: 1 for v in self.foreground_values}
        for info in data_list:
            info['label_map'] = label_map
        return data_list
