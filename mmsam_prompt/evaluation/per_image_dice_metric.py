"""Dice per image, averaged over images: BLO-SAM's validation and test score (``cal_dice.py``)."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS

from ..utils.label_resize import zoom_nearest


@METRICS.register_module()
class PerImageDiceMetric(BaseMetric):
    """Mean over images of each image's Dice, as BLO-SAM's ``cal_dice.dice_score`` (called per
    image of batch size 1) and ``validate`` compute it.

    Per image: the predicted class is the argmax of the logits; for every scored class ``k``
    (all but ``background_index``, their ``bg=False``), ``2 TP / (2 TP + FP + FN)``, or
    ``no_fg_score`` (their 0) when the image has no pixel of class ``k``; the image's score is
    the mean over the scored classes. The reported value is the mean over images, in percent.

    Args:
        resolution: ``'low'``: on SAM's low-resolution logits (``low_res_seg_logits`` that
            ``SAMHead(keep_low_res_logits=True)`` puts in each data sample: 64 x 64 for 256 px
            inputs) against the ground truth zoomed to that size with
            ``scipy.ndimage.zoom(order=0)`` semantics (:func:`zoom_nearest`), as the authors;
            the ground truth must then be at the network input's resolution (a pipeline that
            resizes it, such as ``ZoomResize`` after ``LoadAnnotations``). ``'full'``: on
            ``pred_sem_seg`` against ``gt_sem_seg`` as they are.
        background_index: class not scored (None: every class is).
        no_fg_score: score of a class absent from an image's ground truth.
        ignore_index: ground-truth pixels that count for no class (the authors' labels have
            none; here they are neither TP, FP nor FN).
        key: name of the result (``'per_image_dice'``; use it as ``save_best``).

    ``self.results`` holds one score (0..1) per image until ``compute_metrics``.
    """
    default_prefix: Optional[str] = None

    def __init__(self, resolution: str = 'low', background_index: Optional[int] = 0,
                 no_fg_score: float = 0.0, ignore_index: int = 255, key: str = 'per_image_dice',
                 collect_device: str = 'cpu', prefix: Optional[str] = None, **kwargs) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if resolution not in ('low', 'full'):
            raise ValueError(f"PerImageDiceMetric resolution must be 'low' or 'full', got "
                             f'{resolution!r}.')
        self.resolution = resolution
        self.background_index = background_index
        self.no_fg_score = float(no_fg_score)
        self.ignore_index = ignore_index
        self.key = key

    @staticmethod
    def image_dice(pred: torch.Tensor, target: torch.Tensor, classes: Sequence[int],
                   no_fg_score: float = 0.0, ignore_index: Optional[int] = 255) -> float:
        """One image: ``pred`` and ``target`` (H, W) class maps, mean Dice over ``classes``."""
        valid = target != ignore_index if ignore_index is not None else torch.ones_like(
            target, dtype=torch.bool)
        scores: List[float] = []
        for k in classes:
            t = (target == k) & valid
            if not t.any():
                scores.append(no_fg_score)
                continue
            p = (pred == k) & valid
            tp = (p & t).sum().item()
            fp = (p & ~t).sum().item()
            fn = (~p & t).sum().item()
            denom = 2 * tp + fp + fn
            scores.append(2 * tp / denom if denom else 0.0)
        return sum(scores) / len(scores)

    def _pred_and_target(self, sample: dict):
        gt = sample['gt_sem_seg']['data']
        gt = gt[0] if gt.dim() == 3 else gt
        if self.resolution == 'full':
            pred = sample['pred_sem_seg']['data']
            return (pred[0] if pred.dim() == 3 else pred), gt
        if 'low_res_seg_logits' not in sample:
            raise KeyError("PerImageDiceMetric(resolution='low') needs 'low_res_seg_logits' in "
                           'the data samples: set keep_low_res_logits=True in the SAMHead.')
        logits = sample['low_res_seg_logits']['data']
        size = tuple(sample.get('batch_input_shape', gt.shape))
        if tuple(gt.shape) != size:
            raise ValueError(
                f'PerImageDiceMetric(resolution=\'low\'): the ground truth is {tuple(gt.shape)} '
                f'but the network input is {size}; the low-resolution Dice needs the ground '
                'truth at the input resolution (resize it in the pipeline, e.g. ZoomResize '
                "after LoadAnnotations) or use resolution='full'.")
        return logits.argmax(dim=0), zoom_nearest(gt, logits.shape[-2:])

    def _num_classes(self, sample: dict) -> int:
        if self.resolution == 'low':
            return int(sample['low_res_seg_logits']['data'].shape[0])
        if not self.dataset_meta or 'classes' not in self.dataset_meta:
            raise ValueError("PerImageDiceMetric(resolution='full') needs the data set's "
                             'classes (dataset_meta), which the runner sets.')
        return len(self.dataset_meta['classes'])

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred, target = self._pred_and_target(sample)
            classes = [k for k in range(self._num_classes(sample))
                       if k != self.background_index]
            self.results.append(self.image_dice(pred, target.to(pred.device), classes,
                                                self.no_fg_score, self.ignore_index))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        return {self.key: 100.0 * sum(results) / max(len(results), 1)}
