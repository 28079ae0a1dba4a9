"""mmseg's visualiser, tolerant of ground truth stored at another resolution than the image."""
import mmcv
from mmseg.registry import VISUALIZERS
from mmseg.visualization import SegLocalVisualizer


@VISUALIZERS.register_module()
class SAMSegVisualizer(SegLocalVisualizer):
    """``SegLocalVisualizer`` that first resizes the image to the maps it draws.

    With ``eval_at_gt_resolution`` a prediction has the ground truth's size, which for some
    data sets differs from the image's; the overlay is then drawn at the annotation's size.
    """

    def add_datasample(self, name, image, data_sample=None, *args, **kwargs):
        if data_sample is not None:
            for key in ('pred_sem_seg', 'gt_sem_seg'):
                if key in data_sample:
                    h, w = data_sample.get(key).shape
                    if image.shape[:2] != (h, w):
                        image = mmcv.imresize(image, (w, h))
                    break
        return super().add_datasample(name, image, data_sample, *args, **kwargs)
