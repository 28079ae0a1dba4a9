"""A folder of images and binary masks, read as they lie (foreground stored as 255 or 1)."""
from typing import List, Sequence

from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import DATASETS

from .label_map_dataset import LabelMapSegDataset


def _is_load_annotations(step) -> bool:
    if isinstance(step, dict):
        kind = step.get('type')
        return kind is LoadAnnotations or (isinstance(kind, str)
                                           and kind.split('.')[-1] == 'LoadAnnotations')
    return isinstance(step, LoadAnnotations)


def _is_binarize(step) -> bool:
    kind = step.get('type') if isinstance(step, dict) else type(step).__name__
    return isinstance(kind, str) and kind.split('.')[-1] == 'BinarizeSegMap'


def with_binarize(pipeline: Sequence) -> List:
    """``pipeline`` with ``BinarizeSegMap`` right after each ``LoadAnnotations``."""
    steps = list(pipeline)
    out = []
    for i, step in enumerate(steps):
        out.append(step)
        nxt = steps[i + 1] if i + 1 < len(steps) else None
        if _is_load_annotations(step) and not (nxt is not None and _is_binarize(nxt)):
            out.append(dict(type='BinarizeSegMap'))
    return out


@DATASETS.register_module()
class BinarySegDataset(LabelMapSegDataset):
    """Binary segmentation: class 0 background, class 1 foreground.

    Masks may store the foreground as 255 (e.g. the Vikram Shenoy human set) or 1: every value
    in ``foreground_values`` is read as class 1 and **every other value as class 0** (a 0/128/255
    mask with foreground 255 reads 128 as background, in training and in the metrics alike).
    255 is therefore *not* an ignore label here. The dataset puts ``BinarizeSegMap`` after each
    ``LoadAnnotations`` of its pipeline, and ``KShotDataset`` / the start-up check read masks the
    same way.

    Args:
        foreground_values: mask values meaning foreground.
        Other arguments as ``mmseg.datasets.BaseSegDataset`` (``ann_file`` lists file stems).
    """
    METAINFO = dict(classes=('background', 'foreground'), palette=[[0, 0, 0], [255, 64, 64]])

    def __init__(self, foreground_values: Sequence[int] = (255, 1), img_suffix: str = '.jpg',
                 seg_map_suffix: str = '.png', **kwargs) -> None:
        self.foreground_values = tuple(int(v) for v in foreground_values)
        kwargs['pipeline'] = with_binarize(kwargs.get('pipeline') or [])
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    def load_data_list(self) -> List[dict]:
        data_list = super().load_data_list()
        for info in data_list:
            info['foreground_values'] = self.foreground_values
        return data_list
