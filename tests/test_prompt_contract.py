"""The prompt-source contract (issue 10): every registered source is complete after __init__."""
import re

import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.runner.checkpoint import load_checkpoint, save_checkpoint
from mmseg.registry import MODELS

from helpers import REPO, TINY_TEXT, build_model, model_cfg
from mmsam_prompt.models.prompt_learners import BasePromptLearner
from mmsam_prompt.models.prompt_sources import BasePromptSource, PromptBatch

NAMES = ('a', 'b', 'c')
#: a config for every registered prompt source and token learner (a new one must be added)
SOURCES = {
    'DataSamplePrompt': dict(type='DataSamplePrompt'),
    'DefaultPrompt': dict(type='DefaultPrompt'),
    'GridPointPrompt': dict(type='GridPointPrompt', points_per_side=2),
    'GTBoxPrompt': dict(type='GTBoxPrompt', exclude_classes=(0, )),
    'LearnedEmbeddingPrompt': dict(type='LearnedEmbeddingPrompt', target_class=(1, 2),
                                   num_tokens=1, box_source=dict(type='GTBoxPrompt')),
    'SSPrompt': dict(type='SSPrompt', semantic=dict(type='SemPrompt', class_names=NAMES,
                                                    text_encoder=TINY_TEXT),
                     spatial=dict(type='SpaPrompt', num_points=4)),
    'SSPromptPerClass': dict(type='SSPromptPerClass',
                             semantic=dict(type='SemPrompt', class_names=NAMES,
                                           text_encoder=TINY_TEXT),
                             spatial=dict(type='SpaPrompt', num_points=4)),
}
LEARNERS = {
    'SpaPrompt': dict(type='SpaPrompt', num_points=4),
    'SemPrompt': dict(type='SemPrompt', class_names=NAMES, text_encoder=TINY_TEXT),
    'VSPLPrompt': dict(type='VSPLPrompt', num_points=4),
    'CoOpPrompt': dict(type='CoOpPrompt', class_names=NAMES, num_context=2,
                       text_encoder=TINY_TEXT),
    'LOCNPrompt': dict(type='LOCNPrompt', class_names=NAMES, text_encoder=TINY_TEXT),
}


def registered(base):
    return {name for name, cls in MODELS.module_dict.items()
            if isinstance(cls, type) and issubclass(cls, base) and cls.__module__.startswith(
                'mmsam_prompt')}


def test_every_registered_prompt_module_has_a_config_here():
    assert registered(BasePromptSource) == set(SOURCES)
    assert registered(BasePromptLearner) == set(LEARNERS)


def source_cfg(name):
    if name in SOURCES:
        return SOURCES[name]
    return dict(type='SSPrompt', semantic=LEARNERS['SemPrompt'] if name != 'CoOpPrompt' and
                name != 'LOCNPrompt' else LEARNERS[name],
                spatial=LEARNERS[name] if name in ('SpaPrompt', 'VSPLPrompt') else
                dict(type='SpaPrompt', num_points=4, mode='default'))


@pytest.mark.parametrize('name', sorted(SOURCES) + sorted(LEARNERS))
def test_built_before_weights_load_then_optimised(name, tiny_ckpt, tmp_path):
    """Build with random SAM, build the optimizer, then load weights: every trainable
    parameter is in the optimizer, and stays the object the optimizer holds."""
    cfg = model_cfg('tiny', None, num_classes=3, prompt_source=source_cfg(name))
    model = build_model(cfg)
    wrapper = build_optim_wrapper(model, dict(optimizer=dict(type='AdamW', lr=1e-3)))
    in_optimizer = {id(p) for g in wrapper.optimizer.param_groups for p in g['params']}
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if name not in ('DataSamplePrompt', 'DefaultPrompt', 'GridPointPrompt', 'GTBoxPrompt'):
        assert trainable, f'{name} learns nothing'
    # official SAM weights, then a trained checkpoint of the same model
    model.backbone.load_sam_checkpoint(tiny_ckpt)
    model.decode_head.load_sam_checkpoint(tiny_ckpt)
    other = build_model(model_cfg('tiny', tiny_ckpt, num_classes=3, prompt_source=source_cfg(name)))
    with torch.no_grad():
        for p in other.parameters():
            if p.requires_grad:
                p.add_(0.5)
    path = str(tmp_path / 'trained.pth')
    save_checkpoint(other.state_dict(), path)
    load_checkpoint(model, path, map_location='cpu', strict=True)
    for (n, p), (_, q) in zip(trainable, [(n, p) for n, p in other.named_parameters()
                                          if p.requires_grad]):
        assert id(p) in in_optimizer, n
        torch.testing.assert_close(p, q)


@pytest.mark.parametrize('name', sorted(SOURCES))
def test_sources_keep_no_reference_to_the_head(name, tiny_ckpt):
    model = build_model(model_cfg('tiny', tiny_ckpt, num_classes=3,
                                  prompt_source=source_cfg(name)))
    head = model.decode_head
    own = {id(m) for m in head.prompt_source.modules()}
    assert not {id(head.prompt_encoder), id(head.mask_decoder)} & own
    assert not any(k.startswith(('prompt_encoder', 'mask_decoder'))
                   for k in head.prompt_source.state_dict())


def write_your_own_example() -> str:
    text = open(f'{REPO}/docs/sam_in_mmseg.md').read()
    match = re.search(r'<!-- example: own prompt source -->\n```python\n(.*?)```', text, re.S)
    assert match, 'docs/sam_in_mmseg.md lost its prompt-source example'
    return match.group(1)


def test_the_documented_own_prompt_source_runs(tiny_ckpt):
    code = write_your_own_example()
    assert len(code.strip().splitlines()) <= 30
    namespace = {}
    exec(compile(code, 'docs/sam_in_mmseg.md', 'exec'), namespace)
    from helpers import square_sample
    model = build_model(model_cfg('tiny', tiny_ckpt, prompt_source=dict(
        type='CentrePointPrompt', target_class=1)))
    gt = torch.zeros(256, 256, dtype=torch.long)
    ds = square_sample(gt)
    with torch.no_grad():
        emb = model.extract_feat(torch.randn(1, 3, 256, 256))[0]
        (batch, ) = model.decode_head.prompts(emb, [ds])
        logits = model.decode_head.prompt_logits(emb, [batch])
    assert isinstance(batch, PromptBatch) and batch.class_idx.tolist() == [1]
    want, _ = model.decode_head.prompt_encoder(
        points=(torch.tensor([[[128.0, 128.0]]]), torch.ones(1, 1, dtype=torch.int)),
        boxes=None, masks=None)
    torch.testing.assert_close(batch.sparse, want)
    assert logits.shape == (1, 2, 64, 64)
