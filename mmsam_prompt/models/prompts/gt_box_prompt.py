"""One box per class around its ground-truth pixels (SAM's box-prompt protocol; an upper bound)."""
from typing import List, Sequence

import torch
from mmseg.registry import MODELS

from .base_prompt_source import BasePromptSource, PromptBatch, input_frame_scale


def mask_to_box(mask: torch.Tensor) -> torch.Tensor:
    """(H, W) bool with a true pixel -> (4,) float xyxy: min/max column and row of true pixels."""
    cols = torch.nonzero(mask.any(dim=0))[:, 0]
    rows = torch.nonzero(mask.any(dim=1))[:, 0]
    return torch.stack([cols[0], rows[0], cols[-1], rows[-1]]).float()


@MODELS.register_module()
class GTBoxPrompt(BasePromptSource):
    """Box prompts from the ground truth: for each class present, the tight box of its pixels.

    Needs ``gt_sem_seg`` at test time too, so it measures SAM given a perfect detector.

    Args:
        exclude_classes: classes that get no box (e.g. ``(0, )``, the background of binary sets).
        ignore_index: label ignored in the ground truth.
    """

    def __init__(self, exclude_classes: Sequence[int] = (), ignore_index: int = 255,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.exclude_classes = set(int(c) for c in exclude_classes)
        self.ignore_index = ignore_index

    def forward(self, prompt_encoder, image_embeddings, data_samples) -> List[PromptBatch]:
        out = []
        for i, ds in enumerate(data_samples):
            if 'gt_sem_seg' not in ds:
                raise KeyError('GTBoxPrompt needs gt_sem_seg in the data samples; keep '
                               'LoadAnnotations in the test pipeline.')
            gt = ds.gt_sem_seg.data[0]
            present = torch.bincount(gt.flatten().long(), minlength=256)  # labels are 0..255
            classes = [c for c in torch.nonzero(present)[:, 0].tolist()
                       if c != self.ignore_index and c not in self.exclude_classes]
            if not classes:
                continue
            sx, sy = input_frame_scale(ds, gt.shape)
            boxes = torch.stack([mask_to_box(gt == c) for c in classes])
            boxes = (boxes * boxes.new_tensor([sx, sy, sx, sy])).to(image_embeddings.device)
            out.append(self.encode(prompt_encoder, i, torch.tensor(classes), boxes=boxes))
        return out
