"""SAM's mask decoder, batched over prompts that belong to different images.

segment_anything's ``MaskDecoder.predict_masks`` repeats *every* image embedding for *every*
prompt (``repeat_interleave`` over the batch), which is only right for one image at a time
(segment-anything issue #277). Here each prompt carries the index of its image.
"""
from typing import Dict, Set, Tuple

import torch
from mmseg.registry import MODELS
from segment_anything.modeling import MaskDecoder, TwoWayTransformer

from .sam_arch import PROMPT_EMBED_DIM
from ..checkpoints.sam_checkpoint import load_official_state


@MODELS.register_module()
class BatchedMaskDecoder(MaskDecoder):
    """``MaskDecoder`` whose prompts may come from different images of a batch.

    Same parameters (and state-dict keys) as segment_anything's decoder.
    """

    def __init__(self, transformer_dim: int = PROMPT_EMBED_DIM, num_multimask_outputs: int = 3,
                 iou_head_depth: int = 3, iou_head_hidden_dim: int = PROMPT_EMBED_DIM) -> None:
        super().__init__(
            transformer_dim=transformer_dim,
            transformer=TwoWayTransformer(
                depth=2, embedding_dim=transformer_dim, mlp_dim=2048, num_heads=8),
            num_multimask_outputs=num_multimask_outputs,
            iou_head_depth=iou_head_depth,
            iou_head_hidden_dim=iou_head_hidden_dim,
        )

    def decode(self, image_embeddings: torch.Tensor, image_pe: torch.Tensor,
               sparse: torch.Tensor, dense: torch.Tensor, batch_idx: torch.Tensor,
               return_tokens: bool = False) -> Tuple[torch.Tensor, ...]:
        """Predict all mask-token outputs for N prompts.

        Args:
            image_embeddings: (B, C, h, w) from the image encoder.
            image_pe: (1, C, h, w) dense positional encoding.
            sparse: (N, T, C) sparse prompt tokens.
            dense: (N, C, h, w) dense prompt embeddings.
            batch_idx: (N,) image index of each prompt.

            return_tokens: also return the mask tokens' outputs of the transformer (what the
                hypernetwork MLPs turn into the masks; SSPrompt classifies them).

        Returns:
            masks (N, num_mask_tokens, 4h, 4w) logits and iou_pred (N, num_mask_tokens); with
            ``return_tokens`` also mask_tokens_out (N, num_mask_tokens, C).
        """
        n = sparse.shape[0]
        output_tokens = torch.cat([self.iou_token.weight, self.mask_tokens.weight], dim=0)
        tokens = torch.cat([output_tokens.unsqueeze(0).expand(n, -1, -1), sparse], dim=1)
        src = image_embeddings[batch_idx] + dense
        pos_src = image_pe.expand(n, -1, -1, -1)
        b, c, h, w = src.shape
        hs, src = self.transformer(src, pos_src, tokens)
        iou_token_out = hs[:, 0, :]
        mask_tokens_out = hs[:, 1:1 + self.num_mask_tokens, :]
        upscaled = self.output_upscaling(src.transpose(1, 2).reshape(b, c, h, w))
        hyper_in = torch.stack(
            [mlp(mask_tokens_out[:, i, :]) for i, mlp in enumerate(self.output_hypernetworks_mlps)],
            dim=1)
        masks = self.combine(hyper_in, upscaled)
        if return_tokens:
            return masks, self.iou_prediction_head(iou_token_out), mask_tokens_out
        return masks, self.iou_prediction_head(iou_token_out)

    def combine(self, hyper_in: torch.Tensor, upscaled: torch.Tensor) -> torch.Tensor:
        """Masks (N, M, H, W) from mask-token weights (N, M, c) and upscaled embedding
        (N, c, H, W); SAM's dot product here, subclasses may calibrate it."""
        return self.mask_product(hyper_in, upscaled)

    def added_state_keys(self) -> Set[str]:
        """State-dict keys that official SAM checkpoints do not have (adapters)."""
        return set()

    def train_adapters(self) -> None:
        """Set what trains when the decoder itself is not trained: nothing in SAM's decoder;
        subclasses with adapters train those."""
        self.requires_grad_(False)

    def load_sam_state(self, state: Dict[str, torch.Tensor], path: str) -> None:
        """Load ``mask_decoder.*`` weights of an official checkpoint (prefix removed); keys
        that only adapters have keep their initial values."""
        load_official_state(self, 'mask_decoder', state, path, self.added_state_keys())

    @staticmethod
    def mask_product(hyper_in: torch.Tensor, upscaled: torch.Tensor) -> torch.Tensor:
        """Masks from mask-token weights (N, M, c) and upscaled embedding (N, c, H, W)."""
        n, c, h, w = upscaled.shape
        return (hyper_in @ upscaled.reshape(n, c, h * w)).reshape(n, -1, h, w)
