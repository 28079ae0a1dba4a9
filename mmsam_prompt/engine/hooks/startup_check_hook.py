"""Check data and config at start-up, so that a bad file or a mismatch stops the run before
iteration 1 with one line, instead of mid-run with a raw traceback (or not at all)."""
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dist import all_gather_object, get_dist_info
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.utils import ProgressBar
from mmseg.registry import HOOKS
from PIL import Image

from ...datasets.dataset_walk import walk_dataset
from ...datasets.kshot_dataset import KShotDataset, image_classes
from ...datasets.mask_io import load_seg_map
from ...utils.errors import ConfigMismatchError, DataError

#: a data set class of this name (``BinarySegDataset``'s) stands for whatever the foreground is,
#: so a prompt source may call it by its real name (e.g. 'person')
PLACEHOLDER_CLASS = 'foreground'


def leaf_datasets(dataset) -> Iterator:
    """The data sets holding files inside wrappers (``KShotDataset``: its whole pool)."""
    if hasattr(dataset, 'datasets'):
        for d in dataset.datasets:
            yield from leaf_datasets(d)
    elif hasattr(dataset, 'dataset'):
        yield from leaf_datasets(dataset.dataset)
    else:
        yield dataset


def image_size(path: str) -> Tuple[int, int]:
    """(h, w) of the image as the pipeline will see it (EXIF rotation applied), after decoding
    it completely (a cut-off file raises)."""
    with Image.open(path) as im:
        w, h = im.size
        if im.format == 'JPEG':
            im.draft(im.mode, (max(1, w // 8), max(1, h // 8)))  # still reads every byte
        im.load()
        if im.getexif().get(0x0112) in (5, 6, 7, 8):
            w, h = h, w
    return h, w


def same_aspect(a: Tuple[int, int], b: Tuple[int, int]) -> bool:
    """True when one size is the other scaled, up to rounding each side to whole pixels."""
    (h, w), (mh, mw) = a, b
    return abs(mw * h - mh * w) <= max(h + w, mh + mw)


FIX_FILE = 'replace the file, or remove its name from the split file'


def check_pair(info: dict, num_classes: int, ignore_index: int) -> Tuple[Optional[str], set]:
    """(problem or None, classes in the mask) for one image / mask pair of a data list."""
    img, seg = info.get('img_path'), info.get('seg_map_path')
    if not os.path.isfile(img):
        return f'image {img} does not exist; add it or remove its name from the split file', set()
    try:
        size = image_size(img)
    except Exception as e:  # noqa: BLE001  (empty, cut off, not an image)
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        return f'image {img} cannot be decoded ({reason}); {FIX_FILE}', set()
    if not seg:
        return None, set()
    if not os.path.isfile(seg):
        return (f'mask {seg} (of image {img}) does not exist; add it or remove its name from '
                'the split file'), set()
    try:
        mask = load_seg_map(info)
    except DataError as e:
        cause = e.__cause__ or e
        reason = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        return f'mask {seg} cannot be decoded ({reason}); {FIX_FILE}', set()
    if not same_aspect(size, mask.shape[:2]):
        return (f'mask {seg} is {mask.shape[1]}x{mask.shape[0]} but its image {img} is '
                f'{size[1]}x{size[0]}: another aspect ratio, so they do not show the same view; '
                'fix the pair (a mask at another resolution with the same aspect ratio is '
                'fine)'), set()
    values = np.unique(mask)
    bad = [int(v) for v in values if not (0 <= v < num_classes or v == ignore_index)]
    if bad:
        return (f'mask {seg} holds values {bad[:8]} that are neither a class '
                f'(0..{num_classes - 1}) nor the ignore index {ignore_index}; map them in the '
                'data set (label_map / '
                'value_map, e.g. {value: 255} to ignore) or fix the mask'), set()
    return None, {int(v) for v in values if v != ignore_index}


@HOOKS.register_module()
class StartupCheckHook(Hook):
    """Before training (and before testing), in this order:

    1. every ``SAMResizeLongestSide`` of the data pipelines resizes to the model's ``img_size``;
    2. every ``class_names`` a module of the model defines (prompt sources) equals the data set's
       ``metainfo['classes']``, in order (a data set class named 'foreground', the binary sets'
       placeholder, matches any name);
    3. every image and mask of the training pool (the whole pool of a ``KShotDataset``) and of
       the validation / test split exists and decodes completely, each mask has its image's
       aspect ratio and holds only class values or the ignore index; the first bad file is
       named (a progress bar appears when this takes more than ``progress_after`` seconds;
       ranks share the work);
    4. the training images hold labelled foreground (a class other than the head's
       ``background_index``).

    Any failure is one line (:class:`DataError` / :class:`ConfigMismatchError`).

    Args:
        check_files: False skips step 3 (e.g. a very large pool checked before).
        progress_after: seconds after which the file check shows a progress bar.
        num_threads: threads decoding files (default: the CPU count).
    """
    priority = 'VERY_HIGH'

    def __init__(self, check_files: bool = True, progress_after: float = 3.0,
                 num_threads: Optional[int] = None) -> None:
        self.check_files = check_files
        self.progress_after = progress_after
        self.num_threads = num_threads or max(1, os.cpu_count() or 1)
        self._checked: dict = {}  # (img_path, seg_map_path) -> (problem, classes)

    # -- entry points --------------------------------------------------------------------------
    def before_train(self, runner) -> None:
        loaders = [('train_dataloader', runner.train_dataloader)]
        if runner.val_loop is not None:
            loaders.append(('val_dataloader', runner.val_dataloader))
        self._check(runner, loaders, training=True)

    def before_test(self, runner) -> None:
        self._check(runner, [('test_dataloader', runner.test_dataloader)], training=False)

    # -- checks --------------------------------------------------------------------------------
    def _check(self, runner, loaders, training: bool) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        for name, loader in loaders:
            self.check_sizes(model, name, loader.dataset)
            self.check_class_names(model, name, loader.dataset)
        train_classes = set()
        if self.check_files:
            for name, loader in loaders:
                classes = self.check_data(name, loader.dataset)
                if name == 'train_dataloader':
                    train_classes = classes
        if training:
            self.check_foreground(model, runner.train_dataloader.dataset, train_classes)

    @staticmethod
    def check_sizes(model, loader_name: str, dataset) -> None:
        img_size = getattr(getattr(model, 'backbone', None), 'img_size', None)
        if img_size is None:
            return
        for ds in leaf_datasets(dataset):
            for t in getattr(getattr(ds, 'pipeline', None), 'transforms', []):
                target = getattr(t, 'target_length', None)
                if type(t).__name__ == 'SAMResizeLongestSide' and target != img_size:
                    raise ConfigMismatchError(
                        f'{loader_name}: the pipeline resizes images to {target} px '
                        f'(SAMResizeLongestSide target_length) but the model takes {img_size} px '
                        f'(backbone.img_size); use the pipelines made for {img_size} px (e.g. '
                        f'sam_test_pipeline_256 for the tiny model) or set target_length='
                        f'{img_size}.')

    @staticmethod
    def check_class_names(model, loader_name: str, dataset) -> None:
        classes = tuple((getattr(dataset, 'metainfo', None) or {}).get('classes') or ())
        if not classes:
            return
        for mod_name, module in model.named_modules():
            names = getattr(module, 'class_names', None)
            if not names or not isinstance(names, (tuple, list)):
                continue
            names = tuple(names)
            same = len(names) == len(classes) and all(
                a == b or b == PLACEHOLDER_CLASS for a, b in zip(names, classes))
            if not same:
                raise ConfigMismatchError(
                    f'{type(module).__name__} ({mod_name}) has class_names {list(names)} but the '
                    f"{loader_name} data set's classes (metainfo['classes']) are {list(classes)}: "
                    "list the class names in the data set's order (e.g. class_names="
                    "<DatasetClass>.METAINFO['classes']).")

    def check_data(self, loader_name: str, dataset) -> set:
        """Check every file; return the classes found in the masks."""
        infos: List[Tuple[dict, int, int]] = []
        for ds in leaf_datasets(dataset):
            if hasattr(ds, 'full_init'):
                ds.full_init()
            if not hasattr(ds, 'get_data_info'):
                continue
            k = len((getattr(ds, 'metainfo', None) or {}).get('classes') or ()) or 256
            ignore = getattr(ds, 'ignore_index', 255)
            infos += [(ds.get_data_info(i), k, ignore) for i in range(len(ds))]
        rank, world = get_dist_info()
        mine = [(i, item) for i, item in enumerate(infos) if i % world == rank]
        results = self._run(mine, loader_name, show=(rank == 0))
        first = min(((i, p) for i, (p, _) in results if p), default=None)
        classes = set().union(*(c for _, (_, c) in results)) if results else set()
        if world > 1:
            gathered = all_gather_object((first, classes))
            found = [f for f, _ in gathered if f is not None]
            first = min(found) if found else None
            classes = set().union(*(c for _, c in gathered))
        if first is not None:
            raise DataError(f'{loader_name}: {first[1]}.')
        return classes

    def _run(self, items: Sequence[Tuple[int, tuple]], loader_name: str, show: bool) -> list:
        def one(item):
            i, (info, k, ignore) = item
            key = (info.get('img_path'), info.get('seg_map_path'))
            if key not in self._checked:
                self._checked[key] = check_pair(info, k, ignore)
            return i, self._checked[key]

        out, bar, start = [], None, time.time()
        with ThreadPoolExecutor(self.num_threads) as pool:
            for result in pool.map(one, items):
                out.append(result)
                if show and bar is None and time.time() - start > self.progress_after:
                    print(f'checking the {loader_name} files ({len(items)})', file=sys.stderr)
                    bar = ProgressBar(len(items), file=sys.stderr)
                    bar.completed = len(out) - 1
                if bar is not None:
                    bar.update()
        if bar is not None:
            sys.stderr.write('\n')
        return out

    @staticmethod
    def check_foreground(model, dataset, scanned: set) -> None:
        head = getattr(model, 'decode_head', None)
        background = getattr(head, 'background_index', None)
        kshot = next((d for d in walk_dataset(dataset) if isinstance(d, KShotDataset)), None)
        if kshot is not None:
            kshot.full_init()
            classes = {c for i in kshot.indices for c in kshot_image_classes(kshot, i)}
            where = f'the {len(kshot.indices)} training shots'
        else:
            classes, where = scanned, 'the training set'
        if not classes and kshot is None:
            return  # nothing scanned (check_files=False)
        if not classes - {background}:
            names = (getattr(dataset, 'metainfo', None) or {}).get('classes') or ()
            name = names[background] if background is not None and background < len(names) else ''
            raise DataError(
                f'{where} hold no labelled foreground: every mask is background (class '
                f"{background}{' ' + repr(name) if name else ''}), so there is nothing to learn. "
                'Check the masks and the data set\'s foreground values / label map, or use '
                'a split (or seed) with foreground.')


def kshot_image_classes(kshot: KShotDataset, index: int) -> List[int]:
    """Classes of pool image ``index`` of a ``KShotDataset`` (ignore index excluded)."""
    return image_classes(kshot.dataset.get_data_info(index), kshot.ignore_index)
