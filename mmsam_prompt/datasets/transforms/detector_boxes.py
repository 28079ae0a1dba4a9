"""AM-SAM's automated prompting on the data side: a frozen mmdet detector's best boxes become
box prompts of the sample.

AM-SAM (Li et al.) runs a frozen YOLOv8 on each image and gives SAM the box with the highest
confidence. Here any mmdet 3.x detector does it, as a pipeline step placed right after
``LoadImageFromFile``: it runs the detector on the image *file* through the detector's own test
pipeline (the preprocessing it was trained with, not SAM's resized input) and writes the selected
boxes, in original-image pixels, to ``results['prompts']``. ``DataSamplePrompt`` reads them from
the data sample's metainfo and maps them into the network input (``SampleFrame``: resize and any
flip), so the model itself does no file I/O.

The detector is built once per process, lazily at the first sample (dataloader workers build
their own), and is never part of the model. Raw detections are cached by the image file's sha256
and a hash of the detector (weights and config): in memory for the process, and optionally on
disk (``cache_dir``).
"""
import copy
import hashlib
import json
import logging
import os
import os.path as osp
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmcv.transforms import BaseTransform
from mmengine.config import Config
from mmengine.logging import MMLogger, print_log
from mmengine.registry import DefaultScope
from mmseg.registry import TRANSFORMS

from ...utils.weights_only import load_weights_only

#: (boxes (N, 4) xyxy in original-image pixels, scores (N, ), labels (N, ) detector classes)
Detections = Tuple[torch.Tensor, torch.Tensor, torch.Tensor]
DEVICES = ('cpu', 'cuda', 'auto')


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


def _require_checkpoint_file(path: str) -> None:
    if not osp.isfile(path):
        raise DetectorCheckpointError(
            f'Detector checkpoint not found: {path!r}. Pass the .pth file trained with the '
            'detector config (e.g. from the mmdet model zoo) as `checkpoint=`, or '
            'checkpoint=None for random weights.')


def read_detector_checkpoint(path: str, model: nn.Module) -> Dict[str, torch.Tensor]:
    """The state dict in ``path`` for ``model``, read with ``weights_only=True``.

    Accepts ``{'state_dict': ...}`` (mmengine) and bare state dicts; strips a ``module.`` prefix.
    Raises :class:`DetectorCheckpointError` (one line) on a missing, unreadable or unfitting file.
    """
    _require_checkpoint_file(path)
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


# -- devices ---------------------------------------------------------------------------------
def mmcv_has_cuda_ops() -> bool:
    """Whether mmcv's compiled ops (``mmcv._ext``: nms, roi_align, ...) were built with CUDA."""
    try:
        from mmcv.ops import get_compiling_cuda_version
        return get_compiling_cuda_version() not in ('', 'not available')
    except (ImportError, RuntimeError, AttributeError):
        return False


def resolve_device(device: str) -> Tuple[str, str]:
    """``(device, why)`` the detector runs on for the ``device`` argument.

    'cpu' and 'cuda[:N]' are taken as given ('cuda' needs torch's CUDA and mmcv's CUDA ops and
    says so in one line otherwise). 'auto' is CUDA only when torch can use it in this process
    (not a fork of a process that already initialised CUDA) and mmcv's ops have CUDA kernels;
    otherwise the CPU, with ``why`` naming the reason.
    """
    cuda_ok = torch.cuda.is_available()
    bad_fork = bool(getattr(torch.cuda, '_is_in_bad_fork', lambda: False)())
    if device == 'cpu':
        return 'cpu', ''
    if device == 'auto':
        if not cuda_ok:
            return 'cpu', 'torch has no usable CUDA device'
        if bad_fork:
            return 'cpu', ('this dataloader worker was forked after CUDA was initialised '
                           "(set env_cfg.mp_cfg.mp_start_method='spawn' to use CUDA in workers)")
        if not mmcv_has_cuda_ops():
            return 'cpu', "mmcv's compiled ops were built without CUDA"
        return 'cuda', ''
    if not cuda_ok or bad_fork:
        raise RuntimeError(f"DetectorBoxes(device={device!r}): CUDA is not usable in this "
                           'process (no device, or a dataloader worker forked after CUDA was '
                           "initialised); use device='auto' to fall back to the CPU.")
    if not mmcv_has_cuda_ops():
        raise RuntimeError(f"DetectorBoxes(device={device!r}): mmcv's compiled ops were built "
                           "without CUDA, so the detector's nms cannot run on the GPU; rebuild "
                           "mmcv with CUDA or use device='auto' (CPU fallback).")
    return device, ''


