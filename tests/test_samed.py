"""SAMed baseline: LoRA in SAM's image encoder, SAM's default prompt, the embedding cache off."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmseg.registry import DATASETS, MODELS

from conftest import REPO, require_shared_data
from helpers import LogCatcher, square_sample
from mmsam_prompt.models.backbones.sam_image_encoder import SAMImageEncoder
from mmsam_prompt.models.adapters.lora import LoRALinear, lora_parameters
from mmsam_prompt.models.sam.reference_sam import build_reference_sam
from mmsam_prompt.models.checkpoints.sam_checkpoint import SAMCheckpointError

TINY_CFG = osp.join(REPO, 'configs/samed/samed_tiny_vikram-human.py')
VIT_B_CFG = osp.join(REPO, 'configs/samed/samed_vit-b_16shot_vikram-human.py')
DIM = 64  # tiny arch embed dim


def samed_model(ckpt, **head):
    cfg = Config.fromfile(TINY_CFG)
    cfg.model.sam_checkpoint = ckpt
    cfg.model.decode_head.update(head)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return cfg, model


def perturb_lora(module, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for n, p in module.named_parameters():
            if n.endswith('lora_B'):
                p.add_(0.05 * torch.randn(p.shape, generator=g))


def test_lora_encoder_at_init_equals_plain_encoder_and_adapts_q_and_v(tiny_ckpt):
    plain = SAMImageEncoder('tiny', 256, checkpoint=tiny_ckpt)
    lora = SAMImageEncoder('tiny', 256, checkpoint=tiny_ckpt, lora_rank=4)
    qkv = [b.attn.qkv for b in lora.encoder.blocks]
    assert all(isinstance(m, LoRALinear) for m in qkv)
    assert qkv[0].slices == [(0, DIM), (2 * DIM, 3 * DIM)] and qkv[0].rank == 4
    x = torch.randn(1, 3, 256, 256, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(lora(x)[0], plain(x)[0])  # lora_B = 0: bit for bit
    # once trained, LoRA changes q and v only; k is SAM's
    perturb_lora(lora)
    t = torch.randn(2, 5, DIM)
    with torch.no_grad():
        out = qkv[0](t)
        base = torch.nn.functional.linear(t, qkv[0].weight, qkv[0].bias)
        assert torch.equal(out[..., DIM:2 * DIM], base[..., DIM:2 * DIM])
        for s in (slice(0, DIM), slice(2 * DIM, 3 * DIM)):
            assert not torch.allclose(out[..., s], base[..., s], atol=1e-4)
        assert not torch.allclose(lora(x)[0], plain(x)[0], atol=1e-4)


def test_lora_blocks_selects_blocks_and_is_checked(tiny_ckpt):
    enc = SAMImageEncoder('tiny', 256, checkpoint=tiny_ckpt, lora_rank=2, lora_blocks=[1])
    assert [isinstance(b.attn.qkv, LoRALinear) for b in enc.encoder.blocks] == [False, True]
    assert enc.lora_state_keys() == ['blocks.1.attn.qkv.lora_A', 'blocks.1.attn.qkv.lora_B']
    with pytest.raises(ValueError, match='lora_blocks'):
        SAMImageEncoder('tiny', 256, lora_rank=2, lora_blocks=[2])


def test_official_checkpoint_loads_only_lora_keys_may_be_missing(tiny_ckpt, tmp_path):
    sd = torch.load(tiny_ckpt, weights_only=True)
    assert not any('lora' in k for k in sd)
    enc = SAMImageEncoder('tiny', 256, checkpoint=tiny_ckpt, lora_rank=4)
    # the official weights arrived unchanged under their own keys (LoRALinear keeps weight/bias)
    own = enc.encoder.state_dict()
    for k in ('blocks.0.attn.qkv.weight', 'blocks.1.attn.qkv.bias', 'neck.0.weight'):
        assert torch.equal(own[k], sd['image_encoder.' + k])
    assert sum(k.endswith(('lora_A', 'lora_B')) for k in own) == 4
    assert not own['blocks.0.attn.qkv.lora_B'].any()
    # any other missing or extra key is still an error
    bad = dict(sd)
    del bad['image_encoder.blocks.0.attn.qkv.weight']
    torch.save(bad, tmp_path / 'missing.pth')
    with pytest.raises(SAMCheckpointError, match='1 missing'):
        SAMImageEncoder('tiny', 256, checkpoint=str(tmp_path / 'missing.pth'), lora_rank=4)
    extra = dict(sd, **{'image_encoder.blocks.0.attn.qkv.lora_A': torch.zeros(2, 4, DIM)})
    torch.save(extra, tmp_path / 'extra.pth')
    with pytest.raises(SAMCheckpointError, match='1 unexpected'):
        SAMImageEncoder('tiny', 256, checkpoint=str(tmp_path / 'extra.pth'))
    # a trained (LoRA included) encoder state round-trips
    perturb_lora(enc)
    fresh = SAMImageEncoder('tiny', 256, lora_rank=4)
    fresh.load_state_dict(enc.state_dict())
    x = torch.randn(1, 3, 256, 256)
    with torch.no_grad():
        assert torch.equal(fresh(x)[0], enc(x)[0])


def test_default_prompt_is_sams_no_prompt(tiny_ckpt):
    """DefaultPrompt == SAM's prompt encoder given nothing, decoded by SAM's mask decoder."""
    _, model = samed_model(tiny_ckpt)
    model.eval()
    sam = build_reference_sam('tiny', 256)
    sd = torch.load(tiny_ckpt, weights_only=True)
    sam.load_state_dict({k: v for k, v in sd.items() if not k.startswith('image_encoder.')},
                        strict=False)
    emb = torch.randn(2, 256, 16, 16, generator=torch.Generator().manual_seed(0))
    samples = [square_sample(torch.zeros(256, 256, dtype=torch.long)) for _ in range(2)]
    head = model.decode_head
    with torch.no_grad():
        (batch, ) = head.prompts(emb, samples)
        assert batch.sparse.shape == (2, 0, 256) and batch.dense.shape == (1, 256, 16, 16)
        assert batch.batch_idx.tolist() == [0, 1] and batch.class_idx.tolist() == [1, 1]
        ours = head.forward((emb, ), samples)
        sparse, dense = sam.prompt_encoder(points=None, boxes=None, masks=None)
        for i in range(2):
            low, _ = sam.mask_decoder(emb[i:i + 1], sam.prompt_encoder.get_dense_pe(), sparse,
                                      dense, False)
            want = torch.nn.functional.interpolate(low, (256, 256), mode='bilinear',
                                                   align_corners=False)[0, 0]
            torch.testing.assert_close(ours[i, 1], want, rtol=1e-4, atol=1e-4)
    assert (ours[:, 0] == 0).all()  # background channel: SAM's threshold at logit 0
    # the prompt follows the prompt encoder's live weights: SAMed's code also trains it, which
    # with no prompt means learning no_mask_embed
    _, model = samed_model(tiny_ckpt, trainable=('prompt_encoder', 'mask_decoder'))
    model.decode_head.forward((emb, ), samples)[:, 1].sum().backward()
    pe = model.decode_head.prompt_encoder
    assert pe.no_mask_embed.weight.grad.abs().sum() > 0
    assert pe.not_a_point_embed.weight.grad is None  # no point, no box: unused


def test_only_lora_trains_in_the_encoder(tiny_ckpt):
    _, model = samed_model(tiny_ckpt)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    lora = {f'backbone.encoder.blocks.{i}.attn.qkv.lora_{m}' for i in (0, 1) for m in 'AB'}
    assert {n for n in trainable if n.startswith('backbone.')} == lora
    assert {n for n in trainable if not n.startswith('backbone.')} == {
        n for n, _ in model.named_parameters() if n.startswith('decode_head.mask_decoder.')}
    assert len(lora_parameters(model.backbone)) == 4
    # gradient reaches the LoRA weights (A too, once B has left zero) and nothing else of SAM's
    # encoder or prompt encoder
    perturb_lora(model.backbone)
    model.train()
    gt = torch.zeros(256, 256, dtype=torch.long)
    gt[64:192, 80:176] = 1
    losses = model.loss(torch.randn(1, 3, 256, 256), [square_sample(gt)])
    assert set(losses) >= {'decode.loss_ce', 'decode.loss_dice'}
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    got = {n for n, p in model.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}
    assert {n for n in got if n.startswith('backbone.')} == lora
    assert got <= trainable
    assert 'decode_head.mask_decoder.mask_tokens.weight' in got
    assert not any(n.startswith('decode_head.prompt_encoder.') for n in got)


def test_embedding_cache_switches_itself_off_for_samed(tiny_ckpt):
    _, model = samed_model(tiny_ckpt)
    cache = model.feature_cache
    assert cache is not None and cache.enabled  # the config keeps the default cache ...
    x = torch.randn(2, 3, 256, 256)
    with LogCatcher() as log, torch.no_grad():
        first = model.extract_feat(x)[0]
        second = model.extract_feat(x)[0]
    off = [m for m in log.msgs if 'embedding cache off' in m]
    assert len(off) == 1 and 'lora' in off[0]  # ... which says once that it is off
    assert torch.equal(first, second)
    assert len(cache.store) == 0 and cache.hits == cache.misses == 0


def test_samed_configs_build_and_one_training_iteration_runs(tiny_ckpt):
    require_shared_data()
    vit_b = Config.fromfile(VIT_B_CFG)
    assert vit_b.model.backbone.arch == 'vit-b' and vit_b.model.backbone.lora_rank == 4
    assert vit_b.model.decode_head.prompt_source.type == 'DefaultPrompt'
    assert vit_b.train_dataloader.dataset.type == 'KShotDataset'
    assert vit_b.train_dataloader.dataset.shots == 16
    assert vit_b.optim_wrapper.optimizer.lr == 5e-3
    assert vit_b.optim_wrapper.optimizer.weight_decay == 0.1
    assert vit_b.param_scheduler[0].power == 0.9
    assert [loss.loss_weight for loss in vit_b.model.decode_head.loss_decode] == [0.2, 0.8]

    cfg, model = samed_model(tiny_ckpt)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(dataset) == 16
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    model.train()
    log = model.train_step(pseudo_collate([dataset[0], dataset[1]]), optim)
    assert torch.isfinite(log['loss'])
    changed = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    # B by its gradient, A (zero gradient while B = 0) by AdamW's weight decay; nothing else
    assert {n for n in changed if n.startswith('backbone.')} == {
        f'backbone.encoder.blocks.{i}.attn.qkv.lora_{m}' for i in (0, 1) for m in 'AB'}
    assert any(n.startswith('decode_head.mask_decoder.') for n in changed)
    assert not any(n.startswith('decode_head.prompt_encoder.') for n in changed)
