"""Ground-truth maps stored at another resolution than their image, in mmseg pipelines.

Some data sets (the Vikram Shenoy human set: 198 of 290 masks) store a mask of the same field of
view as its image at another resolution. mmseg's geometric transforms act on the image and the
mask in pixel units, so they need the two at one size (:class:`ResizeSegToImage`), and mmseg's
``EncoderDecoder`` resizes its prediction to ``ori_shape``, the image's size, which the metric then
compares with the mask (:class:`PredictAtSegResolution`). ``SAMResizeLongestSide`` and
``SAMSegmentor(eval_at_gt_resolution=True)`` do the same for the SAM pipelines.
"""
import mmcv
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ResizeSegToImage(BaseTransform):
    """Resize every loaded segmentation map (``seg_fields``) to the image's current size with
    nearest neighbour. Put it right after ``LoadAnnotations``, before any geometric transform.

    Shapes: ``gt_seg_map`` (h', w') -> (H, W) of ``img``.
    """

    def transform(self, results: dict) -> dict:
        h, w = results['img'].shape[:2]
        for key in results.get('seg_fields', []):
            if results[key].shape[:2] != (h, w):
                results[key] = mmcv.imresize(results[key], (w, h), interpolation='nearest')
        return results


@TRANSFORMS.register_module()
class PredictAtSegResolution(BaseTransform):
    """Set ``ori_shape`` to the ground truth's size, so that mmseg's segmentors resize their
    prediction to the mask and metrics are computed at the annotation's own resolution (the
    SAM configs' ``eval_at_gt_resolution``). Put it after ``LoadAnnotations`` in a test pipeline
    that loads the annotation after resizing the image (mmseg's order)."""

    def transform(self, results: dict) -> dict:
        if results.get('gt_seg_map') is not None:
            results['ori_shape'] = tuple(results['gt_seg_map'].shape[:2])
        return results
