"""DetectorBoxPrompt: a frozen mmdet detector (YOLOX-tiny, random weights) gives SAM box prompts."""
import os.path as osp

import pytest
import torch
from mmcv.transforms import Compose
from mmengine.registry import DefaultScope
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from segment_anything.modeling import PromptEncoder

from conftest import HUMAN, require_shared_data
from helpers import LogCatcher, build_model, model_cfg, predict
from mmsam_prompt.models.prompts.detector_box_prompt import (DetectorBoxPrompt,
                                                             DetectorCheckpointError)

YOLOX = 'mmdet::yolox/yolox_tiny_8xb8-300e_coco.py'
# 160 px instead of 416 keeps the detector fast on a CPU; score_thr 0 so that the random
# detector (mmdet's initialisation: class prior 0.01) still returns boxes.
SMALL = {'test_dataloader.dataset.pipeline.1.scale': (160, 160), 'model.test_cfg.score_thr': 0.0}
SIZE = 256  # the tiny SAM


def source(**kw) -> DetectorBoxPrompt:
    kw.setdefault('cfg_options', SMALL)
    return MODELS.build(dict(type='DetectorBoxPrompt', detector=YOLOX, **kw))


def image(i: int) -> str:
    require_shared_data()
    return osp.join(HUMAN, 'images', f'{i}.jpg')


@pytest.fixture(scope='module')
def encoder() -> PromptEncoder:
    torch.manual_seed(0)
    return PromptEncoder(embed_dim=256, image_embedding_size=(16, 16),
                         input_image_size=(SIZE, SIZE), mask_in_chans=16).eval()


@pytest.fixture(scope='module')
def det_model(tiny_ckpt):
    """Tiny SAM whose prompts come from YOLOX-tiny."""
    torch.manual_seed(0)
    prompt = dict(type='DetectorBoxPrompt', detector=YOLOX, cfg_options=SMALL, checkpoint=None)
    with LogCatcher() as log:
        model = build_model(model_cfg('tiny', tiny_ckpt, prompt_source=prompt))
    model.random_detector_msgs = [m for m in log.msgs if 'detector weights are RANDOM' in m]
    return model


def sample(path: str, ori=(200, 300), flip=None) -> SegDataSample:
    """A data sample of an image of size ``ori`` resized for SAM at 256 px."""
    scale = SIZE / max(ori)
    img_shape = (int(ori[0] * scale + 0.5), int(ori[1] * scale + 0.5))
    return SegDataSample(metainfo=dict(img_path=path, ori_shape=ori, img_shape=img_shape,
                                       batch_input_shape=(SIZE, SIZE), flip=flip is not None,
                                       flip_direction=flip))


