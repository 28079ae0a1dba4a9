"""SSPrompt, the paper's model: N spatial prompts -> N masks classified by K semantic prompts.

Eq. 2 (default grid over each image's valid region, single-point parity with SamPredictor),
Eq. 4 / 6 (fusion: w in [0, 1], its gradient once P moves, the additive reading), Eq. 1 / 8
(class confidences from the mask output tokens, semantic inference, cross-entropy), only the
prompts, the weights and the map G train, learning, Fig. 3b, chunked decoding, the per-class
option.
"""
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmseg.models.text_encoder import CLIPTextEncoder
from mmseg.registry import MODELS
from segment_anything import SamPredictor
from segment_anything.modeling import PromptEncoder

from conftest import HUMAN, require_shared_data
from helpers import (CAMVID_CLASSES, REPO, assert_gradients_only_in, build_model, pipeline,
                     tiny_camvid_cfg)
from helpers import square_sample as sample
from mmsam_prompt.models.decode_heads.semantic_inference import semantic_inference
from mmsam_prompt.models.prompt_common.fusion import PromptFusion
from mmsam_prompt.models.prompt_learners import SpaPrompt, VSPLPrompt
from mmsam_prompt.models.prompt_sources import PromptContext
from mmsam_prompt.models.checkpoints.sam_checkpoint import resize_image_encoder_weights
from mmsam_prompt.models.sam.reference_sam import build_reference_sam
from mmsam_prompt.structures import SampleFrame

CLASSES = CAMVID_CLASSES
PREFIX = 'decode_head.prompt_source.'
LEARNED = {PREFIX + n for n in (
    'spatial.fusion.weight_logit', 'spatial.fusion.embedding', 'semantic.fusion.weight_logit',
    'semantic.fusion.embedding', 'token_to_text.weight', 'token_to_text.bias')}


def ssprompt_cfg(ckpt, name='ssprompt', classes=CLASSES, num_points=16, **semantic):
    return tiny_camvid_cfg(name, ckpt, classes, num_points=num_points, **semantic)


def random_batch(num_classes=11, seed=0):
    gt = np.random.default_rng(seed).integers(0, num_classes, (256, 256))
    return torch.randn(2, 3, 256, 256), [sample(gt), sample(gt[::-1].copy())]


def backward(model, x, samples):
    model.zero_grad()
    losses = model.loss(x, samples)
    sum(v for k, v in losses.items() if 'loss' in k).backward()


def test_only_prompts_weights_and_the_map_train_and_w_moves_once_p_has(tiny_ckpt, monkeypatch):
    model = build_model(ssprompt_cfg(tiny_ckpt)).train()
    assert not any(isinstance(m, CLIPTextEncoder) for m in model.modules())
    calls = []
    monkeypatch.setattr(CLIPTextEncoder, 'template_encode', lambda *a: calls.append(a))
    monkeypatch.setattr(CLIPTextEncoder, 'forward', lambda *a: calls.append(a))
    assert {n for n, p in model.named_parameters() if p.requires_grad} == LEARNED
    x, samples = random_batch()
    backward(model, x, samples)
    for n, p in model.named_parameters():  # P = E at the start: d new / d w = E - P = 0
        if 'weight_logit' in n:
            assert torch.equal(p.grad, torch.zeros_like(p)), n
        elif n in LEARNED:  # while P and G already learn
            assert p.grad is not None and p.grad.abs().sum() > 0, n
        else:
            assert p.grad is None, n
    with torch.no_grad():  # one plain SGD step moves P away from E ...
        for p in model.parameters():
            if p.grad is not None:
                p -= 10.0 * p.grad
    backward(model, x, samples)
    assert calls == []
    assert_gradients_only_in(model, LEARNED)  # ... and now every w has a gradient too


