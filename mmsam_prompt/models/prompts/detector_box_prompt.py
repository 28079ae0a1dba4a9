"""AM-SAM's automated prompting: the best boxes of a frozen mmdet detector become SAM box prompts.

AM-SAM (Li et al.) runs a frozen YOLOv8 on each image and gives SAM the box with the highest
confidence. Here any mmdet 3.x detector does it. The detector sees the original image file through
its own test pipeline (the preprocessing it was trained with), not SAM's resized input, and its
boxes (original-image pixels) are mapped into SAM's network-input frame: scaled by
``img_shape / ori_shape``, mirrored when the SAM pipeline flipped the image, clipped to the image.
Raw detections are cached per image file, so the detector runs once per image.
"""
import copy
import hashlib
import logging
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import MMLogger, print_log
from mmengine.registry import DefaultScope
from mmseg.registry import MODELS

from ..frozen_output_cache import FrozenOutputCache
from ..sam_checkpoint import load_weights_only
from .base_prompt_source import BasePromptSource, PromptBatch

#: (boxes (N, 4) xyxy in original-image pixels, scores (N, ), labels (N, ) detector classes)
Detections = Tuple[torch.Tensor, torch.Tensor, torch.Tensor]


class DetectorCheckpointError(RuntimeError):
    """Raised with a one-line message naming the problem with a detector checkpoint and its fix."""


def load_detector_config(detector: Union[str, dict, Config],
                         cfg_options: Optional[dict] = None) -> Config:
    """An mmdet config from a file path, an ``mmdet::dir/name.py`` name or a config dict."""
    if isinstance(detector, Config):
        cfg = detector.copy()
    elif isinstance(detector, dict):
        cfg = Config(dict(detector))
    elif isinstance(detector, str):
        path = detector
        if '::' in detector:
            from mmengine.utils import get_installed_path
            package, rel = detector.split('::', 1)
            path = osp.join(get_installed_path(package), '.mim', 'configs', rel)
        if not osp.isfile(path):
            raise FileNotFoundError(f'Detector config not found: {detector!r} (looked at '
                                    f'{path!r}). Give a config file or a name like '
                                    "'mmdet::yolox/yolox_tiny_8xb8-300e_coco.py'.")
        cfg = Config.fromfile(path)
    else:
        raise TypeError(f'detector must be a config path, name or dict, got {type(detector)}.')
    if cfg_options:
        cfg.merge_from_dict(cfg_options, allow_list_keys=True)
    if 'model' not in cfg:
        raise ValueError('The detector config has no `model`; give a full mmdet config.')
    return cfg


def read_detector_checkpoint(path: str, model: nn.Module) -> Dict[str, torch.Tensor]:
    """The state dict in ``path`` for ``model``, read with ``weights_only=True``.

    Accepts ``{'state_dict': ...}`` (mmengine) and bare state dicts; strips a ``module.`` prefix.
    Raises :class:`DetectorCheckpointError` (one line) on a missing, unreadable or unfitting file.
    """
    if not osp.isfile(path):
        raise DetectorCheckpointError(
            f'Detector checkpoint not found: {path!r}. Pass the .pth file trained with the '
            'detector config (e.g. from the mmdet model zoo) as `checkpoint=`, or '
            'checkpoint=None for random weights.')
    obj = load_weights_only(
        path, DetectorCheckpointError, 'Detector checkpoint',
        resave="Re-save its weights: torch.save({'state_dict': detector.state_dict()}, path).",
        unreadable='Download or save it again.')
    if isinstance(obj, dict) and isinstance(obj.get('state_dict'), dict):
        obj = obj['state_dict']
    if not isinstance(obj, dict):
        raise DetectorCheckpointError(f'Detector checkpoint {path!r} holds a {type(obj).__name__}, '
                                      'not a state dict. Save detector.state_dict().')
    state = {(k[len('module.'):] if k.startswith('module.') else k): v for k, v in obj.items()
             if isinstance(k, str) and isinstance(v, torch.Tensor)}
    target = model.state_dict()
    if not set(state) & set(target):
        some = list(state)[:2] or list(obj)[:2]
        raise DetectorCheckpointError(
            f'Detector checkpoint {path!r} has no weights of this detector (found e.g. {some}, '
            f'expected e.g. {list(target)[:2]}). Use the checkpoint of the detector config.')
    missing = [k for k in target if k not in state]
    bad = [k for k in target if k in state and state[k].shape != target[k].shape]
    if missing or bad:
        parts = [f'{len(missing)} missing (e.g. {missing[0]})'] if missing else []
        if bad:
            parts.append(f'{len(bad)} with other shapes (e.g. {bad[0]}: '
                         f'{tuple(state[bad[0]].shape)} vs {tuple(target[bad[0]].shape)})')
        raise DetectorCheckpointError(
            f'Detector weights in {path!r} do not fit the detector config: {"; ".join(parts)}. '
            'Use the config the checkpoint was trained with (same model and number of classes).')
    return {k: state[k] for k in target}


