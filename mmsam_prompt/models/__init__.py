from .backbones import *  # noqa: F401,F403
from .decode_heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .prompts import *  # noqa: F401,F403
from .segmentors import *  # noqa: F401,F403
from .sam_data_preprocessor import SAMDataPreProcessor  # noqa: F401
from .calibrated_lora_mask_decoder import CalibratedLoRAMaskDecoder  # noqa: F401
from .sam_mask_decoder import BatchedMaskDecoder  # noqa: F401
