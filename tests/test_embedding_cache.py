"""The frozen-encoder embedding cache: exact, never stale, and training is unchanged by it."""

import torch
from mmengine.runner import Runner

from helpers import LogCatcher, build_model, model_cfg
from mmsam_prompt.models.caching.frozen_output_cache import FrozenOutputCache
from test_tools import resume_cfg, trained_weights


def fresh(model, x):
    with torch.no_grad():
        return model.backbone(x)[0]


def test_cached_embeddings_equal_a_fresh_pass(tiny_ckpt):
    model = build_model(model_cfg('tiny', tiny_ckpt))
    cache = model.feature_cache
    x = torch.randn(3, 3, 256, 256)
    with torch.no_grad():
        first = model.extract_feat(x)[0]
        again = model.extract_feat(x)[0]
        mixed = model.extract_feat(torch.cat([x[1:2], torch.randn(1, 3, 256, 256)]))[0]
    assert torch.equal(first, fresh(model, x))
    assert torch.equal(again, first)
    assert torch.equal(mixed[0], first[1])
    assert (cache.hits, cache.misses) == (4, 4)


def test_flipped_image_is_a_second_entry(tiny_ckpt):
    model = build_model(model_cfg('tiny', tiny_ckpt))
    x = torch.randn(1, 3, 256, 256)
    with torch.no_grad():
        a = model.extract_feat(x)[0]
        b = model.extract_feat(x.flip(-1))[0]
        model.extract_feat(x)
        model.extract_feat(x.flip(-1))
    assert not torch.equal(a, b)
    assert len(model.feature_cache.store) == 2
    assert model.feature_cache.hits == 2


def test_never_stale_when_weights_change(tiny_ckpt):
    model = build_model(model_cfg('tiny', tiny_ckpt))
    x = torch.randn(1, 3, 256, 256)
    with torch.no_grad():
        before = model.extract_feat(x)[0]
        model.backbone.encoder.neck[0].weight.mul_(1.5)  # an in-place change
        after = model.extract_feat(x)[0]
        assert not torch.equal(before, after)
        assert torch.equal(after, fresh(model, x))
        other = build_model(model_cfg('tiny', None))
        model.load_state_dict(other.state_dict())
        loaded = model.extract_feat(x)[0]
        assert torch.equal(loaded, fresh(model, x))
    assert model.feature_cache.hits == 0 and model.feature_cache.misses == 3


def test_trainable_encoder_switches_the_cache_off(tiny_ckpt):
    model = build_model(model_cfg('tiny', tiny_ckpt))
    model.backbone.encoder.blocks[0].attn.qkv.weight.requires_grad_(True)  # e.g. LoRA / SAMed
    x = torch.randn(1, 3, 256, 256)
    with LogCatcher() as log:
        for _ in range(3):
            out = model.extract_feat(x)[0]
    assert len(model.feature_cache.store) == 0
    assert torch.equal(out, fresh(model, x))
    assert sum('cache off' in m for m in log.msgs) == 1


def test_photometric_pipeline_switches_the_cache_off(tmp_path, tiny_ckpt, synthetic_data):
    cfg = resume_cfg(tmp_path / 'w', synthetic_data, 1, tiny_ckpt)
    pipeline = cfg.train_dataloader.dataset.pipeline
    pipeline.insert(3, dict(type='PhotoMetricDistortion'))
    runner = Runner.from_cfg(cfg)
    with LogCatcher() as log:
        runner.train()
    assert not runner.model.feature_cache.enabled
    off = [m for m in log.msgs if 'cache off' in m]
    assert len(off) == 1 and 'PhotoMetricDistortion' in off[0]


def test_training_with_and_without_cache_gives_the_same_weights(tmp_path, tiny_ckpt,
                                                                synthetic_data):
    results = {}
    for name, cache in (('cached', dict()), ('plain', None)):
        cfg = resume_cfg(tmp_path / name, synthetic_data, 6, tiny_ckpt)
        cfg.model.feature_cache = cache
        runner = Runner.from_cfg(cfg)
        runner.train()
        results[name] = trained_weights(runner)
        if cache is not None:
            c = runner.model.feature_cache
            assert c.hits > 0 and c.misses <= 12  # 6 images in two orientations at most
    for k, v in results['plain'].items():
        torch.testing.assert_close(results['cached'][k], v, rtol=0, atol=1e-6, msg=k)


def test_disk_entries_and_fp16(tmp_path, tiny_ckpt):
    model = build_model(model_cfg('tiny', tiny_ckpt))
    x = torch.randn(2, 3, 256, 256)
    enc = [model.backbone]
    disk = FrozenOutputCache(disk_dir=str(tmp_path))
    with torch.no_grad():
        a = disk.batched(enc, x, model.backbone)[0]
        reread = FrozenOutputCache(disk_dir=str(tmp_path))
        b = reread.batched(enc, x, model.backbone)[0]
    assert torch.equal(a, b) and reread.hits == 2 and reread.misses == 0
    assert len([f for f in tmp_path.iterdir() if f.suffix == '.pt']) == 2
    half = FrozenOutputCache(fp16=True)
    with torch.no_grad():
        half.batched(enc, x, model.backbone)
        c = half.batched(enc, x, model.backbone)[0]
    assert half.nbytes * 2 == disk.nbytes
    assert c.dtype == torch.float32 and torch.allclose(c, a, atol=1e-2, rtol=1e-2)


def test_zero_dim_buffers_and_outputs_are_cached():
    """0-d tensors (BatchNorm's num_batches_tracked in a detector, a scalar output) are hashed
    and stored like any other."""
    from mmsam_prompt.models.caching.frozen_output_cache import FrozenOutputCache
    cache = FrozenOutputCache()
    module = torch.nn.BatchNorm1d(2).requires_grad_(False)
    calls = []

    def fn(rows):
        calls.append(len(rows))
        return [(r.sum(), torch.tensor(3)) for r in rows]

    x = torch.arange(4.).reshape(2, 2)
    first = cache.per_sample([module], x, fn)
    again = cache.per_sample([module], x, fn)
    assert calls == [2] and cache.hits == 2
    assert [float(a) for a, _ in again] == [float(a) for a, _ in first] == [1.0, 5.0]
