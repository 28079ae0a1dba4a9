from .sam_data_preprocessor import SAMDataPreProcessor
from .sam_mask_decoder import BatchedMaskDecoder

__all__ = ['BatchedMaskDecoder', 'SAMDataPreProcessor']
