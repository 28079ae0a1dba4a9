from .calibrated_lora_mask_decoder import CalibratedLoRAMaskDecoder
from .mask_calibration import MaskCalibration

__all__ = ['CalibratedLoRAMaskDecoder', 'MaskCalibration']
