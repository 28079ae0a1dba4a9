"""DetectorBoxes: a frozen mmdet detector (YOLOX-tiny, random weights) in the data pipeline gives
SAM box prompts, read by DataSamplePrompt and mapped into the network input by SampleFrame."""
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmcv.transforms import Compose as McvCompose
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope
from mmseg.registry import MODELS, TRANSFORMS
from segment_anything.modeling import PromptEncoder

from conftest import HUMAN, require_shared_data
from helpers import META_KEYS, LogCatcher, build_model, model_cfg, predict
from mmsam_prompt.datasets.transforms import detector_boxes as db
from mmsam_prompt.datasets.transforms import (DetectorBoxes, DetectorCheckpointError,
                                              load_detector_config, read_detector_checkpoint)
from mmsam_prompt.models.prompt_sources.base import PromptContext

YOLOX = 'mmdet::yolox/yolox_tiny_8xb8-300e_coco.py'
# 160 px instead of 416 keeps the detector fast on a CPU; score_thr 0 so that the random
# detector (mmdet's initialisation: class prior 0.01) still returns boxes.
SMALL = {'test_dataloader.dataset.pipeline.1.scale': (160, 160), 'model.test_cfg.score_thr': 0.0}
SIZE = 256  # the tiny SAM


def source(**kw) -> DetectorBoxes:
    kw.setdefault('cfg_options', SMALL)
    return TRANSFORMS.build(dict(type='DetectorBoxes', detector=YOLOX, **kw))


def image(i: int) -> str:
    require_shared_data()
    return osp.join(HUMAN, 'images', f'{i}.jpg')


@pytest.fixture(autouse=True)
def fresh_memory():
    """Each test starts with an empty in-memory detection cache (the detectors stay built)."""
    db._MEMORY.clear()
    yield
    db._MEMORY.clear()


@pytest.fixture(scope='module')
def encoder() -> PromptEncoder:
    torch.manual_seed(0)
    return PromptEncoder(embed_dim=256, image_embedding_size=(16, 16),
                         input_image_size=(SIZE, SIZE), mask_in_chans=16).eval()


@pytest.fixture(scope='module')
def data_prompt(encoder):
    """The model side: DataSamplePrompt as SAMHead builds it."""
    return MODELS.build(dict(type='DataSamplePrompt'), default_args=dict(
        img_size=SIZE, embed_size=(16, 16), prompt_encoder=encoder))


@pytest.fixture(scope='module')
def real():
    """YOLOX-tiny with random weights (one WARNING) as a pipeline step."""
    with LogCatcher() as log:
        t = source()
        t.detector  # built here, once per process
    t.random_detector_msgs = [m for m in log.msgs if 'detector weights are RANDOM' in m]
    return t


def pipe(boxes: DetectorBoxes, flip=None):
    """LoadImageFromFile -> DetectorBoxes -> SAM resize (256) -> [flip] -> pack with prompts."""
    steps = [TRANSFORMS.build(dict(type='LoadImageFromFile')), boxes,
             TRANSFORMS.build(dict(type='SAMResizeLongestSide', target_length=SIZE))]
    if flip:
        steps.append(TRANSFORMS.build(dict(type='RandomFlip', prob=1.0, direction=flip)))
    steps.append(TRANSFORMS.build(dict(type='PackSegInputs', meta_keys=META_KEYS)))
    return Compose(steps)


def packed(boxes: DetectorBoxes, path: str, flip=None):
    return pipe(boxes, flip)(dict(img_path=path, seg_fields=[], reduce_zero_label=False))


def prompt_batches(data_prompt, encoder, samples):
    ctx = PromptContext.from_batch(encoder, torch.zeros(len(samples), 256, 16, 16), samples)
    with torch.no_grad():
        return data_prompt(ctx)


def expected(encoder, boxes) -> torch.Tensor:
    with torch.no_grad():
        return encoder(points=None, boxes=torch.tensor(boxes, dtype=torch.float32), masks=None)[0]


