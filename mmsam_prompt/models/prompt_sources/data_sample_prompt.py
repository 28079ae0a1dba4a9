"""Prompts given with each image (points and/or boxes in original-image pixels)."""
from typing import List, Optional

import numpy as np
import torch
from mmseg.registry import MODELS

from ...structures import SampleFrame
from ...utils.errors import MissingPromptInputError
from .base import BasePromptSource, PromptBatch, PromptContext


@MODELS.register_module()
class DataSamplePrompt(BasePromptSource):
    """Read prompts from ``data_sample.metainfo[key]``.

    The entry is a dict (or a list of dicts, e.g. point prompts and box prompts of one image)
    in original-image pixel coordinates (SAM's convention):
    ``points`` (N, P, 2) xy with ``point_labels`` (N, P) (1 foreground, 0 background),
    and/or ``boxes`` (N, 4) xyxy, and optionally ``classes`` (N,) (default ``target_class``).
    They are mapped to the network input by the sample's :class:`SampleFrame` (resize and any
    flip). Add ``key`` to ``PackSegInputs.meta_keys`` to carry them. AM-SAM's detector boxes
    (``DetectorBoxes`` transform) arrive this way.

    Args:
        target_class: class channel of prompts that name no ``classes``.
        key: metainfo key holding the prompts.
    """

    def __init__(self, target_class: int = 1, key: str = 'prompts', **kwargs) -> None:
        super().__init__(**kwargs)
        self.target_class = int(target_class)
        self.key = key

    def forward(self, ctx: PromptContext) -> List[PromptBatch]:
        out = []
        for i, (ds, frame) in enumerate(zip(ctx.data_samples, ctx.frames)):
            p = ds.metainfo.get(self.key)
            if p is None:
                raise MissingPromptInputError(
                    f"DataSamplePrompt: image {ds.metainfo.get('img_path')} has no '{self.key}' in "
                    f"its metainfo (a bare image, as mmseg's inference_model gives, has none). Add "
                    f"'{self.key}' to PackSegInputs.meta_keys and provide points/boxes, or use "
                    'another prompt source.')
            groups = [p] if isinstance(p, dict) else list(p)
            for group in groups:
                batch = self.encode_group(ctx, i, frame, group)
                if batch is not None:
                    out.append(batch)
        return out

    def encode_group(self, ctx: PromptContext, index: int, frame: SampleFrame,
                     group: dict) -> Optional[PromptBatch]:
        """Encode one dict of N prompts of image ``index`` (None when it holds no prompt)."""
        points = boxes = None
        n = None
        if group.get('points') is not None:
            xy = torch.as_tensor(np.asarray(group['points'], dtype=np.float32), device=ctx.device)
            labels = torch.as_tensor(np.asarray(group['point_labels']), device=ctx.device)
            if labels.shape != xy.shape[:2]:
                raise ValueError(f'point_labels shape {tuple(labels.shape)} does not match '
                                 f'points {tuple(xy.shape)}; expected (N, P) and (N, P, 2).')
            points = (frame.points_to_input(xy), labels.int())
            n = xy.shape[0]
        if group.get('boxes') is not None:
            boxes = torch.as_tensor(np.asarray(group['boxes'], dtype=np.float32),
                                    device=ctx.device).reshape(-1, 4)
            boxes = frame.boxes_to_input(boxes)
            if n is not None and n != boxes.shape[0]:
                raise ValueError(f'{n} point prompts but {boxes.shape[0]} boxes for one image.')
            n = boxes.shape[0]
        if not n:
            return None
        classes = group.get('classes')
        classes = torch.full((n, ), self.target_class) if classes is None else \
            torch.as_tensor(np.asarray(classes)).reshape(n)
        return ctx.encode(index, classes, points=points, boxes=boxes)
