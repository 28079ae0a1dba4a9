from .binarize_seg_map import BinarizeSegMap
from .detector_boxes import (DetectorBoxes, DetectorCheckpointError, load_detector_config,
                             read_detector_checkpoint)
from .mask_resolution import PredictAtSegResolution, ResizeSegToImage
from .sam_resize import SAMResizeLongestSide
from .zoom_resize import ZoomResize

__all__ = ['BinarizeSegMap', 'DetectorBoxes', 'DetectorCheckpointError', 'PredictAtSegResolution',
           'ResizeSegToImage', 'SAMResizeLongestSide', 'load_detector_config',
           'read_detector_checkpoint', 'ZoomResize']