def boxes_to_input_frame(boxes: torch.Tensor, meta: dict) -> torch.Tensor:
    """(N, 4) xyxy in original-image pixels -> (N, 4) xyxy in SAM's network-input frame.

    Scales by ``img_shape / ori_shape``, clips to the (unpadded) image, then mirrors as the SAM
    pipeline's flip did (``flip``, ``flip_direction``: horizontal, vertical or diagonal).
    """
    ih, iw = meta['img_shape'][:2]
    oh, ow = meta['ori_shape'][:2]
    out = boxes.float() * boxes.new_tensor([iw / ow, ih / oh, iw / ow, ih / oh]).float()
    out = torch.stack([out[:, 0].clamp(0, iw), out[:, 1].clamp(0, ih),
                       out[:, 2].clamp(0, iw), out[:, 3].clamp(0, ih)], dim=1)
    if meta.get('flip'):
        direction = meta.get('flip_direction', 'horizontal')
        if direction in ('horizontal', 'diagonal'):
            out = torch.stack([iw - out[:, 2], out[:, 1], iw - out[:, 0], out[:, 3]], dim=1)
        if direction in ('vertical', 'diagonal'):
            out = torch.stack([out[:, 0], ih - out[:, 3], out[:, 2], ih - out[:, 1]], dim=1)
    return out


def file_digest(path: str) -> bytes:
    """sha256 (32 bytes) of a file's content."""
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.digest()


