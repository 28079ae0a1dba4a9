"""bf16 autocast for the frozen encoder pass: the cached embeddings stay within the documented
tolerance of float32 (docs/gpu.md), and the cache never mixes the two precisions."""
import pytest
import torch
from mmseg.registry import MODELS

from helpers import build_model, model_cfg

#: docs/gpu.md: relative L2 difference of bf16-autocast embeddings from float32 (measured on
#: random weights: tiny at 256 px 0.66%, vit-b at 1024 px 0.78%)
BF16_REL_TOL = 0.02


def test_bf16_encoder_embeddings_within_documented_tolerance(tiny_ckpt):
    fp32 = build_model(model_cfg('tiny', tiny_ckpt))
    cfg = model_cfg('tiny', tiny_ckpt)
    cfg.model.encoder_autocast = 'bf16'
    bf16 = build_model(cfg)
    x = torch.randn(1, 3, 256, 256, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ref = fp32.extract_feat(x)[0]
        low = bf16.extract_feat(x)[0]
        cached = bf16.extract_feat(x)[0]
    assert low.dtype == ref.dtype == torch.float32 and low.shape == ref.shape
    rel = ((low - ref).norm() / ref.norm()).item()
    assert 0 < rel <= BF16_REL_TOL, rel  # bf16 really ran, and stays within the tolerance
    # the cache serves the bf16 embeddings, under keys of their own
    assert (bf16.feature_cache.hits, bf16.feature_cache.misses) == (1, 1)
    assert torch.equal(cached, low)
    frozen = [bf16.backbone]
    assert set(bf16.feature_cache.keys(frozen, x)).isdisjoint(fp32.feature_cache.keys(frozen, x))


def test_encoder_autocast_rejects_unknown_values(tiny_ckpt):
    cfg = model_cfg('tiny', tiny_ckpt)
    cfg.model.encoder_autocast = 'fp8'
    with pytest.raises(ValueError, match="encoder_autocast must be None or one of \\['bf16'\\]"):
        MODELS.build(cfg.model)
