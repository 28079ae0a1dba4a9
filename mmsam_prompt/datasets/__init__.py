from .acdc import ACDCDataset, ConditionIoUMetric
from .binary_seg_dataset import BinarySegDataset
from .camvid import CamVidDataset
from .kshot_dataset import KShotDataset
from .label_map_dataset import LabelMapSegDataset
from .transforms import DetectorBoxes, SAMResizeLongestSide

__all__ = ['ACDCDataset', 'BinarySegDataset', 'CamVidDataset', 'ConditionIoUMetric',
           'DetectorBoxes', 'KShotDataset', 'LabelMapSegDataset', 'SAMResizeLongestSide']
