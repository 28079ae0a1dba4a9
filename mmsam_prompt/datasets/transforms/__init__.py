from .mask_resolution import PredictAtSegResolution, ResizeSegToImage
from .sam_resize import SAMResizeLongestSide

__all__ = ['PredictAtSegResolution', 'ResizeSegToImage', 'SAMResizeLongestSide']
