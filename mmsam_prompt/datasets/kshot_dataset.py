"""k-shot sampling of any mmseg data set: reproducible, class-covering, with D1/D2 halves."""
import copy
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmseg.registry import DATASETS

from .dataset_walk import walk_dataset
from .mask_io import load_seg_map


def image_classes(data_info: dict, ignore_index: int = 255) -> List[int]:
    """Classes labelled in one image, read exactly as ``LoadAnnotations`` reads its mask
    (``label_map``, ``reduce_zero_label``, a binary set's foreground values); ``ignore_index``
    is not a class. A mask that cannot be read is a ``DataError`` naming it."""
    labels = np.unique(load_seg_map(data_info))
    return [int(c) for c in labels if c != ignore_index]


def choose_k_shots(classes_per_image: Sequence[Sequence[int]], shots: int,
                   seed: int) -> List[int]:
    """Pick ``shots`` image indices that cover as many classes as possible.

    Images are visited in a random order drawn from ``seed``. While some class present in the
    pool is not yet covered, take the rarest uncovered class (fewest images; ties: lowest id) and
    pick the first image, in that random order, that contains it; once every class is covered,
    fill up in the random order. Each pick before that point adds at least one new class, so
    ``min(shots, number of classes)`` classes are always covered, and different seeds give
    different images.
    """
    order = np.random.default_rng(seed).permutation(len(classes_per_image)).tolist()
    sets = [set(c) for c in classes_per_image]
    frequency: Dict[int, int] = {}
    for s in sets:
        for c in s:
            frequency[c] = frequency.get(c, 0) + 1
    chosen: List[int] = []
    covered: set = set()
    while len(chosen) < shots:
        uncovered = sorted(set(frequency) - covered, key=lambda c: (frequency[c], c))
        pick = None
        for c in uncovered:
            pick = next((i for i in order if i not in chosen and c in sets[i]), None)
            if pick is not None:
                break
        if pick is None:
            pick = next(i for i in order if i not in chosen)
        chosen.append(pick)
        covered |= sets[pick]
    return chosen


@DATASETS.register_module()
class KShotDataset:
    """Wrap an mmseg data set and keep ``shots`` images of it.

    Args:
        dataset: the data set (config or object) to sample from: the pool.
        shots: k, the number of labelled images.
        seed: the same seed always gives the same images.
        subset: 'all' (the k images), 'd1' or 'd2': the halves for bi-level methods
            (images at even / odd positions of the chosen list: deterministic, and both halves
            get class-covering picks).
        ignore_index: label that is not a class.

    Images without any labelled pixel cannot teach anything and are left out of the pool (logged).
    The chosen files are listed by :meth:`summary`; ``KShotRecordHook`` writes them to the work
    dir.
    """

    def __init__(self, dataset: Union[dict, BaseDataset], shots: int, seed: int = 0,
                 subset: str = 'all', ignore_index: int = 255, lazy_init: bool = False) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        if subset not in ('all', 'd1', 'd2'):
            raise ValueError(f"KShotDataset subset must be 'all', 'd1' or 'd2', got {subset!r}.")
        if shots < 1:
            raise ValueError(f'shots must be >= 1, got {shots}.')
        if subset != 'all' and shots < 2:
            raise ValueError(f'subset={subset!r} needs shots >= 2 to split into D1/D2.')
        self.shots, self.seed, self.subset, self.ignore_index = shots, seed, subset, ignore_index
        self._metainfo = self.dataset.metainfo
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        self.dataset.full_init()
        infos = [self.dataset.get_data_info(i) for i in range(len(self.dataset))]
        classes = [image_classes(info, self.ignore_index) for info in infos]
        usable = [i for i, c in enumerate(classes) if c]
        empty = [osp.basename(infos[i]['seg_map_path']) for i, c in enumerate(classes) if not c]
        if empty:
            print_log(f'KShotDataset: {len(empty)} image(s) without a labelled pixel left out of '
                      f'the pool (e.g. {empty[:3]}).', logger='current')
        if self.shots > len(usable):
            raise ValueError(
                f'KShotDataset: shots={self.shots} but the pool has only {len(usable)} image(s) '
                f'with labelled pixels ({len(infos)} in all, root '
                f"{getattr(self.dataset, 'data_root', '?')}). Lower shots or use a larger split.")
        picked = [usable[i] for i in choose_k_shots([classes[i] for i in usable], self.shots,
                                                    self.seed)]
        self.chosen = picked  # all k, in pick order
        self.indices = {'all': picked, 'd1': picked[0::2], 'd2': picked[1::2]}[self.subset]
        self.pool_classes = sorted({c for i in usable for c in classes[i]})
        self.covered_classes = sorted({c for i in picked for c in classes[i]})
        self._infos = infos
        self._fully_initialized = True

    def summary(self) -> dict:
        """Seed, k, subset, file names of the chosen images and classes covered."""
        self.full_init()

        def name(i):
            return osp.basename(self._infos[i]['img_path'])

        names = self._metainfo.get('classes')
        return dict(
            shots=self.shots, seed=self.seed, subset=self.subset,
            files=[name(i) for i in self.indices],
            d1=[name(i) for i in self.chosen[0::2]], d2=[name(i) for i in self.chosen[1::2]],
            covered_classes=[names[c] if names and c < len(names) else c
                             for c in self.covered_classes],
            pool_classes=len(self.pool_classes))

    def write_summary(self, path: str) -> None:
        with open(path, 'w') as f:
            json.dump(self.summary(), f, indent=2)

    def get_data_info(self, idx: int) -> dict:
        self.full_init()
        return self.dataset.get_data_info(self.indices[idx])

    def __getitem__(self, idx: int) -> dict:
        self.full_init()
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        self.full_init()
        return len(self.indices)


def find_kshot(dataset) -> Optional[KShotDataset]:
    """The KShotDataset inside (possibly nested) dataset wrappers, or None."""
    return next((d for d in walk_dataset(dataset) if isinstance(d, KShotDataset)), None)


def find_kshot_cfg(dataset_cfg) -> Optional[dict]:
    """The ``KShotDataset`` entry in a (possibly wrapped) data set config, or None."""
    def is_kshot(cfg) -> bool:
        kind = cfg.get('type') if isinstance(cfg, dict) else None
        return kind is KShotDataset or (isinstance(kind, str) and
                                        kind.split('.')[-1] == 'KShotDataset')
    return next((d for d in walk_dataset(dataset_cfg) if is_kshot(d)), None)
