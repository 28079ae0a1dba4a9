from .sam_segmentor import SAMSegmentor

__all__ = ['SAMSegmentor']
