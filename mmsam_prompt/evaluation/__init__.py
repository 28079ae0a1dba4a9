from .per_class_iou_metric import PerClassIoUMetric
from .per_image_dice_metric import PerImageDiceMetric

__all__ = ['PerClassIoUMetric', 'PerImageDiceMetric']