@MODELS.register_module()
class DetectorBoxPrompt(BasePromptSource):
    """Box prompts from a frozen mmdet detector (AM-SAM's automated prompting).

    Per image, the detections that pass the filters are grouped by the segmentation class they
    prompt; the ``topk`` highest-scoring boxes of each class become one box prompt each (the
    head merges prompts of one class by max). The detector is not a submodule: its weights are
    not in this model's state dict (they come from ``checkpoint``), it never trains, stays in
    eval mode, and follows the image embeddings' device at the first forward there.

    Args:
        detector: mmdet config: a path, an ``'mmdet::...'`` name or a config dict.
        checkpoint: detector weights (``.pth``; ``{'state_dict': ...}`` or a bare state dict),
            read with ``weights_only=True``. None keeps random weights (a WARNING says so).
        target_class: segmentation class that receives the boxes.
        class_map: ``{detector label: segmentation class}``; overrides ``target_class``, and
            only the labels it names are kept (e.g. ``{0: 1}``: COCO's person prompts class 1).
        det_classes: keep only these detector labels (None: all).
        score_thr: keep detections with a score of at least this.
        topk: boxes per segmentation class and image (1: AM-SAM's single best box).
        fallback: when no box survives in an image, 'full_image' gives each target class a
            box over the whole (unpadded) image; 'none' gives no prompt (the head then predicts
            ``no_prompt_logit``, i.e. background).
        cache: run the detector once per image file (raw detections memoised by the file's
            sha256 and the detector's weights; see ``self.cache.hits`` / ``.misses``).
        cfg_options: overrides merged into the detector config (mmengine dotted keys, e.g.
            ``{'model.test_cfg.score_thr': 0.3}``).
    """

    def __init__(self,
                 detector: Union[str, dict],
                 checkpoint: Optional[str] = None,
                 target_class: int = 1,
                 class_map: Optional[Dict[int, int]] = None,
                 det_classes: Optional[Sequence[int]] = None,
                 score_thr: float = 0.0,
                 topk: int = 1,
                 fallback: str = 'full_image',
                 cache: bool = True,
                 cfg_options: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if fallback not in ('full_image', 'none'):
            raise ValueError(f"fallback must be 'full_image' or 'none', got {fallback!r}.")
        if int(topk) < 1:
            raise ValueError(f'topk must be at least 1, got {topk}.')
        self.target_class = int(target_class)
        self.class_map = None if class_map is None else {
            int(k): int(v) for k, v in dict(class_map).items()}
        if self.class_map is not None and not self.class_map:
            raise ValueError('class_map is empty: name at least one detector label, or use None.')
        self.det_classes = None if det_classes is None else [int(c) for c in det_classes]
        self.score_thr = float(score_thr)
        self.topk = int(topk)
        self.fallback = fallback
        self.cache = FrozenOutputCache(enabled=cache, name='detector cache')
        self.det_cfg = load_detector_config(detector, cfg_options)
        model, pipeline = self._build_detector(self.det_cfg, checkpoint)
        # A list keeps the detector out of the module tree (state dict, .train(), optimisers).
        self._detector: List[nn.Module] = [model]
        self._pipeline = pipeline
        self._digests: Dict[Tuple[str, int, int], bytes] = {}

    # -- the detector ------------------------------------------------------------------------
    @staticmethod
    def _build_detector(cfg: Config, checkpoint: Optional[str]) -> Tuple[nn.Module, Callable]:
        """Build the detector and its test pipeline under mmdet's scope; load its weights."""
        from mmcv.transforms import Compose
        from mmengine.model.utils import revert_sync_batchnorm
        with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmdet')):
            from mmdet.registry import MODELS as DET_MODELS
            from mmdet.utils import get_test_pipeline_cfg
            model_cfg = copy.deepcopy(cfg.model)
            if isinstance(model_cfg.get('backbone'), dict):
                model_cfg.backbone.init_cfg = None  # no download of ImageNet weights
            model = revert_sync_batchnorm(DET_MODELS.build(model_cfg))
            if checkpoint is None:
                logger = MMLogger.get_current_instance()
                level = logger.level
                logger.setLevel(logging.WARNING)  # init_weights logs one line per parameter
                try:
                    model.init_weights()
                finally:
                    logger.setLevel(level)
                print_log('DetectorBoxPrompt: no detector checkpoint given, so the detector '
                          'weights are RANDOM and its boxes meaningless. Set prompt_source'
                          '(.box_source).checkpoint=/path/to/detector.pth.',
                          logger='current', level=logging.WARNING)
            else:
                model.load_state_dict(read_detector_checkpoint(checkpoint, model))
            steps = [dict(s) for s in get_test_pipeline_cfg(cfg)
                     if 'LoadAnnotations' not in s['type']]
            pipeline = Compose(steps)
        model.cfg = cfg  # as mmdet's init_detector, so mmdet.apis work on it
        model.requires_grad_(False)
        return model.eval(), pipeline

    @property
    def detector(self) -> nn.Module:
        return self._detector[0]

    def train(self, mode: bool = True) -> 'DetectorBoxPrompt':
        super().train(mode)
        self.detector.eval()  # frozen: BN statistics and dropout as at test time
        return self

    def _detector_to(self, device: torch.device) -> None:
        p = next(iter(self.detector.parameters()), None)
        if p is not None and p.device != device:
            self.detector.to(device)

    @torch.no_grad()
    def detect(self, img_paths: Sequence[str]) -> List[Detections]:
        """Run the detector on image files, one at a time (results do not depend on batching).

        Returns per image CPU tensors: boxes (N, 4) xyxy in original-image pixels, scores (N, ),
        labels (N, ).
        """
        out = []
        with DefaultScope.overwrite_default_scope(self.det_cfg.get('default_scope', 'mmdet')):
            for path in img_paths:
                data = self._pipeline(dict(img_path=path, img_id=0))
                batch = dict(inputs=[data['inputs']], data_samples=[data['data_samples']])
                pred = self.detector.test_step(batch)[0].pred_instances
                out.append((pred.bboxes.float().cpu(), pred.scores.float().cpu(),
                            pred.labels.long().cpu()))
        return out

    def _digest(self, path: str) -> bytes:
        st = os.stat(path)
        key = (osp.abspath(path), st.st_mtime_ns, st.st_size)
        if key not in self._digests:
            self._digests[key] = file_digest(path)
        return self._digests[key]

    def detections(self, data_samples: list) -> List[Detections]:
        """Raw detections of each sample's image file (cached; each distinct file runs once)."""
        paths = []
        for ds in data_samples:
            path = ds.metainfo.get('img_path')
            if not isinstance(path, str) or not osp.isfile(path):
                raise ValueError(f'DetectorBoxPrompt runs the detector on the image file, but the '
                                 f'data sample has img_path={path!r}. Load images with '
                                 'LoadImageFromFile and keep img_path in the meta keys.')
            paths.append(path)
        digests = [self._digest(p) for p in paths]
        by_digest = dict(zip(digests, paths))
        # float32 holds the digest bytes exactly; the cache hands outputs back in its dtype
        keys = torch.tensor([list(d) for d in digests], dtype=torch.float32)

        def run(rows: torch.Tensor) -> List[Detections]:
            wanted = [by_digest[bytes(r.to(torch.uint8).tolist())] for r in rows]
            unique = list(dict.fromkeys(wanted))
            found = dict(zip(unique, self.detect(unique)))
            return [found[p] for p in wanted]

        return self.cache.per_sample([self.detector], keys, run)

    # -- prompts -----------------------------------------------------------------------------
    def target_classes(self) -> List[int]:
        return sorted(set(self.class_map.values())) if self.class_map else [self.target_class]

    def select(self, boxes: torch.Tensor, scores: torch.Tensor,
               labels: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Filter detections and keep the ``topk`` best per segmentation class.

        Returns boxes (M, 4) and their segmentation classes (M, ), by class then score.
        """
        keep = torch.isfinite(boxes).all(dim=1) & (scores >= self.score_thr)
        if self.det_classes is not None:
            keep &= torch.isin(labels, labels.new_tensor(self.det_classes))
        if self.class_map is not None:
            keep &= torch.isin(labels, labels.new_tensor(list(self.class_map)))
        boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
        if self.class_map is not None:
            classes = torch.tensor([self.class_map[int(x)] for x in labels], dtype=torch.long)
        else:
            classes = torch.full((len(labels), ), self.target_class, dtype=torch.long)
        chosen = []
        for c in torch.unique(classes).tolist():
            idx = torch.nonzero(classes == c)[:, 0]
            order = torch.sort(scores[idx], descending=True, stable=True).indices
            chosen.append(idx[order[:self.topk]])
        index = torch.cat(chosen) if chosen else torch.zeros(0, dtype=torch.long)
        return boxes[index], classes[index]

    def forward(self, prompt_encoder, image_embeddings, data_samples) -> List[PromptBatch]:
        device = image_embeddings.device
        self._detector_to(device)
        out = []
        for i, (ds, det) in enumerate(zip(data_samples, self.detections(data_samples))):
            boxes, classes = self.select(*(t.cpu() for t in det))
            boxes = boxes_to_input_frame(boxes, ds.metainfo)
            if not len(boxes) and self.fallback == 'full_image':
                ih, iw = ds.metainfo['img_shape'][:2]
                classes = torch.tensor(self.target_classes(), dtype=torch.long)
                boxes = torch.tensor([[0.0, 0.0, float(iw), float(ih)]]).expand(len(classes), 4)
            if len(boxes):
                out.append(self.encode(prompt_encoder, i, classes, boxes=boxes.to(device)))
        return out
