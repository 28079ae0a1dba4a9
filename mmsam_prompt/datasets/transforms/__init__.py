from .sam_resize import SAMResizeLongestSide

__all__ = ['SAMResizeLongestSide']
