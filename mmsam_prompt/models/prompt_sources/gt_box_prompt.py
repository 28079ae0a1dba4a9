"""One box per class around its ground-truth pixels (SAM's box-prompt protocol; an upper bound)."""
from typing import List, Sequence

import torch
from mmseg.registry import MODELS

from ...utils.errors import MissingPromptInputError
from ..prompt_common.points import mask_to_box
from .base import BasePromptSource, PromptBatch, PromptContext


@MODELS.register_module()
class GTBoxPrompt(BasePromptSource):
    """Box prompts from the ground truth: for each class present, the tight box of its pixels.

    Needs ``gt_sem_seg`` at test time too, so it measures SAM given a perfect detector. The
    ground truth went through the pipeline's flips with the image; its resolution is mapped to
    the network input by the sample's frame (:meth:`SampleFrame.map_scale`).

    Args:
        exclude_classes: classes that get no box (e.g. ``(0, )``, the background of binary sets).
        ignore_index: label ignored in the ground truth.
    """

    def __init__(self, exclude_classes: Sequence[int] = (), ignore_index: int = 255,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.exclude_classes = set(int(c) for c in exclude_classes)
        self.ignore_index = ignore_index

    def forward(self, ctx: PromptContext) -> List[PromptBatch]:
        out = []
        for i, (ds, frame) in enumerate(zip(ctx.data_samples, ctx.frames)):
            if 'gt_sem_seg' not in ds:
                raise MissingPromptInputError(
                    f"GTBoxPrompt makes its box prompts from each image's ground-truth mask "
                    f"(gt_sem_seg), and {ds.metainfo.get('img_path') or 'an image'} has none: a "
                    "bare image (mmseg's inference_model, MMSegInferencer) cannot be prompted "
                    'this way. Give the mask (LoadAnnotations in the test pipeline) or use a '
                    'config whose prompts need no ground truth (learned prompts, a point grid).')
            gt = ds.gt_sem_seg.data[0]
            present = torch.bincount(gt.flatten().long(), minlength=256)  # labels are 0..255
            classes = [c for c in torch.nonzero(present)[:, 0].tolist()
                       if c != self.ignore_index and c not in self.exclude_classes]
            if not classes:
                continue
            sx, sy = frame.map_scale(gt.shape, ds.metainfo.get('batch_input_shape'))
            boxes = torch.stack([mask_to_box(gt == c) for c in classes])
            boxes = (boxes * boxes.new_tensor([sx, sy, sx, sy])).to(ctx.device)
            out.append(ctx.encode(i, torch.tensor(classes), boxes=boxes))
        return out
