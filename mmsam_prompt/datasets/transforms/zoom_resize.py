"""BLO-SAM's resize: every image to a square with ``scipy.ndimage.zoom``, pixels in [0, 1]."""
import hashlib
from collections import OrderedDict
from typing import Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS
from scipy.ndimage import zoom


@TRANSFORMS.register_module()
class ZoomResize(BaseTransform):
    """Resize image and ground truth to ``size`` x ``size`` (aspect ratio not kept), as the
    BLO-SAM authors' data sets do (``RandomGenerator`` in ``datasets/dataset_*.py``).

    The image is converted to float64 and divided by ``divide_by`` (their ``/ 255.0``), then
    zoomed with ``scipy.ndimage.zoom(order=3)`` and cast to float32; each ground-truth map is
    zoomed with ``order=0`` (nearest) by its *own* size's factors (masks stored at another
    resolution than their image end up on the same square). An image already of that size is
    left as it is, like theirs. No padding follows: use ``SAMDataPreProcessor(mean=(0, 0, 0),
    std=(1, 1, 1), size=(size, size))``.

    Channel order is kept (mmcv loads BGR; the data preprocessor's ``bgr_to_rgb`` turns it).
    Load the images with ``LoadImageFromFile(imdecode_backend='pillow')`` to decode JPEGs as
    PIL does (their loader is PIL's); grayscale images become three equal channels.

    Sets ``img_shape`` = (size, size) and ``scale_factor`` = (size / w, size / h).

    Args:
        size: side of the square output (BLO-SAM: 256).
        divide_by: the pixel values are divided by it before zooming (255: [0, 1]); None keeps
            them.
        order: spline order for the image (3).
        cache_bytes: keep the outputs of up to this many bytes (least recently used go first),
            keyed by a hash of the input image's (and mask's) bytes, so an image seen again
            (every epoch of a few-shot run) is not zoomed again: the order-3 spline of a large
            photo costs more than SAM's decoder step at 256 px. Exact (the zoom is a function
            of its input); 0 turns it off. One cache per transform instance (per worker).
    """

    def __init__(self, size: int = 256, divide_by: Optional[float] = 255.0,
                 order: int = 3, cache_bytes: int = 1 << 30) -> None:
        if size < 1:
            raise ValueError(f'ZoomResize size must be >= 1, got {size}.')
        if divide_by is not None and not divide_by > 0:
            raise ValueError(f'ZoomResize divide_by must be > 0 or None, got {divide_by}.')
        self.size, self.divide_by, self.order = int(size), divide_by, int(order)
        self.cache_bytes = int(cache_bytes)
        self._cache: 'OrderedDict[bytes, Tuple[np.ndarray, ...]]' = OrderedDict()
        self._bytes = 0

    @staticmethod
    def _key(arrays) -> bytes:
        h = hashlib.blake2b(digest_size=16)
        for a in arrays:
            h.update(repr((a.shape, a.dtype.str)).encode())
            h.update(np.ascontiguousarray(a).data)
        return h.digest()

    def _zoom_all(self, img: np.ndarray, segs: list) -> Tuple[np.ndarray, ...]:
        key = self._key([img, *segs]) if self.cache_bytes > 0 else None
        if key is not None and key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        out = (self._zoom_image(img), *[self._zoom_seg(s) for s in segs])
        if key is not None:
            size = sum(a.nbytes for a in out)
            if size <= self.cache_bytes:
                for a in out:
                    a.setflags(write=False)  # shared by every later hit
                self._cache[key] = out
                self._bytes += size
                while self._bytes > self.cache_bytes:
                    _, old = self._cache.popitem(last=False)
                    self._bytes -= sum(a.nbytes for a in old)
        return out

    def _zoom_image(self, img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        img = img.astype(np.float64)
        if self.divide_by is not None:
            img = img / self.divide_by  # their np.array(image) / 255.0, in float64
        if (h, w) != (self.size, self.size):
            img = zoom(img, (self.size / h, self.size / w, 1), order=self.order)
        return img.astype(np.float32)

    def _zoom_seg(self, seg: np.ndarray) -> np.ndarray:
        sh, sw = seg.shape[:2]
        if (sh, sw) != (self.size, self.size):
            seg = zoom(seg, (self.size / sh, self.size / sw), order=0)
        return seg

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        h, w = img.shape[:2]
        keys = list(results.get('seg_fields', []))
        out = self._zoom_all(img, [results[k] for k in keys])
        results['img'] = out[0].copy()  # the pipeline's later steps may write to it
        for key, seg in zip(keys, out[1:]):
            results[key] = seg.copy()
        results['img_shape'] = (self.size, self.size)
        results['scale_factor'] = (self.size / w, self.size / h)
        results['keep_ratio'] = False
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(size={self.size}, divide_by={self.divide_by}, '
                f'order={self.order})')
