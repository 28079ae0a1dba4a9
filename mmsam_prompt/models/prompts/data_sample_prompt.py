"""Prompts given with each image (points and/or boxes in original-image pixels)."""
from typing import List, Optional

import numpy as np
import torch
from mmseg.registry import MODELS

from .base_prompt_source import BasePromptSource, PromptBatch


@MODELS.register_module()
class DataSamplePrompt(BasePromptSource):
    """Read prompts from ``data_sample.metainfo['prompts']``.

    The entry is a dict (or a list of dicts, e.g. point prompts and box prompts of one image)
    in original-image pixel coordinates (SAM's convention):
    ``points`` (N, P, 2) xy with ``point_labels`` (N, P) (1 foreground, 0 background),
    and/or ``boxes`` (N, 4) xyxy, and optionally ``classes`` (N,) (default ``default_class``).
    They are mapped to the network input with ``scale_factor`` (and a horizontal flip when the
    image was flipped). Add ``'prompts'`` to ``PackSegInputs.meta_keys`` to carry them.
    """

    def __init__(self, default_class: int = 1, key: str = 'prompts', init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.default_class = default_class
        self.key = key

    def forward(self, prompt_encoder, image_embeddings, data_samples) -> List[PromptBatch]:
        out = []
        device = image_embeddings.device
        for i, ds in enumerate(data_samples):
            p = ds.metainfo.get(self.key)
            if p is None:
                raise KeyError(
                    f"DataSamplePrompt: image {ds.metainfo.get('img_path')} has no '{self.key}' in "
                    f"its metainfo. Add '{self.key}' to PackSegInputs.meta_keys and provide "
                    'points/boxes, or use another prompt source.')
            groups = [p] if isinstance(p, dict) else list(p)
            for group in groups:
                batch = self.encode_group(prompt_encoder, i, ds.metainfo, group, device)
                if batch is not None:
                    out.append(batch)
        return out

    def encode_group(self, prompt_encoder, index: int, meta: dict, group: dict,
                     device) -> Optional[PromptBatch]:
        """Encode one dict of N prompts of image ``index`` (None when it holds no prompt)."""
        sx, sy = meta.get('scale_factor', (1.0, 1.0))[:2]
        flip = meta.get('flip') and meta.get('flip_direction') == 'horizontal'
        width = meta['img_shape'][1]
        points = boxes = None
        n = None
        if group.get('points') is not None:
            xy = torch.as_tensor(np.asarray(group['points'], dtype=np.float32), device=device)
            xy = xy * xy.new_tensor([sx, sy])
            if flip:
                xy[..., 0] = width - xy[..., 0]
            labels = torch.as_tensor(np.asarray(group['point_labels']), device=device)
            if labels.shape != xy.shape[:2]:
                raise ValueError(f'point_labels shape {tuple(labels.shape)} does not match '
                                 f'points {tuple(xy.shape)}; expected (N, P) and (N, P, 2).')
            points = (xy, labels.int())
            n = xy.shape[0]
        if group.get('boxes') is not None:
            boxes = torch.as_tensor(np.asarray(group['boxes'], dtype=np.float32),
                                    device=device).reshape(-1, 4)
            boxes = boxes * boxes.new_tensor([sx, sy, sx, sy])
            if flip:
                boxes = torch.stack(
                    [width - boxes[:, 2], boxes[:, 1], width - boxes[:, 0], boxes[:, 3]], 1)
            if n is not None and n != boxes.shape[0]:
                raise ValueError(f'{n} point prompts but {boxes.shape[0]} boxes for one image.')
            n = boxes.shape[0]
        if not n:
            return None
        classes = group.get('classes')
        classes = torch.full((n, ), self.default_class) if classes is None else \
            torch.as_tensor(np.asarray(classes)).reshape(n)
        return self.encode(prompt_encoder, index, classes, points=points, boxes=boxes)
