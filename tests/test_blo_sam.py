"""BLO-SAM / AM-SAM model parts: LoRA mask decoder, mask calibration, learned prompt embedding."""
import os.path as osp

import numpy as np
import pytest
import torch

from conftest import HUMAN, require_shared_data
from helpers import build_model, model_cfg, pipeline, predict, square_sample
from mmsam_prompt.models.adapters.calibrated_lora_mask_decoder import CalibratedLoRAMaskDecoder
from mmsam_prompt.models.adapters.lora import LoRALinear
from mmsam_prompt.models.adapters.mask_calibration import MaskCalibration
from mmsam_prompt.models.sam.reference_sam import build_reference_sam
from mmsam_prompt.models.checkpoints.sam_checkpoint import SAMCheckpointError
from test_parity import our_prompts, reference_logits

LORA_DECODER = dict(type='CalibratedLoRAMaskDecoder', lora_rank=4, calibration=dict(alpha=0.7))
IMG = osp.join(HUMAN, 'images', '192.jpg')


def lora_cfg(ckpt, decoder=LORA_DECODER, **kw):
    cfg = model_cfg('tiny', ckpt, **kw)
    cfg.model.decode_head.mask_decoder = decoder
    return cfg


def perturb_adapters(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if 'lora_B' in n or 'channel_weights' in n:
                p.add_(0.05 * torch.randn(p.shape, generator=g))


def test_lora_decoder_at_init_reproduces_sam_exactly(tiny_ckpt):
    """LoRA (B = 0) and calibration (weights 1): the same logits as SAM's decoder, bit for bit,
    and as segment_anything's SamPredictor within float noise."""
    require_shared_data()
    items = [dict(img_path=IMG, prompts=our_prompts(IMG))]
    plain = predict(build_model(model_cfg('tiny', tiny_ckpt, num_classes=3)), 256, items)[0]
    model = build_model(lora_cfg(tiny_ckpt, num_classes=3))
    dec = model.decode_head.mask_decoder
    assert sum(isinstance(m, LoRALinear) for m in dec.modules()) == 14
    assert isinstance(dec.transformer.final_attn_token_to_image.q_proj, LoRALinear)
    assert isinstance(dec.transformer.final_attn_token_to_image.v_proj, LoRALinear)
    assert not isinstance(dec.transformer.final_attn_token_to_image.k_proj, LoRALinear)
    ours = predict(model, 256, items)[0]
    assert torch.equal(ours.seg_logits.data, plain.seg_logits.data)
    ref = reference_logits('tiny', tiny_ckpt, 256, IMG)
    for channel, key in ((1, 'point'), (2, 'box')):
        assert np.abs(ours.seg_logits.data[channel].numpy() - ref[key]).max() <= 1e-4
    # the adapters are live: once trained they change the output
    perturb_adapters(model)
    moved = predict(model, 256, items)[0]
    assert not torch.allclose(moved.seg_logits.data, plain.seg_logits.data, atol=1e-3)


def test_official_checkpoint_loads_and_still_rejects_wrong_files(tiny_ckpt, tmp_path):
    sd = torch.load(tiny_ckpt, weights_only=True)
    assert not any('lora' in k or 'calibration' in k for k in sd)
    build_model(lora_cfg(tiny_ckpt))  # loads: adapter keys are extra, not missing
    del sd['mask_decoder.output_upscaling.0.weight']
    bad = tmp_path / 'missing_key.pth'
    torch.save(sd, bad)
    with pytest.raises(SAMCheckpointError, match='1 missing'):
        build_model(lora_cfg(str(bad)))


def test_trained_state_dict_round_trip(tiny_ckpt):
    """A trained checkpoint (adapters included) restores the same predictions."""
    require_shared_data()
    model = build_model(lora_cfg(tiny_ckpt, prompt_source=dict(type='LearnedEmbeddingPrompt')))
    perturb_adapters(model)
    with torch.no_grad():
        model.decode_head.prompt_source.dense.add_(0.1)
    items = [dict(img_path=IMG)]
    want = predict(model, 256, items)[0].seg_logits.data
    fresh = build_model(lora_cfg(tiny_ckpt, prompt_source=dict(type='LearnedEmbeddingPrompt')))
    fresh.load_state_dict(model.state_dict())
    assert torch.equal(predict(fresh, 256, items)[0].seg_logits.data, want)


def test_only_adapters_decoder_output_parts_and_prompt_train(tiny_ckpt):
    model = build_model(lora_cfg(tiny_ckpt, prompt_source=dict(type='LearnedEmbeddingPrompt')))
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    dec = 'decode_head.mask_decoder.'
    for n in trainable:
        assert (n.startswith('decode_head.prompt_source.') or 'lora_' in n
                or n.startswith(dec + 'calibration.')
                or n.startswith(tuple(dec + p for p in (
                    'output_hypernetworks_mlps', 'mask_tokens', 'output_upscaling')))), n
    assert sum('lora_B' in n for n in trainable) == 14
    assert dec + 'calibration.channel_weights' in trainable
    assert 'decode_head.prompt_source.dense' in trainable
    assert not any(n.startswith(('backbone.', 'decode_head.prompt_encoder.',
                                 dec + 'iou_prediction_head')) for n in trainable)
    assert not any(n.endswith(('q_proj.weight', 'v_proj.weight', 'k_proj.weight'))
                   for n in trainable)
    # gradients reach exactly the trainable parameters (after LoRA B leaves zero, A gets
    # gradient too)
    perturb_adapters(model)
    model.train()
    gt = torch.zeros(256, 256, dtype=torch.long)
    gt[64:192, 80:176] = 1
    inputs = torch.randn(1, 3, 256, 256)
    losses = model.loss(inputs, [square_sample(gt)])
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    got = {n for n, p in model.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}
    assert got <= trainable
    # the single-mask output uses mask token 0 and its MLP; everything on that path learns
    used = {n for n in trainable if not n.startswith((dec + 'output_hypernetworks_mlps.',
                                                        dec + 'mask_tokens'))}
    assert used <= got, used - got
    assert any(n.startswith(dec + 'output_hypernetworks_mlps.0.') for n in got)
    assert dec + 'mask_tokens.weight' in got


def calibration_inputs(n=4, m=4, c=32, hw=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    hyper = torch.randn(n, m, c, generator=g)
    up = torch.randn(n, c, hw, hw, generator=g)
    masks = (hyper @ up.reshape(n, c, -1)).reshape(n, m, hw, hw)
    return hyper, up, masks


@pytest.mark.parametrize('mode', ['channel_weights', 'channel_mean'])
def test_calibration_is_batch_independent(mode):
    """A prompt's calibrated mask is the same alone or batched with any other prompts."""
    cal = MaskCalibration(32, 4, alpha=0.7, mode=mode)
    if mode == 'channel_weights':
        with torch.no_grad():
            cal.channel_weights.uniform_(0.0, 2.0)
    hyper, up, masks = calibration_inputs()
    together = cal(hyper, up, masks)
    for i in range(4):
        alone = cal(hyper[i:i + 1], up[i:i + 1], masks[i:i + 1])
        torch.testing.assert_close(alone[0], together[i], rtol=1e-5, atol=1e-5)
    other = calibration_inputs(seed=1)
    mixed = cal(*(torch.cat([a[:1], b[1:]]) for a, b in zip((hyper, up, masks), other)))
    torch.testing.assert_close(mixed[0], together[0], rtol=1e-5, atol=1e-5)


def test_calibration_paper_form_depends_on_the_batch_and_mean_only_rescales():
    hyper, up, masks = calibration_inputs()
    paper = MaskCalibration(32, 4, alpha=0.7, mode='paper')
    alone = paper(hyper[:1], up[:1], masks[:1])
    assert not torch.allclose(alone[0], paper(hyper, up, masks)[0], atol=1e-3)
    # channel mean: alpha * M + (1 - alpha) * M / c, a constant factor
    mean = MaskCalibration(32, 4, alpha=0.7, mode='channel_mean')(hyper, up, masks)
    torch.testing.assert_close(mean, masks * (0.7 + 0.3 / 32), rtol=1e-5, atol=1e-5)
    # learnable channel weights: identity at init, more than a rescaling once trained
    cal = MaskCalibration(32, 4, alpha=0.7)
    assert torch.equal(cal(hyper, up, masks), masks)
    with torch.no_grad():
        cal.channel_weights.uniform_(0.0, 2.0)
    ratio = cal(hyper, up, masks) / masks
    assert ratio.std() > 0.1


def test_calibration_inside_decoder_is_batch_independent(tiny_ckpt):
    """Prompts of two images decoded in one pass equal each image decoded alone."""
    dec = CalibratedLoRAMaskDecoder(lora_rank=4).eval()
    perturb_adapters(dec)
    g = torch.Generator().manual_seed(0)
    emb = torch.randn(2, 256, 16, 16, generator=g)
    pe = torch.randn(1, 256, 16, 16, generator=g)
    sparse = torch.randn(3, 2, 256, generator=g)
    dense = torch.randn(3, 256, 16, 16, generator=g)
    idx = torch.tensor([0, 1, 1])
    with torch.no_grad():
        masks, _ = dec.decode(emb, pe, sparse, dense, idx)
        for i in range(3):
            alone, _ = dec.decode(emb[idx[i]:idx[i] + 1], pe, sparse[i:i + 1], dense[i:i + 1],
                                  torch.tensor([0]))
            torch.testing.assert_close(alone[0], masks[i], rtol=1e-4, atol=1e-4)


def test_learned_prompt_starts_as_sams_default_prompt(tiny_ckpt):
    """LearnedEmbeddingPrompt before training == SAM given no prompt at all."""
    require_shared_data()
    model = build_model(lora_cfg(tiny_ckpt, prompt_source=dict(type='LearnedEmbeddingPrompt')))
    data = pipeline(256)(dict(img_path=IMG, seg_fields=[], reduce_zero_label=False))
    batch = model.data_preprocessor(dict(inputs=[data['inputs']],
                                         data_samples=[data['data_samples']]))
    sam = build_reference_sam('tiny', 256)
    sd = torch.load(tiny_ckpt, weights_only=True)
    sam.load_state_dict({k: v for k, v in sd.items() if not k.startswith('image_encoder.')},
                        strict=False)  # the encoder's parity is tested in test_parity.py
    with torch.no_grad():
        ours = model._forward(batch['inputs'], batch['data_samples'])[0, 1]
        emb = model.extract_feat(batch['inputs'])[0]
        sparse, dense = sam.prompt_encoder(points=None, boxes=None, masks=None)
        low, _ = sam.mask_decoder(emb, sam.prompt_encoder.get_dense_pe(), sparse, dense, False)
    want = torch.nn.functional.interpolate(low, (256, 256), mode='bilinear',
                                           align_corners=False)[0, 0]
    torch.testing.assert_close(ours, want, rtol=1e-4, atol=1e-4)


def test_learned_prompt_on_boxes_with_fallback(tiny_ckpt):
    """AM-SAM: box tokens + the learned dense embedding; an image without a box gets the learned
    prompt alone."""
    model = build_model(lora_cfg(tiny_ckpt, prompt_source=dict(
        type='LearnedEmbeddingPrompt', num_tokens=2,
        box_source=dict(type='GTBoxPrompt', exclude_classes=(0, )))))
    head = model.decode_head
    src = head.prompt_source
    gt = torch.zeros(256, 256, dtype=torch.long)
    gt[64:192, 80:176] = 1
    samples = [square_sample(gt), square_sample(torch.zeros(256, 256, dtype=torch.long))]
    emb = torch.randn(2, 256, 16, 16)
    batches = head.prompts(emb, samples)
    by_image = {int(b.batch_idx[0]): b for b in batches}
    boxed, alone = by_image[0], by_image[1]
    assert boxed.sparse.shape[1] == 2 + 2  # two box corners + two learned tokens
    assert alone.sparse.shape[1] == 2  # learned tokens only
    box_tokens, _ = head.prompt_encoder(points=None, boxes=torch.tensor([[80., 64., 175., 191.]]),
                                        masks=None)
    torch.testing.assert_close(boxed.sparse[:, :2], box_tokens)
    assert torch.equal(boxed.dense[0], src.dense[0]) and torch.equal(alone.dense[0], src.dense[0])
    assert boxed.class_idx.tolist() == alone.class_idx.tolist() == [1]


def test_class_dice_loss_weighs_classes_equally_and_ignores():
    from mmsam_prompt.models.losses import ClassDiceLoss
    loss = ClassDiceLoss(loss_weight=0.8)
    target = torch.zeros(1, 8, 8, dtype=torch.long)
    target[0, 0, :2] = 1  # a tiny foreground
    target[0, 7] = 255  # ignored row
    perfect = 50.0 * torch.nn.functional.one_hot(target.clamp(0, 1), 2).permute(0, 3, 1, 2).float()
    assert loss(perfect, target).item() < 1e-4
    # predicting all background: the background Dice is high, the foreground Dice is 0, so the
    # class-mean loss is 1 - (0.98 + 0) / 2 (x 0.8): the missed small class costs half
    all_bg = torch.zeros(1, 2, 8, 8)
    all_bg[:, 0] = 50
    dice_bg = 2 * 54 / (56 + 54)  # 56 valid pixels predicted background, 54 of them are
    assert abs(loss(all_bg, target).item() - 0.8 * (1 - (dice_bg + 0) / 2)) < 1e-3
    # ignored pixels change nothing, whatever is predicted there
    noisy = perfect.clone()
    noisy[0, :, 7] = torch.randn(2, 8) * 10
    assert abs(loss(noisy, target).item() - loss(perfect, target).item()) < 1e-6


def test_per_class_metric_reports_foreground_dice():
    from mmsam_prompt.evaluation import PerClassIoUMetric
    metric = PerClassIoUMetric(iou_metrics=['mIoU', 'mDice'])
    metric.dataset_meta = dict(classes=('background', 'foreground'))
    gt = torch.zeros(1, 4, 4, dtype=torch.long)
    gt[0, :2] = 1  # 8 foreground pixels
    pred = torch.zeros_like(gt)
    pred[0, :1] = 1  # 4 of them found
    metric.process({}, [dict(pred_sem_seg=dict(data=pred), gt_sem_seg=dict(data=gt))])
    out = metric.compute_metrics(metric.results)
    assert out['Dice.foreground'] == round(100 * 2 * 4 / (4 + 8), 2)
    assert out['IoU.foreground'] == 50.0
    assert abs(out['mDice'] - (out['Dice.foreground'] + out['Dice.background']) / 2) < 0.02