def fake_file(tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(name.encode())  # distinct content: distinct cache key
    return str(path)


def inject(monkeypatch, src, dets):
    """Make ``src.detect`` return ``dets`` (boxes, scores, labels lists) and count its calls."""
    calls = []

    def detect(path):
        calls.append(path)
        return tuple(torch.tensor(x, dtype=dt) for x, dt in
                     zip(dets, (torch.float32, torch.float32, torch.long)))

    monkeypatch.setattr(src, 'detect', detect)
    return calls


def count(monkeypatch, src):
    """Count the real detector runs of ``src``."""
    calls, real_detect = [], src.detect
    monkeypatch.setattr(src, 'detect', lambda path: calls.append(path) or real_detect(path))
    return calls


def boxes_of(src, path, ori=(200, 300)):
    out = src(dict(img_path=path, ori_shape=ori))['prompts']
    assert out['boxes'].dtype == np.float32 and out['classes'].dtype == np.int64
    assert out['boxes'].shape == (len(out['classes']), 4)
    return out['boxes'].tolist(), out['classes'].tolist()


def mmdet_top_box(src, path: str) -> torch.Tensor:
    """The detector's best box (original pixels), run separately with mmdet's API."""
    from mmdet.apis import inference_detector
    from mmdet.utils import get_test_pipeline_cfg
    with DefaultScope.overwrite_default_scope('mmdet'):
        steps = [s for s in get_test_pipeline_cfg(src.det_cfg) if 'LoadAnnotations' not in s.type]
        pred = inference_detector(src.detector, path,
                                  test_pipeline=McvCompose(steps)).pred_instances
    assert len(pred) > 0
    return pred.bboxes[torch.sort(pred.scores, descending=True, stable=True).indices[0]]


def hand_mapped(src, path: str, ds) -> list:
    """The detector's best box scaled into the (unflipped) input frame and clipped, by hand."""
    (oh, ow), (ih, iw) = ds.ori_shape, ds.img_shape
    box = mmdet_top_box(src, path) * torch.tensor([iw / ow, ih / oh, iw / ow, ih / oh])
    size = torch.tensor([iw, ih, iw, ih], dtype=torch.float32)
    return torch.minimum(box.clamp(min=0), size).tolist()


# -- (1) the real detector end to end ---------------------------------------------------------
def test_real_detector_boxes_reach_sam(real, tiny_ckpt):
    """SAM with the pipeline's boxes equals the same SAM fed the detector's top box by hand."""
    assert len(real.random_detector_msgs) == 1, 'one warning about the random detector'
    assert DefaultScope.get_current_instance().scope_name == 'mmseg'  # mmdet's scope was temporary
    model = build_model(model_cfg('tiny', tiny_ckpt))  # DataSamplePrompt
    paths = [image(1), image(3)]
    data = [packed(real, p) for p in paths]
    with torch.no_grad():
        out = model.test_step(dict(inputs=[d['inputs'] for d in data],
                                   data_samples=[d['data_samples'] for d in data]))
    ref_items = []
    for path, d in zip(paths, data):
        box = mmdet_top_box(real, path)
        h, w = d['data_samples'].ori_shape
        box = torch.stack([box[0].clamp(0, w), box[1].clamp(0, h), box[2].clamp(0, w),
                           box[3].clamp(0, h)])
        prompts = d['data_samples'].metainfo['prompts']  # original pixels, as packed
        np.testing.assert_allclose(prompts['boxes'], [box.tolist()], rtol=0, atol=1e-4)
        assert prompts['classes'].tolist() == [1]
        ref_items.append(dict(img_path=path, prompts=dict(boxes=[box.tolist()])))
    ref = predict(model, SIZE, ref_items)
    for a, b in zip(out, ref):
        assert a.seg_logits.data.shape == b.seg_logits.data.shape == (2, ) + tuple(a.ori_shape)
        torch.testing.assert_close(a.seg_logits.data, b.seg_logits.data, atol=1e-4, rtol=1e-4)
    assert real.misses == 2


def test_real_detector_mapping_by_hand(real, data_prompt, encoder):
    """The prompt encoder gets the detector's best box scaled to the input frame and clipped."""
    path = image(2)
    ds = packed(real, path)['data_samples']
    assert tuple(ds.ori_shape) == (168, 299)  # 2.jpg is 299 x 168
    (batch, ) = prompt_batches(data_prompt, encoder, [ds])
    torch.testing.assert_close(batch.sparse, expected(encoder, [hand_mapped(real, path, ds)]),
                               atol=1e-4, rtol=1e-4)
    assert batch.class_idx.tolist() == [1] and batch.batch_idx.tolist() == [0]


# -- selection on detections whose content we control ----------------------------------------
DETS = ([[10, 20, 110, 120], [0, 0, 50, 50], [100, 50, 300, 200], [5, 5, 25, 45]],
        [0.9, 0.5, 0.7, 0.3],
        [0, 2, 0, 2])
B = DETS[0]


@pytest.mark.parametrize('kw, boxes, classes', [
    (dict(), [B[0]], [1]),  # the paper: the single best box
    (dict(topk=2), [B[0], B[2]], [1, 1]),
    (dict(topk=3, score_thr=0.6), [B[0], B[2]], [1, 1]),
    (dict(det_classes=[2], target_class=3), [B[1]], [3]),
    (dict(class_map={2: 1}, topk=5), [B[1], B[3]], [1, 1]),
    (dict(class_map={'0': 2, 2: 1}), [B[1], B[0]], [1, 2]),  # best per class
    (dict(class_map={0: 1, 2: 1}, det_classes=[2]), [B[1]], [1]),
])
def test_selection(monkeypatch, tmp_path, kw, boxes, classes):
    src = source(**kw)
    inject(monkeypatch, src, DETS)
    assert boxes_of(src, fake_file(tmp_path, 'a.jpg')) == (boxes, classes)


def test_best_box_of_any_class_by_default(monkeypatch, tmp_path):
    """AM-SAM: the single most confident box, whatever its detector class, prompts class 1."""
    src = TRANSFORMS.build(dict(type='DetectorBoxes', detector=YOLOX, cfg_options=SMALL))
    assert (src.class_map, src.det_classes, src.target_class, src.topk) == (None, None, 1, 1)
    dets = ([[1, 2, 30, 40], [50, 60, 150, 160], [7, 8, 9, 10]], [0.4, 0.8, 0.6], [0, 57, 3])
    inject(monkeypatch, src, dets)
    assert boxes_of(src, fake_file(tmp_path, 'a.jpg')) == ([[50, 60, 150, 160]], [1])


def test_boxes_clipped_to_the_original_image(monkeypatch, tmp_path):
    src = source(topk=2)
    inject(monkeypatch, src, ([[-5, 10, 350, 260], [20, -3, 40, 30]], [0.9, 0.8], [0, 0]))
    assert boxes_of(src, fake_file(tmp_path, 'a.jpg')) == (
        [[0, 10, 300, 200], [20, 0, 40, 30]], [1, 1])


def test_prompts_already_there_are_kept(monkeypatch, tmp_path):
    src = source()
    inject(monkeypatch, src, DETS)
    path = fake_file(tmp_path, 'a.jpg')
    points = dict(points=[[[5.0, 6.0]]], point_labels=[[1]])
    out = src(dict(img_path=path, ori_shape=(200, 300), prompts=points))['prompts']
    assert isinstance(out, list) and out[0] is points and out[1]['boxes'].tolist() == [B[0]]
    out = src(dict(img_path=path, ori_shape=(200, 300), prompts=[points, points]))['prompts']
    assert len(out) == 3 and out[2]['classes'].tolist() == [1]
    with pytest.raises(TypeError, match='appends'):
        src(dict(img_path=path, ori_shape=(200, 300), prompts='box'))


# -- (2) fallback ----------------------------------------------------------------------------
def test_fallback(monkeypatch, tmp_path):
    path = fake_file(tmp_path, 'a.jpg')
    full = source(score_thr=0.95, fallback='full_image', class_map={0: 1, 2: 2})
    inject(monkeypatch, full, DETS)
    assert boxes_of(full, path) == ([[0, 0, 300, 200]] * 2, [1, 2])
    none = source(score_thr=0.95, fallback='none')
    inject(monkeypatch, none, DETS)
    assert boxes_of(none, path) == ([], [])
    with pytest.raises(ValueError, match='fallback'):
        source(fallback='center')
    with pytest.raises(ValueError, match='topk'):
        source(topk=0)
    with pytest.raises(ValueError, match='class_map'):
        source(class_map={})


def test_fallback_none_predicts_background(real, tiny_ckpt):
    """No box survives -> no prompt -> the head predicts background everywhere."""
    model = build_model(model_cfg('tiny', tiny_ckpt))  # DataSamplePrompt, SAMHead
    none = source(score_thr=2.0, fallback='none')
    d = packed(none, image(4))
    assert d['data_samples'].metainfo['prompts']['boxes'].shape == (0, 4)
    with torch.no_grad():
        (res, ) = model.test_step(dict(inputs=[d['inputs']], data_samples=[d['data_samples']]))
    assert res.pred_sem_seg.data.sum() == 0


# -- (3) once per image; flips ----------------------------------------------------------------
def test_detector_runs_once_per_image_and_flips_mirror(monkeypatch, real, data_prompt, encoder):
    """One detector run per image file; DataSamplePrompt + SampleFrame mirror the boxes of a
    horizontally, vertically and diagonally flipped sample."""
    calls = count(monkeypatch, real)
    path = image(5)
    hits = real.hits
    first = packed(real, path)['data_samples']
    assert calls == [path] and tuple(first.ori_shape) == (198, 255)  # 5.jpg is 255 x 198
    flips = ('horizontal', 'vertical', 'diagonal')
    samples = [packed(real, path)['data_samples']] + [
        packed(real, path, flip)['data_samples'] for flip in flips]
    assert calls == [path], 'the detector ran again for a cached image'
    assert real.hits == hits + 4
    assert [s.flip_direction for s in samples[1:]] == list(flips) and all(
        s.flip for s in samples[1:])
    (one, ) = prompt_batches(data_prompt, encoder, [first])
    again, h, v, d = prompt_batches(data_prompt, encoder, samples)
    torch.testing.assert_close(again.sparse, one.sparse)
    ih, iw = first.img_shape
    x1, y1, x2, y2 = hand_mapped(real, path, first)
    for batch, box in [(one, [x1, y1, x2, y2]), (h, [iw - x2, y1, iw - x1, y2]),
                       (v, [x1, ih - y2, x2, ih - y1]), (d, [iw - x2, ih - y2, iw - x1, ih - y1])]:
        torch.testing.assert_close(batch.sparse, expected(encoder, [box]), atol=1e-4, rtol=1e-4)
    assert [b.batch_idx.tolist() for b in (again, h, v, d)] == [[0], [1], [2], [3]]


def test_duplicates_run_once(monkeypatch, tmp_path):
    src = source()
    calls = inject(monkeypatch, src, DETS)
    a, b = fake_file(tmp_path, 'a.jpg'), fake_file(tmp_path, 'b.jpg')
    copy_of_a = tmp_path / 'copy.jpg'
    copy_of_a.write_bytes(open(a, 'rb').read())  # same content, other name: same entry
    for path in (a, b, a, str(copy_of_a), b):
        boxes_of(src, path)
    assert calls == [a, b] and (src.hits, src.misses) == (3, 2)
    other = source()  # another pipeline of the process: same detector, same memory
    inject(monkeypatch, other, DETS)
    boxes_of(other, b)
    assert (other.hits, other.misses) == (1, 0)
    nocache = source(cache=False)
    calls = inject(monkeypatch, nocache, DETS)
    boxes_of(nocache, a)
    boxes_of(nocache, a)
    assert calls == [a, a]


def test_needs_the_image_file(tmp_path):
    src = source()
    for path in (None, str(tmp_path / 'missing.jpg')):
        with pytest.raises(ValueError, match='img_path'):
            src(dict(img_path=path, ori_shape=(8, 8)))
    with pytest.raises(KeyError, match='LoadImageFromFile'):
        src(dict(img_path=fake_file(tmp_path, 'a.jpg')))


# -- on-disk cache ---------------------------------------------------------------------------
def test_disk_cache_round_trip_and_corrupt_entries(monkeypatch, tmp_path):
    cache_dir = tmp_path / 'det_cache'
    path = image(7)
    src = source(cache_dir=str(cache_dir))
    calls = count(monkeypatch, src)
    fresh = boxes_of(src, path, ori=_ori(path))
    assert calls == [path]
    (entry, ) = [osp.join(d, f) for d, _, fs in os.walk(cache_dir) for f in fs]
    assert osp.basename(entry) == src.cache_key(path) + '.pt'
    # a new process (an empty memory) reads the entry back, with weights_only=True
    db._MEMORY.clear()
    loads = []
    real_load = torch.load
    monkeypatch.setattr(torch, 'load', lambda *a, **k: loads.append(k) or real_load(*a, **k))
    again = source(cache_dir=str(cache_dir))
    again_calls = count(monkeypatch, again)
    assert boxes_of(again, path, ori=_ori(path)) == fresh
    assert again_calls == [] and (again.hits, again.misses) == (1, 0)
    assert loads and all(k.get('weights_only') is True for k in loads)
    # corrupt entries: truncated bytes, and a file that is not one of ours
    torch.save({'boxes': 'not a tensor', 'scores': 1, 'labels': 2}, tmp_path / 'odd.pt')
    for content in (b'\x00garbage', (tmp_path / 'odd.pt').read_bytes()):
        with open(entry, 'wb') as f:
            f.write(content)
        db._MEMORY.clear()
        with LogCatcher() as log:
            assert boxes_of(again, path, ori=_ori(path)) == fresh
        said = [m for m in log.msgs if 'corrupt' in m]
        assert len(said) == 1 and entry in said[0] and '\n' not in said[0], log.msgs
        assert again_calls == [path]
        again_calls.clear()
        assert db._check_detections(real_load(entry, weights_only=True))  # rewritten whole
    assert not [f for _, _, fs in os.walk(cache_dir) for f in fs if f.endswith('.tmp')]
    with pytest.raises(ValueError, match='cache_dir'):
        source(cache=False, cache_dir=str(cache_dir))


def _ori(path):
    import mmcv
    return mmcv.imread(path).shape[:2]


# -- workers and devices ---------------------------------------------------------------------
def _first(batch):
    return batch[0]


class Files(torch.utils.data.Dataset):

    def __init__(self, paths, steps):
        self.paths, self.steps = paths, steps

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        out = self.steps(dict(img_path=self.paths[i]))
        return out['prompts']['boxes']


def test_built_lazily_once_per_process(real):
    """Nothing is built until the first sample; a dataloader worker builds its own detector,
    the same one (random weights come from ``seed``), and pickling leaves the detector out."""
    src = source(seed=3)
    mine = [k for k in db._DETECTORS if k[:2] == (os.getpid(), src._build_key)]
    assert not mine, 'built before the first sample'
    assert '_frozen' not in pickle.loads(pickle.dumps(src)).__dict__
    paths = [image(8), image(9)]
    steps = Compose([TRANSFORMS.build(dict(type='LoadImageFromFile')), src])
    loader = torch.utils.data.DataLoader(Files(paths, steps), batch_size=1, num_workers=1,
                                         collate_fn=_first, multiprocessing_context='fork',
                                         timeout=300)
    from_worker = list(loader)
    assert not [k for k in db._DETECTORS if k[:2] == (os.getpid(), src._build_key)], \
        'the worker built the detector, not this process'
    assert src.misses == 0  # counted in the worker
    here = [steps(dict(img_path=p))['prompts']['boxes'] for p in paths]
    for a, b in zip(from_worker, here):  # the same detector (a worker's 1 thread sums in
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-3)  # another order: float noise)
    assert not all(np.array_equal(a, real(dict(img_path=p, ori_shape=_ori(p)))['prompts']['boxes'])
                   for a, p in zip(here, paths)), 'seed 3 should give another random detector'


