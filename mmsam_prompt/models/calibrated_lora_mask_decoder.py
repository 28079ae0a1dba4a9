"""BLO-SAM / AM-SAM mask decoder: LoRA in the two-way transformer plus mask calibration.

BLO-SAM (Zhang et al., ICML 2024) fine-tunes SAM's mask decoder through LoRA on the query and
value projections of its attentions and trains the output parts (hypernetwork MLPs, mask tokens,
transposed-convolution upscaling); AM-SAM adds mask calibration (``mask_calibration.py``).
"""
from typing import Optional, Sequence, Set

import torch
from mmseg.registry import MODELS

from .lora import add_lora, lora_state_keys
from .mask_calibration import MaskCalibration
from .sam_mask_decoder import BatchedMaskDecoder

#: parts of SAM's decoder that BLO-SAM trains besides LoRA
DEFAULT_TRAINED = ('output_hypernetworks_mlps', 'mask_tokens', 'output_upscaling')


@MODELS.register_module()
class CalibratedLoRAMaskDecoder(BatchedMaskDecoder):
    """SAM's mask decoder with LoRA (rank ``lora_rank``) on ``q_proj`` and ``v_proj`` of every
    attention of the two-way transformer (both layers' self, token-to-image and image-to-token
    attention and the final token-to-image attention: 14 adapted projections) and optional
    mask calibration.

    LoRA's B starts at zero and the calibration at ``M_new = M_orig``, so until training the
    decoder computes exactly what SAM's decoder computes (official checkpoints load unchanged;
    the adapter weights are extra keys).

    Args:
        lora_rank: r (BLO-SAM: 4); None = no LoRA.
        lora_targets: attribute names of the adapted projections.
        calibration: ``MaskCalibration`` arguments (``alpha``, ``mode``); None = SAM's dot
            product (BLO-SAM).
        trained: decoder parts trained besides LoRA and calibration.
    """

    def __init__(self, lora_rank: Optional[int] = 4,
                 lora_targets: Sequence[str] = ('q_proj', 'v_proj'),
                 calibration: Optional[dict] = dict(alpha=0.7),
                 trained: Sequence[str] = DEFAULT_TRAINED, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lora_layers = (add_lora(self.transformer, lora_targets, lora_rank)
                            if lora_rank else [])
        self.calibration = None
        if calibration is not None:
            self.calibration = MaskCalibration(
                channels=self.transformer_dim // 8, num_masks=self.num_mask_tokens, **calibration)
        unknown = [t for t in trained if not hasattr(self, t)]
        if unknown:
            raise ValueError(f'CalibratedLoRAMaskDecoder cannot train {unknown}: not a part of '
                             "SAM's mask decoder.")
        self.trained = tuple(trained)

    def added_state_keys(self) -> Set[str]:
        calibration = {k for k in self.state_dict() if k.startswith('calibration.')}
        return lora_state_keys(self) | calibration

    def train_adapters(self) -> None:
        """Freeze SAM's weights; train LoRA, calibration and the ``trained`` parts."""
        self.requires_grad_(False)
        added = self.added_state_keys()
        for name, p in self.named_parameters():
            if name in added or name.split('.')[0] in self.trained:
                p.requires_grad_(True)

    def combine(self, hyper_in: torch.Tensor, upscaled: torch.Tensor) -> torch.Tensor:
        masks = self.mask_product(hyper_in, upscaled)
        if self.calibration is None:
            return masks
        return self.calibration(hyper_in, upscaled, masks)
