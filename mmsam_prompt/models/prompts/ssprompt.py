"""SSPrompt (Huang et al., "Learning to Prompt Segment Anything Models"): spatial + semantic
prompt learning turned into semantic segmentation with SAM."""
from typing import List, Optional

import torch
from mmseg.registry import MODELS

from .base_prompt_source import BasePromptSource, PromptBatch


@MODELS.register_module()
class SSPrompt(BasePromptSource):
    """One prompt per (image, class): the N spatial tokens followed by that class's semantic token.

    The mask decoder answers each prompt with one mask, which becomes that class's logit map
    (SAMHead), so K classes cost K decoder passes per image, batched. Everything but the prompt
    parameters (SpaPrompt / SemPrompt fusion weights and embeddings) stays frozen.

    Args:
        semantic: a SemPrompt config (gives K, the classes).
        spatial: a SpaPrompt config, or None for semantic tokens alone.

    Modes of the two parts give the paper's comparisons: both 'default' = zero-shot default
    prompts (Eq. 2); spatial 'weighted' + semantic 'default' = spatial only; the reverse =
    semantic only; 'average' = embeddings without weights (Table 5).
    """

    def __init__(self, semantic: dict, spatial: Optional[dict] = dict(type='SpaPrompt'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.semantic = MODELS.build(semantic)
        self.spatial = MODELS.build(spatial) if spatial is not None else None

    @property
    def num_classes(self) -> int:
        return len(self.semantic.class_names)

    def setup(self, prompt_encoder) -> None:
        """Encode the default prompts once (SAMHead calls this after loading SAM's weights)."""
        self.semantic.setup(prompt_encoder)
        if self.spatial is not None:
            self.spatial.setup(prompt_encoder)

    def tokens(self) -> torch.Tensor:
        """(K, N + 1, 256): for each class, the spatial tokens then its semantic token."""
        sem = self.semantic()[:, None]
        if self.spatial is None:
            return sem
        spa = self.spatial()
        return torch.cat([spa.expand(sem.shape[0], -1, -1), sem], dim=1)

    def forward(self, prompt_encoder, image_embeddings, data_samples) -> List[PromptBatch]:
        tokens = self.tokens()
        k, b = tokens.shape[0], image_embeddings.shape[0]
        h, w = image_embeddings.shape[-2:]
        dense = prompt_encoder.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(1, -1, h, w)
        device = image_embeddings.device
        return [PromptBatch(
            sparse=tokens.repeat(b, 1, 1),
            dense=dense,
            batch_idx=torch.arange(b, device=device).repeat_interleave(k),
            class_idx=torch.arange(k, device=device).repeat(b))]