def test_device_cpu_fallback(monkeypatch, tmp_path):
    """'auto' runs the detector on the CPU when mmcv's ops lack CUDA (forced here), and gives
    the CPU's detections; 'cuda' without CUDA is one clear error."""
    assert isinstance(db.mmcv_has_cuda_ops(), bool)
    with pytest.raises(ValueError, match='device'):
        source(device='gpu')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    assert db.resolve_device('auto') == ('cpu', 'torch has no usable CUDA device')
    assert db.resolve_device('cpu') == ('cpu', '')
    with pytest.raises(RuntimeError, match="device='auto'"):
        db.resolve_device('cuda')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(db, 'mmcv_has_cuda_ops', lambda: True)
    assert db.resolve_device('auto') == ('cuda', '')
    monkeypatch.setattr(db, 'mmcv_has_cuda_ops', lambda: False)
    device, why = db.resolve_device('auto')
    assert device == 'cpu' and 'mmcv' in why
    with pytest.raises(RuntimeError, match='without CUDA') as err:
        db.resolve_device('cuda:0')
    assert '\n' not in str(err.value)
    auto = source(device='auto')
    with LogCatcher() as log:
        assert next(auto.detector.parameters()).device.type == 'cpu'
    assert [m for m in log.msgs if 'runs on the CPU' in m and 'mmcv' in m]
    path = image(6)
    got = auto.detect(path)
    for a, b in zip(got, source(device='cpu').detect(path)):
        assert torch.equal(a, b)