def fake_file(tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(name.encode())  # distinct content: distinct cache key
    return str(path)


def inject(monkeypatch, src, dets):
    """Make ``src.detect`` return ``dets`` (boxes, scores, labels lists) and count its calls."""
    calls = []

    def detect(paths):
        calls.extend(paths)
        return [tuple(torch.tensor(x, dtype=dt) for x, dt in
                      zip(dets, (torch.float32, torch.float32, torch.long))) for _ in paths]

    monkeypatch.setattr(src, 'detect', detect)
    return calls


def run(src, encoder, samples):
    emb = torch.zeros(len(samples), 256, 16, 16)
    with torch.no_grad():
        return src(encoder, emb, samples)


def expected(encoder, boxes) -> torch.Tensor:
    with torch.no_grad():
        return encoder(points=None, boxes=torch.tensor(boxes, dtype=torch.float32), masks=None)[0]


def mmdet_top_box(src, path: str) -> torch.Tensor:
    """The detector's best box (original pixels, clipped), run separately with mmdet's API."""
    from mmdet.apis import inference_detector
    from mmdet.utils import get_test_pipeline_cfg
    with DefaultScope.overwrite_default_scope('mmdet'):
        steps = [s for s in get_test_pipeline_cfg(src.det_cfg) if 'LoadAnnotations' not in s.type]
        pred = inference_detector(src.detector, path, test_pipeline=Compose(steps)).pred_instances
    assert len(pred) > 0
    return pred.bboxes[torch.sort(pred.scores, descending=True, stable=True).indices[0]]


def hand_mapped(src, path: str, ds: SegDataSample) -> list:
    """The detector's best box scaled into the (unflipped) input frame and clipped, by hand."""
    (oh, ow), (ih, iw) = ds.ori_shape, ds.img_shape
    box = mmdet_top_box(src, path) * torch.tensor([iw / ow, ih / oh, iw / ow, ih / oh])
    size = torch.tensor([iw, ih, iw, ih], dtype=torch.float32)
    return torch.minimum(box.clamp(min=0), size).tolist()


# -- (1) the real detector end to end ---------------------------------------------------------
def test_real_detector_boxes_reach_sam(det_model, tiny_ckpt):
    """Same SAM fed the detector's top box by hand (DataSamplePrompt) gives the same logits."""
    src = det_model.decode_head.prompt_source
    assert len(det_model.random_detector_msgs) == 1, 'one warning about the random detector'
    assert DefaultScope.get_current_instance().scope_name == 'mmseg'  # mmdet's scope was temporary
    items = [dict(img_path=image(i)) for i in (1, 3)]
    out = predict(det_model, SIZE, items)
    ref_model = build_model(model_cfg('tiny', tiny_ckpt))  # DataSamplePrompt, same SAM weights
    ref_items = []
    for item, res in zip(items, out):
        box = mmdet_top_box(src, item['img_path'])
        h, w = res.ori_shape
        box = torch.stack([box[0].clamp(0, w), box[1].clamp(0, h), box[2].clamp(0, w),
                           box[3].clamp(0, h)])
        ref_items.append(dict(item, prompts=dict(boxes=[box.tolist()])))
    ref = predict(ref_model, SIZE, ref_items)
    for a, b in zip(out, ref):
        assert a.seg_logits.data.shape == b.seg_logits.data.shape == (2, ) + tuple(a.ori_shape)
        torch.testing.assert_close(a.seg_logits.data, b.seg_logits.data, atol=1e-4, rtol=1e-4)
    assert src.cache.misses == 2


def test_real_detector_mapping_by_hand(det_model, encoder):
    """The prompt encoder gets the detector's best box scaled to the input frame and clipped."""
    src = det_model.decode_head.prompt_source
    path = image(2)
    ds = sample(path, ori=(168, 299))  # 2.jpg is 299 x 168
    (batch, ) = run(src, encoder, [ds])
    torch.testing.assert_close(batch.sparse, expected(encoder, [hand_mapped(src, path, ds)]))
    assert batch.class_idx.tolist() == [1] and batch.batch_idx.tolist() == [0]


# -- selection on detections whose content we control ----------------------------------------
DETS = ([[10, 20, 110, 120], [0, 0, 50, 50], [100, 50, 300, 200], [5, 5, 25, 45]],
        [0.9, 0.5, 0.7, 0.3],
        [0, 2, 0, 2])
SCALE = (256 / 300, 171 / 200, 256 / 300, 171 / 200)  # ori (200, 300) -> img_shape (171, 256)


def scaled(*boxes):
    """Boxes in original pixels of a (200, 300) image -> the input frame, clipped."""
    return [[min(v * s, lim) for v, s, lim in zip(b, SCALE, (256, 171, 256, 171))] for b in boxes]


@pytest.mark.parametrize('kw, boxes, classes', [
    (dict(), scaled(DETS[0][0]), [1]),  # the paper: the single best box
    (dict(topk=2), scaled(DETS[0][0], DETS[0][2]), [1, 1]),
    (dict(topk=3, score_thr=0.6), scaled(DETS[0][0], DETS[0][2]), [1, 1]),
    (dict(det_classes=[2], target_class=3), scaled(DETS[0][1]), [3]),
    (dict(class_map={2: 1}, topk=5), scaled(DETS[0][1], DETS[0][3]), [1, 1]),
    (dict(class_map={'0': 2, 2: 1}), scaled(DETS[0][1], DETS[0][0]), [1, 2]),  # best per class
    (dict(class_map={0: 1, 2: 1}, det_classes=[2]), scaled(DETS[0][1]), [1]),
])
def test_selection(monkeypatch, tmp_path, encoder, kw, boxes, classes):
    src = source(**kw)
    inject(monkeypatch, src, DETS)
    (batch, ) = run(src, encoder, [sample(fake_file(tmp_path, 'a.jpg'))])
    assert batch.class_idx.tolist() == classes
    torch.testing.assert_close(batch.sparse, expected(encoder, boxes))


# -- (2) fallback ----------------------------------------------------------------------------
def test_fallback(monkeypatch, tmp_path, encoder):
    path = fake_file(tmp_path, 'a.jpg')
    full = source(score_thr=0.95, fallback='full_image', class_map={0: 1, 2: 2})
    inject(monkeypatch, full, DETS)
    (batch, ) = run(full, encoder, [sample(path)])
    assert batch.class_idx.tolist() == [1, 2]
    torch.testing.assert_close(batch.sparse, expected(encoder, [[0, 0, 256, 171]] * 2))
    none = source(score_thr=0.95, fallback='none')
    inject(monkeypatch, none, DETS)
    assert run(none, encoder, [sample(path)]) == []
    with pytest.raises(ValueError, match='fallback'):
        source(fallback='center')


def test_fallback_none_predicts_background(det_model):
    """No box survives -> no prompt -> the head predicts background everywhere."""
    src = det_model.decode_head.prompt_source
    src.score_thr, src.fallback = 2.0, 'none'
    try:
        (res, ) = predict(det_model, SIZE, [dict(img_path=image(4))])
    finally:
        src.score_thr, src.fallback = 0.0, 'full_image'
    assert res.pred_sem_seg.data.sum() == 0


# -- (3) once per image; flips ----------------------------------------------------------------
def test_detector_runs_once_per_image_and_flip_mirrors(monkeypatch, det_model, encoder):
    src = det_model.decode_head.prompt_source
    calls = []
    real = src.detect
    monkeypatch.setattr(src, 'detect', lambda paths: calls.extend(paths) or real(paths))
    path = image(5)
    ori = (183, 275)  # 5.jpg is 275 x 183
    hits = src.cache.hits
    (first, ) = run(src, encoder, [sample(path, ori)])
    assert calls == [path]
    samples = [sample(path, ori), sample(path, ori, 'horizontal'), sample(path, ori, 'vertical')]
    (again, flipped, vflipped) = run(src, encoder, samples)
    assert calls == [path], 'the detector ran again for a cached image'
    assert src.cache.hits == hits + 3
    torch.testing.assert_close(again.sparse, first.sparse)
    ih, iw = sample(path, ori).img_shape
    x1, y1, x2, y2 = hand_mapped(src, path, sample(path, ori))
    torch.testing.assert_close(first.sparse, expected(encoder, [[x1, y1, x2, y2]]))
    torch.testing.assert_close(flipped.sparse, expected(encoder, [[iw - x2, y1, iw - x1, y2]]))
    torch.testing.assert_close(vflipped.sparse, expected(encoder, [[x1, ih - y2, x2, ih - y1]]))


def test_duplicates_in_a_batch_run_once(monkeypatch, tmp_path, encoder):
    src = source()
    calls = inject(monkeypatch, src, DETS)
    a, b = fake_file(tmp_path, 'a.jpg'), fake_file(tmp_path, 'b.jpg')
    out = run(src, encoder, [sample(a), sample(b), sample(a, flip='horizontal')])
    assert sorted(calls) == sorted([a, b]) and len(out) == 3
    run(src, encoder, [sample(b), sample(a)])
    assert len(calls) == 2 and (src.cache.hits, src.cache.misses) == (2, 3)
    nocache = source(cache=False)
    calls = inject(monkeypatch, nocache, DETS)
    run(nocache, encoder, [sample(a)])
    run(nocache, encoder, [sample(a)])
    assert calls == [a, a]


def test_needs_image_file(encoder):
    src = source()
    with pytest.raises(ValueError, match='img_path'):
        run(src, encoder, [SegDataSample(metainfo=dict(img_shape=(8, 8), ori_shape=(8, 8)))])


class NotATensor:
    """An object that ``torch.load(weights_only=True)`` refuses."""


# -- (4) checkpoints --------------------------------------------------------------------------
@pytest.fixture(scope='module')
def det_ckpt(tmp_path_factory):
    """A random detector and its weights saved as an mmengine checkpoint (module. prefixed)."""
    torch.manual_seed(1)
    src = source()
    path = tmp_path_factory.mktemp('det') / 'yolox_random.pth'
    state = {'module.' + k: v for k, v in src.detector.state_dict().items()}
    torch.save({'meta': {'epoch': 1}, 'state_dict': state}, path)
    return src, str(path)


def test_valid_checkpoint_gives_identical_detections(det_ckpt, tmp_path, monkeypatch):
    src, path = det_ckpt
    loads = []
    real_load = torch.load
    monkeypatch.setattr(torch, 'load', lambda *a, **k: loads.append(k) or real_load(*a, **k))
    torch.manual_seed(2)  # another random init, overwritten by the checkpoint
    with LogCatcher() as log:
        loaded = source(checkpoint=path)
    assert loads and all(k.get('weights_only') is True for k in loads)
    assert not [m for m in log.msgs if 'RANDOM' in m]
    bare = tmp_path / 'bare.pth'
    torch.save(src.detector.state_dict(), bare)
    for other in (loaded, source(checkpoint=str(bare))):
        for a, b in zip(src.detect([image(6)])[0], other.detect([image(6)])[0]):
            assert torch.equal(a, b)


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
            source(checkpoint=str(file))
        msg = str(err.value)
        assert what in msg and str(file) in msg and '\n' not in msg, msg


# -- (5) frozen and outside the state dict ---------------------------------------------------
def test_detector_frozen_and_not_in_state_dict(det_model, tiny_ckpt):
    src = det_model.decode_head.prompt_source
    plain = build_model(model_cfg('tiny', tiny_ckpt))  # the same SAM with DataSamplePrompt
    assert list(det_model.state_dict()) == list(plain.state_dict())
    own = {id(p) for p in det_model.parameters()}
    assert not any(id(p) in own for p in src.detector.parameters())
    det_model.train()
    try:
        assert det_model.training and src.training and not src.detector.training
        assert not any(m.training for m in src.detector.modules())
        assert not any(p.requires_grad for p in src.detector.parameters())
    finally:
        det_model.eval()
