"""CoOp and LOCN (text-side prompt learning baselines): exact CLIP re-implementation, only the
learned token embeddings train, the text transformer runs in every step, configs run."""
import numpy as np
import pytest
import torch
from mmseg.registry import MODELS
from mmseg.utils import tokenize

from helpers import (CAMVID_CLASSES, TINY_TEXT, assert_gradients_only_in, build_model,
                     tiny_camvid_cfg)
from helpers import square_sample as sample
from mmsam_prompt.models.prompt_learners import CoOpPrompt, LOCNPrompt
from mmsam_prompt.models.prompt_common.text import build_text_encoder, eos_features

CLASSES = CAMVID_CLASSES
LEARNED = {'coop': 'context', 'locn': 'name_embeddings'}


def baseline_cfg(name, ckpt, classes=CLASSES, text_checkpoint=None):
    return tiny_camvid_cfg(name, ckpt, classes, num_points=4, text_checkpoint=text_checkpoint)


def test_eos_features_equal_clip_encode_text():
    encoder = build_text_encoder(['sky'], TINY_TEXT, seed=0)
    ids = tokenize(['a photo of a sky.', 'a photo of a signsymbol.', 'pole'])
    with torch.no_grad():
        ours = eos_features(encoder, encoder.token_embedding(ids), ids.argmax(dim=-1))
        torch.testing.assert_close(ours, encoder.encode_text(ids), atol=1e-5, rtol=0)


def test_sequences_at_initialisation_are_the_plain_sentences():
    """LOCN, and CoOp with 4 context tokens from "a photo of a", start as CLIP on the sentence
    (CLIP's full 77-token sequences: the stored ones end after the last end-of-text token, which
    the causal mask makes exact)."""
    classes = ('Sky', 'SignSymbol', 'Pedestrian')
    sentences = tokenize([f'a photo of a {c}.' for c in classes])
    for prompt in (LOCNPrompt(classes, text_encoder=TINY_TEXT),
                   CoOpPrompt(classes, num_context=4, text_encoder=TINY_TEXT)):
        assert prompt.token_ids.shape[1] == int(sentences.argmax(dim=1).max()) + 1 < 77
        with torch.no_grad():
            torch.testing.assert_close(prompt.text_features(),
                                       prompt.text_encoder.encode_text(sentences),
                                       atol=1e-5, rtol=0)
    locn = LOCNPrompt(classes, text_encoder=TINY_TEXT)
    assert locn.name_lengths == (1, 2, 1)  # 'signsymbol' is two BPE tokens
    table = locn.text_encoder.token_embedding.weight
    assert torch.equal(locn.name_tokens(1), table[tokenize('SignSymbol')[0, 1:3]])
    # the default M = 16: the words right before the class name, random N(0, 0.02) before them
    coop = CoOpPrompt(classes, text_encoder=TINY_TEXT)
    assert coop.context.shape == (16, 64)
    assert torch.equal(coop.context[12:], table[tokenize('a photo of a')[0, 1:5]])
    assert 0.01 < coop.context[:12].std() < 0.03


@pytest.mark.parametrize('name', ['coop', 'locn'])
def test_only_learned_tokens_train_and_text_transformer_runs_every_step(name, tiny_ckpt):
    model = build_model(baseline_cfg(name, tiny_ckpt)).train()
    semantic = model.decode_head.prompt_source.semantic
    assert not semantic.text_encoder.training  # frozen submodule stays in eval mode
    before = semantic().detach()
    calls = []
    semantic.text_encoder.transformer[0].register_forward_hook(lambda *a: calls.append(1))
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    prefix = 'decode_head.prompt_source.'  # the learned tokens and SSPrompt's map G
    assert trainable == {f'{prefix}semantic.{LEARNED[name]}', f'{prefix}token_to_text.weight',
                         f'{prefix}token_to_text.bias'}
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1.0)
    gt = np.random.default_rng(0).integers(0, 11, (256, 256))
    x, samples = torch.randn(2, 3, 256, 256), [sample(gt), sample(gt[::-1].copy())]
    for step in range(2):
        optimizer.zero_grad()
        losses = model.loss(x, samples)
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        assert_gradients_only_in(model, trainable)
        optimizer.step()
        assert len(calls) == step + 1  # one text-transformer pass (all K classes) per step
    assert semantic().shape == (11, 64)  # the (tiny) text encoder's output space, like SemPrompt
    assert not torch.allclose(semantic(), before)


@pytest.mark.parametrize('name', ['coop', 'locn'])
def test_text_checkpoint_is_kept_through_init_weights(name, tiny_ckpt, tmp_path):
    reference = build_text_encoder(['sky'], TINY_TEXT, seed=7)
    path = tmp_path / 'text.pth'
    torch.save(reference.state_dict(), path)
    model = build_model(baseline_cfg(name, tiny_ckpt, text_checkpoint=str(path)))
    loaded = model.decode_head.prompt_source.semantic.text_encoder.state_dict()
    for k, v in reference.state_dict().items():
        assert torch.equal(loaded[k], v), k


@pytest.mark.parametrize('name', ['coop', 'locn'])
def test_class_list_must_match_num_classes(name, tiny_ckpt):
    cfg = baseline_cfg(name, tiny_ckpt, classes=CLASSES[:5])
    with pytest.raises(ValueError, match='names 5 classes but num_classes is 11'):
        MODELS.build(cfg.model)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r'exactly one \{\}'):
        LOCNPrompt(['sky'], template='a photo.', text_encoder=TINY_TEXT)
    with pytest.raises(ValueError, match='more than the text encoder'):
        CoOpPrompt(['sky'], num_context=80, text_encoder=TINY_TEXT)