class NotATensor:
    """An object that ``torch.load(weights_only=True)`` refuses."""


# -- (4) checkpoints --------------------------------------------------------------------------
@pytest.fixture(scope='module')
def det_ckpt(tmp_path_factory):
    """Random detector weights (seed 1) saved as an mmengine checkpoint (module. prefixed)."""
    src = source(seed=1)
    path = tmp_path_factory.mktemp('det') / 'yolox_random.pth'
    state = {'module.' + k: v for k, v in src.detector.state_dict().items()}
    torch.save({'meta': {'epoch': 1}, 'state_dict': state}, path)
    return src, str(path)


def test_valid_checkpoint_gives_identical_detections(det_ckpt, real, tmp_path, monkeypatch):
    src, path = det_ckpt
    loads = []
    real_load = torch.load
    monkeypatch.setattr(torch, 'load', lambda *a, **k: loads.append(k) or real_load(*a, **k))
    with LogCatcher() as log:
        loaded = source(checkpoint=path)  # seed 0, but the checkpoint's weights
        loaded.detector
    assert loads and all(k.get('weights_only') is True for k in loads)
    assert not [m for m in log.msgs if 'RANDOM' in m]
    bare = tmp_path / 'bare.pth'
    torch.save(src.detector.state_dict(), bare)
    want = src.detect(image(6))
    for other in (loaded, source(checkpoint=str(bare))):
        for a, b in zip(want, other.detect(image(6))):
            assert torch.equal(a, b)
    assert not all(torch.equal(a, b) for a, b in zip(want, real.detect(image(6))))
    cfg = load_detector_config(YOLOX, SMALL)
    assert cfg.model.test_cfg.score_thr == 0.0
    assert set(read_detector_checkpoint(path, src.detector)) == set(src.detector.state_dict())


