"""Read one ground-truth mask exactly as the data pipeline does, with errors naming the file."""
import copy

import numpy as np
from mmseg.datasets.transforms import LoadAnnotations

from ..utils.errors import DataError
from .transforms.binarize_seg_map import BinarizeSegMap


def load_seg_map(data_info: dict) -> np.ndarray:
    """The mask of ``data_info`` as ``LoadAnnotations`` (+ ``BinarizeSegMap`` for binary sets)
    gives it to the model: ``label_map``, ``reduce_zero_label`` and foreground values applied.

    A missing or undecodable file is a :class:`DataError` naming it.
    """
    path = data_info.get('seg_map_path')
    try:
        results = LoadAnnotations()(dict(copy.deepcopy(data_info), seg_fields=[]))
    except Exception as e:  # noqa: BLE001  (missing, empty, cut-off, not an image: one message)
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise DataError(f'cannot read mask {path} ({type(e).__name__}: {reason}); fix or '
                        'replace the file, or remove its name from the split file.') from e
    return BinarizeSegMap()(results)['gt_seg_map']
