"""A folder of images and binary masks, read as they lie (foreground stored as 255 or 1)."""
from typing import Sequence

from mmseg.registry import DATASETS

from .label_map_dataset import LabelMapSegDataset


@DATASETS.register_module()
class BinarySegDataset(LabelMapSegDataset):
    """Binary segmentation: class 0 background, class 1 foreground.

    Masks may store the foreground as 255 (e.g. the Vikram Shenoy human set) or 1: every value
    in ``foreground_values`` is read as class 1. 255 is therefore *not* an ignore label here.

    Args:
        foreground_values: mask values meaning foreground.
        Other arguments as ``mmseg.datasets.BaseSegDataset`` (``ann_file`` lists file stems).
    """
    METAINFO = dict(classes=('background', 'foreground'), palette=[[0, 0, 0], [255, 64, 64]])

    def __init__(self, foreground_values: Sequence[int] = (255, 1), img_suffix: str = '.jpg',
                 seg_map_suffix: str = '.png', **kwargs) -> None:
        self.foreground_values = tuple(int(v) for v in foreground_values)
        super().__init__(value_map={v: 1 for v in self.foreground_values},
                         img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)
