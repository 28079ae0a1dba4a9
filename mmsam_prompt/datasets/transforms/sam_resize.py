"""SAM's resize: longest side to the target length, with SAM's rounding and PIL resampling."""
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS
from segment_anything.utils.transforms import ResizeLongestSide


@TRANSFORMS.register_module()
class SAMResizeLongestSide(BaseTransform):
    """Resize so the longest side equals ``target_length`` exactly as ``SamPredictor`` does.

    The image goes through segment_anything's ``ResizeLongestSide.apply_image`` (new side
    ``int(side * scale + 0.5)``, PIL resampling), so the pixels equal the reference's. A
    ground-truth map already loaded is resized to the new image size with nearest neighbour,
    whatever its own resolution (masks stored at another resolution than their image line up
    after this). Padding to a square and SAM's mean/std are done by ``SegDataPreProcessor``.

    Sets ``img_shape`` and ``scale_factor`` = (new_w / old_w, new_h / old_h).
    """

    def __init__(self, target_length: int = 1024) -> None:
        self.target_length = target_length
        self.resizer = ResizeLongestSide(target_length)

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        h, w = img.shape[:2]
        nh, nw = self.resizer.get_preprocess_shape(h, w, self.target_length)
        results['img'] = self.resizer.apply_image(np.ascontiguousarray(img))
        results['img_shape'] = (nh, nw)
        results['scale_factor'] = (nw / w, nh / h)
        results['keep_ratio'] = True
        for key in results.get('seg_fields', []):
            results[key] = mmcv.imresize(results[key], (nw, nh), interpolation='nearest')
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(target_length={self.target_length})'
