"""BLO-SAM / AM-SAM mask decoder: LoRA in the two-way transformer plus mask calibration.

BLO-SAM (Zhang et al., ICML 2024) fine-tunes SAM's mask decoder through LoRA on the query and
value projections of its attentions and trains the output parts (hypernetwork MLPs, mask tokens,
transposed-convolution upscaling); AM-SAM adds mask calibration (``mask_calibration.py``).
"""
from typing import Dict, Optional, Sequence, Set

import torch
from mmseg.registry import MODELS

from .lora import add_lora, lora_state_keys
from .mask_calibration import MaskCalibration
from ..sam.sam_mask_decoder import BatchedMaskDecoder

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
        trained: decoder parts trained besides LoRA and calibration (``'iou_token'`` may be
            named too: the authors' code trains it).
        fresh: decoder parts NOT loaded from the official checkpoint: they keep their random
            initialisation, as in the BLO-SAM authors' code, which builds the decoder with
            ``num_multimask_outputs=num_classes`` (1: two mask tokens, one per class channel
            with ``SAMHead(mask_outputs='tokens')``) and skips ``mask_tokens``,
            ``output_hypernetworks_mlps`` and ``iou_prediction_head`` when loading SAM
            (their ``build_sam.load_from``). Other ``num_multimask_outputs`` than SAM's 3 need
            these three fresh (the official shapes do not fit).
        **kwargs: ``BatchedMaskDecoder`` arguments (``num_multimask_outputs``, ...).
    """

    def __init__(self, lora_rank: Optional[int] = 4,
                 lora_targets: Sequence[str] = ('q_proj', 'v_proj'),
                 calibration: Optional[dict] = dict(alpha=0.7),
                 trained: Sequence[str] = DEFAULT_TRAINED, fresh: Sequence[str] = (),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.lora_layers = (add_lora(self.transformer, lora_targets, lora_rank)
                            if lora_rank else [])
        self.calibration = None
        if calibration is not None:
            self.calibration = MaskCalibration(
                channels=self.transformer_dim // 8, num_masks=self.num_mask_tokens, **calibration)
        parts = dict(self.named_children())
        unknown = [t for t in trained if t not in parts]
        if unknown:
            raise ValueError(f'CalibratedLoRAMaskDecoder cannot train {unknown}: not a part of '
                             "SAM's mask decoder.")
        self.trained = tuple(trained)
        unknown = [t for t in fresh if t not in parts]
        if unknown:
            raise ValueError(f'CalibratedLoRAMaskDecoder: fresh names {unknown}, not parts of '
                             "SAM's mask decoder.")
        self.fresh = tuple(fresh)
        official = self.num_multimask_outputs == 3
        shaped = {'mask_tokens', 'output_hypernetworks_mlps', 'iou_prediction_head'}
        if not official and not shaped <= set(self.fresh):
            raise ValueError(
                f'CalibratedLoRAMaskDecoder: num_multimask_outputs='
                f'{self.num_multimask_outputs} gives {self.num_mask_tokens} mask tokens, which '
                f'official SAM weights (4) do not fit: add {sorted(shaped - set(self.fresh))} '
                'to fresh (randomly initialised, as the BLO-SAM authors do).')

    def added_state_keys(self) -> Set[str]:
        calibration = {k for k in self.state_dict() if k.startswith('calibration.')}
        fresh = {k for k in self.state_dict() if k.split('.')[0] in self.fresh}
        return lora_state_keys(self) | calibration | fresh

    def load_sam_state(self, state: Dict[str, torch.Tensor], path: str) -> None:
        """As SAM's decoder, but the ``fresh`` parts keep their initial values."""
        state = {k: v for k, v in state.items() if k.split('.')[0] not in self.fresh}
        super().load_sam_state(state, path)

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