# -- the frozen detector, once per process ----------------------------------------------------
@dataclass
class FrozenDetector:
    """A built detector with its test pipeline; ``key`` hashes its weights and config."""
    model: nn.Module
    pipeline: Callable
    scope: str
    device: str
    key: str


_DETECTORS: Dict[tuple, FrozenDetector] = {}
_DIGESTS: Dict[Tuple[str, int, int], str] = {}
_MEMORY: 'OrderedDict[str, Detections]' = OrderedDict()
MEMORY_ENTRIES = 200_000  # raw detections kept in memory per process (LRU)


def _state_hash(model: nn.Module, cfg_hash: str) -> str:
    h = hashlib.sha256(cfg_hash.encode())
    for name, t in model.state_dict().items():
        t = t.detach().reshape(-1).contiguous().cpu()
        h.update(f'{name}{tuple(t.shape)}{t.dtype}'.encode())
        if t.numel():
            h.update(memoryview(t.view(torch.uint8).numpy()))
    return h.hexdigest()


def build_frozen_detector(cfg: Config, checkpoint: Optional[str], device: str,
                          seed: int = 0) -> FrozenDetector:
    """Build the detector and its test pipeline under mmdet's scope; load its weights.

    Random weights (``checkpoint=None``) are drawn from ``seed`` without touching the global
    random state, so every process builds the same detector.
    """
    from mmcv.transforms import Compose
    from mmengine.model.utils import revert_sync_batchnorm
    scope = cfg.get('default_scope', 'mmdet')
    with DefaultScope.overwrite_default_scope(scope), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
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
            print_log('DetectorBoxes: no detector checkpoint given, so the detector weights are '
                      'RANDOM and its boxes meaningless. Set checkpoint=/path/to/detector.pth '
                      'in the DetectorBoxes step of each pipeline.',
                      logger='current', level=logging.WARNING)
        else:
            model.load_state_dict(read_detector_checkpoint(checkpoint, model))
        steps = [dict(s) for s in get_test_pipeline_cfg(cfg) if 'LoadAnnotations' not in s['type']]
        pipeline = Compose(steps)
    model.cfg = cfg  # as mmdet's init_detector, so mmdet.apis work on it
    model.requires_grad_(False)
    model = model.eval().to(device)
    cfg_hash = hashlib.sha256(_config_text(cfg).encode()).hexdigest()
    return FrozenDetector(model, pipeline, scope, device, _state_hash(model, cfg_hash))


def _config_text(cfg: Config) -> str:
    return json.dumps(cfg.to_dict(), sort_keys=True, default=repr)


def file_digest(path: str) -> str:
    """sha256 (hex) of a file's content, memoised per (path, mtime, size) in the process."""
    st = os.stat(path)
    key = (osp.abspath(path), st.st_mtime_ns, st.st_size)
    if key not in _DIGESTS:
        h = hashlib.sha256()
        with open(path, 'rb') as f:
            for block in iter(lambda: f.read(1 << 20), b''):
                h.update(block)
        _DIGESTS[key] = h.hexdigest()
    return _DIGESTS[key]