def test_fusion_readings_modes_and_weights_in_the_unit_interval():
    torch.manual_seed(0)
    e = torch.randn(5, 8)
    convex = PromptFusion(5, 8, e, 'weighted')
    torch.testing.assert_close(convex(), e)  # starts at the default prompts
    torch.testing.assert_close(convex.weights, torch.full((5, ), 0.5))
    with torch.no_grad():
        convex.embedding.add_(torch.randn(5, 8))
        convex.weight_logit.copy_(torch.tensor([-1e4, -3.0, 0.0, 3.0, 1e4]))  # a huge step
    w = convex.weights
    assert ((w >= 0) & (w <= 1)).all() and w[0] == 0 and w[-1] == 1
    torch.testing.assert_close(convex(), w[:, None] * e + (1 - w[:, None]) * convex.embedding)
    # 'average' is the convex fusion with w fixed at 0.5 (Table 5, "averaged"); 'default' is E
    average = PromptFusion(5, 8, e, 'average')
    with torch.no_grad():
        average.embedding.add_(1.0)
    torch.testing.assert_close(average(), (e + average.embedding) / 2)
    assert [n for n, _ in average.named_parameters()] == ['embedding']
    default = PromptFusion(5, 8, e, 'default')
    assert torch.equal(default(), e) and not list(default.parameters())
    # defaults given per call (spatial prompts): P = E + offset starts at every call's own E
    per_call = PromptFusion(5, 8, None, 'weighted')
    e2 = torch.randn(3, 5, 8)
    torch.testing.assert_close(per_call(e2), e2)
    a, b = per_call.affine()
    torch.testing.assert_close(a[:, None] * e2 + b, per_call(e2))
    # additive reading: new = w E + P from w = 1, P = 0, and w has a gradient from the start
    additive = PromptFusion(5, 8, e, 'weighted', reading='additive')
    torch.testing.assert_close(additive(), e)
    (additive() * torch.randn(5, 8)).sum().backward()
    assert (additive.weight.grad != 0).all()


@pytest.mark.parametrize('kwargs,match', [
    (dict(mode='learned'), 'prompt mode must be one of'),
    (dict(reading='multiplicative'), 'fusion reading must be one of'),
    (dict(weight_init=1.0), r'keeps w in \(0, 1\)'),
])
def test_bad_fusion_arguments_are_one_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PromptFusion(2, 3, torch.zeros(2, 3), **kwargs)


