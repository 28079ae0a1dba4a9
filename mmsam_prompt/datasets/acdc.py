"""ACDC (adverse conditions, Cityscapes classes) and a metric reported per condition."""
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine import fileio
from mmengine.logging import print_log
from mmseg.datasets import CityscapesDataset
from mmseg.evaluation import IoUMetric
from mmseg.registry import DATASETS, METRICS
from prettytable import PrettyTable

ACDC_CONDITIONS = ('fog', 'night', 'rain', 'snow')


def condition_of(path: str, conditions: Sequence[str]) -> Optional[str]:
    """The last folder of ``path`` named like one of ``conditions`` (None if there is none)."""
    folders = osp.normpath(osp.dirname(path)).replace('\\', '/').split('/')
    return next((f for f in reversed(folders) if f in conditions), None)


@DATASETS.register_module()
class ACDCDataset(CityscapesDataset):
    """ACDC (Sakaridis et al., ICCV 2021): driving images in fog, at night, in rain and snow,
    labelled with Cityscapes' 19 train-id classes (255 = ignore).

    Layout under ``data_root``::

        rgb_anon/<condition>/<split>/<sequence>/<name>_rgb_anon.png
        gt/<condition>/<split>/<sequence>/<name>_gt_labelTrainIds.png

    Args:
        conditions: the conditions to read (any of fog, night, rain, snow).
        split: the folder under each condition: 'train' or 'val' (the test labels are withheld).
        Other arguments as ``CityscapesDataset``. With ``ann_file`` (stems relative to
        ``rgb_anon``, e.g. ``fog/val/GOPR0475/GOPR0475_frame_000041``) the file decides the
        images, ``split`` is not used, and ``conditions`` still filters.
    """

    def __init__(self, conditions: Sequence[str] = ACDC_CONDITIONS, split: str = 'val',
                 img_suffix: str = '_rgb_anon.png',
                 seg_map_suffix: str = '_gt_labelTrainIds.png',
                 data_prefix: dict = dict(img_path='rgb_anon', seg_map_path='gt'),
                 **kwargs) -> None:
        unknown = set(conditions) - set(ACDC_CONDITIONS)
        if unknown or not conditions:
            raise ValueError(f'ACDC conditions must be among {ACDC_CONDITIONS}, got {conditions}')
        self.conditions, self.split = tuple(conditions), split
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        if self.ann_file:
            return [info for info in super().load_data_list()
                    if condition_of(info['img_path'], self.conditions)]
        img_dir, ann_dir = self.data_prefix['img_path'], self.data_prefix.get('seg_map_path')
        data_list = []
        for cond in self.conditions:
            root = osp.join(img_dir, cond, self.split)
            if not osp.isdir(root):
                raise FileNotFoundError(f'ACDC: no folder {root} (condition {cond!r}, split '
                                        f'{self.split!r}); see docs/datasets.md for the layout.')
            for img in fileio.list_dir_or_file(root, list_dir=False, suffix=self.img_suffix,
                                               recursive=True):
                rel = osp.join(cond, self.split, img)
                info = dict(img_path=osp.join(img_dir, rel), label_map=self.label_map,
                            reduce_zero_label=self.reduce_zero_label, seg_fields=[])
                if ann_dir is not None:
                    stem = rel[:-len(self.img_suffix)]
                    info['seg_map_path'] = osp.join(ann_dir, stem + self.seg_map_suffix)
                data_list.append(info)
        return sorted(data_list, key=lambda x: x['img_path'])


@METRICS.register_module()
class ConditionIoUMetric(IoUMetric):
    """``IoUMetric`` computed separately for each condition and averaged over them.

    The condition of an image is the last folder of its path named like one of ``conditions``
    (ACDC: ``rgb_anon/<condition>/...``). Each condition gets mmseg's numbers over its own images
    (``'fog/mIoU'``, ``'fog/mDice'``, ...); ``'mIoU'``, ``'mDice'``, ... are their means over the
    conditions seen, which is how SSPrompt (Huang et al., 2024) reports ACDC.

    Args:
        conditions: the condition names.
        Other arguments as ``mmseg.evaluation.IoUMetric``.
    """

    def __init__(self, conditions: Sequence[str] = ACDC_CONDITIONS, **kwargs) -> None:
        super().__init__(**kwargs)
        self.conditions = tuple(conditions)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        first = len(self.results)
        super().process(data_batch, data_samples)
        if self.format_only:
            return
        for i, sample in zip(range(first, len(self.results)), data_samples):
            cond = condition_of(sample['img_path'], self.conditions)
            if cond is None:
                raise ValueError(f"ConditionIoUMetric: none of {self.conditions} in the path "
                                 f"{sample['img_path']}")
            self.results[i] = (cond, ) + tuple(self.results[i])

    def compute_metrics(self, results: list) -> Dict[str, float]:
        if self.format_only:
            return super().compute_metrics(results)
        per_cond: Dict[str, Dict[str, float]] = OrderedDict()
        for cond in self.conditions:
            areas = [r[1:] for r in results if r[0] == cond]
            if not areas:
                continue
            totals = [sum(a[j] for a in areas) for j in range(4)]
            ret = self.total_area_to_metrics(*totals, self.metrics, self.nan_to_num, self.beta)
            per_cond[cond] = {(k if k == 'aAcc' else 'm' + k): float(np.nanmean(v)) * 100
                              for k, v in ret.items()}
        if not per_cond:
            raise ValueError(f'ConditionIoUMetric: no image of {self.conditions} was evaluated.')
        names = list(next(iter(per_cond.values())))
        metrics = OrderedDict()
        for key in names:
            metrics[key] = round(float(np.mean([m[key] for m in per_cond.values()])), 2)
        for cond, m in per_cond.items():
            metrics.update({f'{cond}/{k}': round(v, 2) for k, v in m.items()})
        table = PrettyTable(['condition', 'images'] + names)
        for cond, m in per_cond.items():
            table.add_row([cond, sum(r[0] == cond for r in results)] +
                          [f'{m[k]:.2f}' for k in names])
        table.add_row(['mean', len(results)] + [f'{metrics[k]:.2f}' for k in names])
        print_log('per condition results:\n' + table.get_string(), logger='current')
        return metrics