def _check_detections(obj) -> Detections:
    """A cache entry as (boxes, scores, labels); ValueError when it is not one."""
    if not isinstance(obj, dict) or set(obj) != {'boxes', 'scores', 'labels'}:
        raise ValueError('not a dict of boxes, scores and labels')
    boxes, scores, labels = obj['boxes'], obj['scores'], obj['labels']
    if not all(isinstance(t, torch.Tensor) for t in (boxes, scores, labels)):
        raise ValueError('holds non-tensors')
    n = boxes.shape[0] if boxes.dim() == 2 and boxes.shape[1] == 4 else -1
    if n < 0 or scores.shape != (n, ) or labels.shape != (n, ):
        raise ValueError(f'shapes {tuple(boxes.shape)}, {tuple(scores.shape)}, '
                         f'{tuple(labels.shape)} do not fit (N, 4), (N, ), (N, )')
    return boxes.float(), scores.float(), labels.long()


@TRANSFORMS.register_module()
class DetectorBoxes(BaseTransform):
    """Box prompts from a frozen mmdet detector (AM-SAM's automated prompting).

    Place it right after ``LoadImageFromFile`` and add ``'prompts'`` to ``PackSegInputs``'
    ``meta_keys``; the model reads the boxes with ``DataSamplePrompt`` (e.g.
    ``LearnedEmbeddingPrompt(box_source=dict(type='DataSamplePrompt'))``).

    Per image, the detections that pass the filters are grouped by the segmentation class they
    prompt, and the ``topk`` highest-scoring boxes of each class become one box prompt each
    (the head merges prompts of one class by max). Written: ``results['prompts']`` =
    ``dict(boxes=(M, 4) float32 xyxy in original-image pixels (clipped to the image),
    classes=(M, ) int64)``; when ``results`` already holds prompts (a dict or a list of dicts),
    this dict is appended to them.

    Args:
        detector: mmdet config: a path, an ``'mmdet::...'`` name or a config dict.
        checkpoint: detector weights (``.pth``; ``{'state_dict': ...}`` or a bare state dict),
            read with ``weights_only=True``. None keeps random weights (a WARNING says so); they
            are drawn from ``seed``, so every process builds the same detector.
        target_class: segmentation class that receives the boxes.
        class_map: ``{detector label: segmentation class}``; overrides ``target_class``, and
            only the labels it names are kept (e.g. ``{0: 1}``: COCO's person prompts class 1).
            None (default): any detector class, as AM-SAM (its single most confident box).
        det_classes: keep only these detector labels (None: all).
        score_thr: keep detections with a score of at least this.
        topk: boxes per segmentation class and image (1: AM-SAM's single best box).
        fallback: when no box survives in an image, 'full_image' gives each target class a box
            over the whole image; 'none' gives no box (the model then predicts without a box:
            background with ``SAMHead``'s ``no_prompt_logit``, the learned prompt alone inside
            ``LearnedEmbeddingPrompt``).
        cache: run the detector once per image file (raw detections memoised by the file's
            sha256 and the detector's hash; ``self.hits`` / ``self.misses`` count lookups).
        cache_dir: also keep each image's raw detections as a file there (written atomically,
            read with ``weights_only=True``; a corrupt file is recomputed). Shared safely by
            processes and runs: keys include the detector's weights and config.
        device: where the detector runs: 'cpu' (default), 'cuda' (or 'cuda:N') or 'auto':
            CUDA when torch has a device and mmcv's ops were compiled with CUDA, else the CPU
            (the CPU-detector fallback; one log line says why).
        seed: random weights' seed (only with ``checkpoint=None``).
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
                 cache_dir: Optional[str] = None,
                 device: str = 'cpu',
                 seed: int = 0,
                 cfg_options: Optional[dict] = None) -> None:
        if fallback not in ('full_image', 'none'):
            raise ValueError(f"fallback must be 'full_image' or 'none', got {fallback!r}.")
        if int(topk) < 1:
            raise ValueError(f'topk must be at least 1, got {topk}.')
        if not isinstance(device, str) or not (device in DEVICES or device.startswith('cuda:')):
            raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got {device!r}.")
        if cache_dir is not None and not cache:
            raise ValueError('cache_dir needs cache=True (the on-disk cache is part of the cache).')
        self.target_class = int(target_class)
        self.class_map = None if class_map is None else {
            int(k): int(v) for k, v in dict(class_map).items()}
        if self.class_map is not None and not self.class_map:
            raise ValueError('class_map is empty: name at least one detector label, or use None.')
        self.det_classes = None if det_classes is None else [int(c) for c in det_classes]
        self.score_thr = float(score_thr)
        self.topk = int(topk)
        self.fallback = fallback
        self.cache = bool(cache)
        self.cache_dir = cache_dir
        self.device = device
        self.seed = int(seed)
        if checkpoint is not None:
            _require_checkpoint_file(checkpoint)  # now, not in a dataloader worker later
        self.checkpoint = checkpoint
        self.det_cfg = load_detector_config(detector, cfg_options)
        self._build_key = hashlib.sha256('\n'.join(
            (_config_text(self.det_cfg), repr(checkpoint), str(self.seed))).encode()).hexdigest()
        self.hits = self.misses = 0

    # -- the detector ------------------------------------------------------------------------
    @property
    def frozen(self) -> FrozenDetector:
        """This process's detector: built at the first use, shared by equal transforms."""
        mine = self.__dict__.get('_frozen')
        if mine is not None and mine[0] == os.getpid():
            return mine[1]
        ckpt = self.checkpoint
        st = os.stat(ckpt) if ckpt is not None and osp.isfile(ckpt) else None
        key = (os.getpid(), self._build_key, self.device, st and (st.st_mtime_ns, st.st_size))
        if key not in _DETECTORS:
            device, why = resolve_device(self.device)
            if why:
                print_log(f'DetectorBoxes(device={self.device!r}): the detector runs on the CPU: '
                          f'{why}.', logger='current', level=logging.INFO)
            _DETECTORS[key] = build_frozen_detector(self.det_cfg, ckpt, device, self.seed)
        self._frozen = (os.getpid(), _DETECTORS[key])
        return self._frozen[1]

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop('_frozen', None)  # a spawned worker builds its own detector
        return state

    @property
    def detector(self) -> nn.Module:
        return self.frozen.model

    @torch.no_grad()
    def detect(self, path: str) -> Detections:
        """Run the detector on one image file: CPU tensors boxes (N, 4) xyxy in original-image
        pixels, scores (N, ), labels (N, )."""
        det = self.frozen
        with DefaultScope.overwrite_default_scope(det.scope):
            data = det.pipeline(dict(img_path=path, img_id=0))
            batch = dict(inputs=[data['inputs']], data_samples=[data['data_samples']])
            pred = det.model.test_step(batch)[0].pred_instances
        return (pred.bboxes.float().cpu(), pred.scores.float().cpu(), pred.labels.long().cpu())

    # -- the cache ---------------------------------------------------------------------------
    def cache_key(self, path: str) -> str:
        """sha256 of the image file's content and the detector's weights and config."""
        return hashlib.sha256(f'{file_digest(path)}:{self.frozen.key}'.encode()).hexdigest()

    def _disk_path(self, key: str) -> str:
        return osp.join(self.cache_dir, key[:2], key + '.pt')

    def _read_disk(self, key: str) -> Optional[Detections]:
        path = self._disk_path(key)
        if not osp.isfile(path):
            return None
        try:
            return _check_detections(torch.load(path, map_location='cpu', weights_only=True))
        except Exception as e:  # unreadable, truncated or not an entry of ours
            reason = (str(e).splitlines() or [type(e).__name__])[0]
            print_log(f'DetectorBoxes: discarding corrupt detector cache entry {path} ({reason}); '
                      'running the detector again.', logger='current', level=logging.WARNING)
            try:
                os.remove(path)
            except OSError:
                pass
            return None

    def _write_disk(self, key: str, det: Detections) -> None:
        path = self._disk_path(key)
        os.makedirs(osp.dirname(path), exist_ok=True)
        tmp = f'{path}.{os.getpid()}.{uuid.uuid4().hex}.tmp'
        try:
            torch.save(dict(zip(('boxes', 'scores', 'labels'), det)), tmp)
            os.replace(tmp, path)  # atomic: readers see the old file or the whole new one
        finally:
            if osp.exists(tmp):
                os.remove(tmp)

    def detections(self, path: str) -> Detections:
        """Raw detections of an image file (cached: each distinct file runs once)."""
        if not self.cache:
            return self.detect(path)
        key = self.cache_key(path)
        found = _MEMORY.get(key)
        if found is None and self.cache_dir:
            found = self._read_disk(key)
            if found is not None:
                self._remember(key, found)
        if found is not None:
            _MEMORY.move_to_end(key)
            self.hits += 1
            return found
        self.misses += 1
        found = self.detect(path)
        self._remember(key, found)
        if self.cache_dir:
            self._write_disk(key, found)
        return found

    @staticmethod
    def _remember(key: str, det: Detections) -> None:
        _MEMORY[key] = det
        while len(_MEMORY) > MEMORY_ENTRIES:
            _MEMORY.popitem(last=False)

    def stats(self) -> str:
        total = self.hits + self.misses
        rate = 100.0 * self.hits / total if total else 0.0
        return (f'detector cache: {self.hits} hits / {self.misses} misses ({rate:.1f}% hits)'
                + (f', on disk in {self.cache_dir}' if self.cache_dir else ''))

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

    def boxes_for(self, path: str, ori_shape: Sequence[int]) -> dict:
        """The prompts dict of the image file ``path`` of size ``ori_shape`` (H, W)."""
        h, w = (float(v) for v in ori_shape[:2])
        boxes, classes = self.select(*self.detections(path))
        boxes = torch.stack([boxes[:, 0].clamp(0, w), boxes[:, 1].clamp(0, h),
                             boxes[:, 2].clamp(0, w), boxes[:, 3].clamp(0, h)], dim=1)
        if not len(boxes) and self.fallback == 'full_image':
            classes = torch.tensor(self.target_classes(), dtype=torch.long)
            boxes = torch.tensor([[0.0, 0.0, w, h]]).expand(len(classes), 4)
        return dict(boxes=boxes.numpy().astype(np.float32).reshape(-1, 4),
                    classes=classes.numpy().astype(np.int64))

    def transform(self, results: dict) -> dict:
        path = results.get('img_path')
        if not isinstance(path, str) or not osp.isfile(path):
            raise ValueError(f'DetectorBoxes runs the detector on the image file, but the sample '
                             f'has img_path={path!r}, which is not a file. Load images with '
                             'LoadImageFromFile from files and put DetectorBoxes after it.')
        if 'ori_shape' not in results:
            raise KeyError('DetectorBoxes needs ori_shape (the image size the boxes are clipped '
                           'to): place it after LoadImageFromFile.')
        prompts = self.boxes_for(path, results['ori_shape'])
        old = results.get('prompts')
        if old is None:
            results['prompts'] = prompts
        elif isinstance(old, dict):
            results['prompts'] = [old, prompts]
        elif isinstance(old, (list, tuple)):
            results['prompts'] = list(old) + [prompts]
        else:
            raise TypeError(f"results['prompts'] is a {type(old).__name__}; DetectorBoxes appends "
                            'to a dict or a list of dicts.')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(detector={self.det_cfg.filename or "<dict>"!r}, '
                f'checkpoint={self.checkpoint!r}, class_map={self.class_map}, '
                f'det_classes={self.det_classes}, target_class={self.target_class}, '
                f'score_thr={self.score_thr}, topk={self.topk}, fallback={self.fallback!r}, '
                f'device={self.device!r}, cache_dir={self.cache_dir!r})')