def frames_context(shapes, size=256):
    torch.manual_seed(0)
    pe = PromptEncoder(embed_dim=256, image_embedding_size=(size // 16, ) * 2,
                       input_image_size=(size, size), mask_in_chans=16).requires_grad_(False)
    frames = [SampleFrame(s, s) for s in shapes]
    return pe, PromptContext(pe, (len(shapes), 256, size // 16, size // 16),
                             torch.device('cpu'), frames, [])


def test_grid_points_never_lie_on_the_padding():
    shapes = [(96, 256), (256, 40), (256, 256), (171, 229)]  # valid regions inside a 256 input
    pe, ctx = frames_context(shapes)
    args = dict(img_size=256, embed_size=(16, 16), prompt_encoder=pe)
    spa, vspl = SpaPrompt(num_points=100, **args), VSPLPrompt(num_points=100, **args)
    with torch.no_grad():  # push VSPL's points far out on every side
        vspl.coord_logits.copy_(torch.randn(100, 2) * 1e3)
    for xy in (spa.default_points(ctx), vspl.coords(ctx)):
        assert xy.shape == (4, 100, 2)
        for (h, w), pts in zip(shapes, xy):
            assert (pts[:, 0] >= 0).all() and (pts[:, 0] <= w).all(), (h, w)
            assert (pts[:, 1] >= 0).all() and (pts[:, 1] <= h).all(), (h, w)
    grid = spa.default_points(ctx)
    for (h, w), pts in zip(shapes, grid):  # strictly inside, spread over the whole region
        assert (pts[:, 0] > 0).all() and (pts[:, 0] < w).all()
        assert pts[:, 0].min() < w / 10 and pts[:, 0].max() > w - w / 10
        assert pts[:, 1].min() < h / 10 and pts[:, 1].max() > h - h / 10
    assert spa(ctx).shape == vspl(ctx).shape == (4, 100, 256)
    with pytest.raises(ValueError, match='one SampleFrame per image'):
        spa(PromptContext(pe, (1, 256, 16, 16), torch.device('cpu'), [], []))


def reference_sam(ckpt, img_size=256):
    """segment_anything's Sam (tiny arch) with the checkpoint's weights, position tables
    resized to ``img_size`` as ours are (tests/test_parity.py)."""
    sam = build_reference_sam('tiny', img_size)
    sd = torch.load(ckpt, weights_only=True)
    enc = {k[len('image_encoder.'):]: v for k, v in sd.items() if k.startswith('image_encoder.')}
    enc = resize_image_encoder_weights(enc, sam.image_encoder.state_dict())
    sd.update({'image_encoder.' + k: v for k, v in enc.items()})
    sam.load_state_dict(sd)
    return sam


def test_each_default_point_gives_sam_predictors_single_point_mask(tiny_ckpt):
    """At initialisation every spatial prompt is SAM's own single-point prompt."""
    require_shared_data()
    img_path = osp.join(HUMAN, 'images', '192.jpg')  # 640 x 480: a 256 x 192 region, padded
    model = build_model(ssprompt_cfg(tiny_ckpt))
    pipe = pipeline(256)
    data = pipe(dict(img_path=img_path, seg_fields=[], reduce_zero_label=False))
    batch = model.data_preprocessor(dict(inputs=[data['inputs']],
                                         data_samples=[data['data_samples']]), False)
    head = model.decode_head
    with torch.no_grad():
        emb = head._transform_inputs(model.extract_feat(batch['inputs']))
        ctx = PromptContext.from_batch(head.prompt_encoder, emb, batch['data_samples'])
        (prompts, ) = head.prompt_source(ctx)
        ours, tokens = head.decode_chunked(emb, head.prompt_encoder.get_dense_pe(), prompts,
                                           with_tokens=True)
        points = head.prompt_source.spatial.default_points(ctx)[0]  # (16, 2) network input
    assert ours.shape == (16, 64, 64) and tokens.shape == (16, 256)
    assert ctx.frames[0].img_shape == (256, 192)
    predictor = SamPredictor(reference_sam(tiny_ckpt))
    predictor.set_image(mmcv.imread(img_path, channel_order='rgb'))
    original = ctx.frames[0].points_to_original(points).numpy()
    for i, xy in enumerate(original):
        _, _, low = predictor.predict(point_coords=xy[None], point_labels=np.array([1]),
                                      multimask_output=False, return_logits=True)
        diff = np.abs(ours[i].numpy() - low[0]).max()
        assert diff <= 1e-4, f'point {i}: max abs diff {diff}'


def test_semantic_inference_is_the_normalised_mixture_of_mask_classes():
    torch.manual_seed(0)
    masks, probs = torch.randn(7, 5, 6) * 4, torch.softmax(torch.randn(7, 3), dim=1)
    idx = torch.tensor([0, 0, 0, 1, 1, 1, 1])
    logits = semantic_inference(masks, probs, idx, 3)
    assert logits.shape == (3, 3, 5, 6)
    for b in range(2):
        s = torch.einsum('nk,nhw->khw', probs[idx == b], masks[idx == b].sigmoid())
        torch.testing.assert_close(logits[b].softmax(0), s / s.sum(0), atol=1e-6, rtol=1e-5)
        assert torch.equal(logits[b].argmax(0), s.argmax(0))
    assert torch.equal(logits[2], torch.zeros(3, 5, 6))  # an image without masks: uniform
    # every sigmoid below 1e-120, where sigmoid(m) = exp(m) and the mixture weights are
    # softmax_i(m_i): still finite and exact
    far = semantic_inference(masks - 300, probs, idx, 2)
    assert torch.isfinite(far).all()
    want = (probs[:3, :, None, None] * torch.softmax(masks[:3], dim=0)[:, None]).sum(0)
    torch.testing.assert_close(far[0].softmax(0), want, atol=1e-5, rtol=1e-4)


def test_class_list_must_match_num_classes(tiny_ckpt):
    cfg = ssprompt_cfg(tiny_ckpt, classes=CLASSES[:5])
    with pytest.raises(ValueError, match='names 5 classes but num_classes is 11'):
        MODELS.build(cfg.model)


def test_short_run_raises_training_set_miou_and_fig_3b_plots_its_weights(tmp_path, tiny_ckpt,
                                                                          capsys):
    """Prompt learning alone (SAM frozen, random weights) fits the 4 training images better;
    tools/plot_semantic_weights.py draws the learned semantic weights of the checkpoint."""
    import runpy
    from conftest import CAMVID
    from mmengine.runner import Runner
    require_shared_data()
    split = tmp_path / 'train4.txt'
    stems = open(f'{CAMVID}/splits/train.txt').read().split()[:4]
    split.write_text('\n'.join(stems) + '\n')
    cfg = ssprompt_cfg(tiny_ckpt, num_points=4)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_dataloader.dataset.shots = 4
    cfg.train_dataloader.dataset.dataset.ann_file = str(split)
    cfg.val_dataloader.dataset.ann_file = str(split)  # evaluate on the training images
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=8, val_interval=1000)
    cfg.param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0, begin=0, end=8,
                                by_epoch=False)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False, interval=8)
    cfg.optim_wrapper.optimizer.lr = 1.0
    cfg.randomness = dict(seed=0)
    runner = Runner.from_cfg(cfg)
    start = runner.val()['mIoU']  # the default prompts: P = E at initialisation
    runner.train()
    end = runner.val()['mIoU']
    with capsys.disabled():
        print(f'\ntraining-set mIoU: default prompts {start:.2f} -> after 8 iterations {end:.2f}')
    assert end > start * 1.5

    weights = runner.model.decode_head.prompt_source.semantic.fusion.weights.detach()
    assert not torch.allclose(weights, torch.full_like(weights, 0.5))  # w has moved
    out = tmp_path / 'w.png'
    capsys.readouterr()
    runpy.run_path(f'{REPO}/tools/plot_semantic_weights.py')['main'](
        [str(tmp_path / 'work' / 'iter_8.pth'), '--out', str(out)])
    stdout = capsys.readouterr().out.strip().splitlines()[-1]
    printed = dict(item.rsplit(' ', 1) for item in stdout.split(': ', 1)[1].split(', '))
    assert list(printed) == list(CLASSES)
    np.testing.assert_allclose([float(v) for v in printed.values()], weights.numpy(), atol=1e-3)
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_150_classes_chunked_decoding_equals_one_pass(tiny_ckpt):
    """ADE20K's class list: decoding 2 x 4 prompts 3 at a time (checkpointed) gives the one-pass
    logits and gradients."""
    names = tuple(f'class{i}' for i in range(150))
    cfg = ssprompt_cfg(tiny_ckpt, classes=names, num_points=4)
    cfg.model.decode_head.prompt_source.semantic.text_encoder.templates = ['a photo of a {}.']
    cfg.model.decode_head.num_classes = 150
    model = build_model(cfg).train()
    results = []
    for chunk in (None, 3):
        model.decode_head.decode_chunk = chunk
        torch.manual_seed(0)
        x, samples = random_batch(150)
        with torch.no_grad():
            logits = model._forward(x, samples)
        backward(model, x, samples)
        src = model.decode_head.prompt_source
        results.append((logits.detach(), src.spatial.fusion.embedding.grad.clone(),
                        src.token_to_text.weight.grad.clone()))
    assert results[0][0].shape == (2, 150, 256, 256)
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def test_per_class_option_starts_at_its_default_prompts(tiny_ckpt):
    """SSPromptPerClass (the per-class reading): at initialisation, and with w = 1 and P = 0,
    it computes what its default-prompt version computes; only the prompts train."""
    def cfg(mode):
        c = ssprompt_cfg(tiny_ckpt, name='ssprompt-per-class', num_points=4, mode=mode)
        c.model.decode_head.prompt_source.spatial.mode = mode
        return c

    zero_shot, learned = build_model(cfg('default')), build_model(cfg('weighted'))
    assert {n for n, p in learned.named_parameters() if p.requires_grad} == {
        PREFIX + n for n in ('spatial.fusion.weight_logit', 'spatial.fusion.embedding',
                             'semantic.fusion.weight_logit', 'semantic.fusion.embedding')}
    x, samples = random_batch()
    with torch.no_grad():
        a = zero_shot._forward(x, samples)
        torch.testing.assert_close(learned._forward(x, samples), a, atol=1e-5, rtol=0)
        src = learned.decode_head.prompt_source
        src.spatial.fusion.weight_logit.fill_(100.0)  # sigmoid(100) = 1 in float32
        src.semantic.fusion.weight_logit.fill_(100.0)
        src.spatial.fusion.embedding.normal_()
        src.semantic.fusion.embedding.normal_()
        assert torch.equal(learned._forward(x, samples), a)
    assert a.shape == (2, 11, 256, 256)