def test_checkpoint_errors(det_ckpt, tmp_path):
    src, path = det_ckpt
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(open(path, 'rb').read()[:5000])
    wrong = tmp_path / 'wrong.pth'
    torch.save({'state_dict': {'image_encoder.pos_embed': torch.zeros(1)}}, wrong)
    state = src.detector.state_dict()
    key = 'bbox_head.multi_level_conv_cls.0.weight'
    shape = tmp_path / 'shape.pth'
    torch.save(dict(state, **{key: state[key][:10]}), shape)  # 10 classes instead of 80
    partial = tmp_path / 'partial.pth'
    torch.save({k: v for k, v in state.items() if not k.startswith('bbox_head.')}, partial)
    pickled = tmp_path / 'pickled.pth'
    torch.save({'state_dict': state, 'meta': NotATensor()}, pickled)
    cases = [(tmp_path / 'missing.pth', 'not found'), (truncated, 'truncated or corrupt'),
             (wrong, 'no weights of this detector'), (shape, 'other shapes'),
             (partial, '90 missing'), (pickled, 'weights_only=True')]
    for file, what in cases:
        with pytest.raises(DetectorCheckpointError) as err:
            source(checkpoint=str(file)).detector  # missing: at construction; others: at build
        msg = str(err.value)
        assert what in msg and str(file) in msg and '\n' not in msg, msg


# -- (5) frozen and outside the model --------------------------------------------------------
def test_detector_frozen_and_not_in_the_model(real, tiny_ckpt):
    """The detector lives in the data pipeline: frozen, in eval mode, and no part of the model
    (AM-SAM's LearnedEmbeddingPrompt reads its boxes with DataSamplePrompt)."""
    det = real.detector
    assert not det.training and not any(m.training for m in det.modules())
    assert not any(p.requires_grad for p in det.parameters())
    prompt = dict(type='LearnedEmbeddingPrompt', box_source=dict(type='DataSamplePrompt'))
    model = build_model(model_cfg('tiny', tiny_ckpt, prompt_source=prompt))
    plain = build_model(model_cfg('tiny', tiny_ckpt, prompt_source=dict(
        type='LearnedEmbeddingPrompt')))
    assert list(model.state_dict()) == list(plain.state_dict())
    own = {id(p) for p in model.parameters()}
    assert not any(id(p) in own for p in det.parameters())
    assert not any(type(m).__module__.startswith('mmdet') for m in model.modules())
