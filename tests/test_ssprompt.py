"""SSPrompt: prompt-only training, defaults computed once, zero-shot equivalence, learning."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.models.text_encoder import CLIPTextEncoder
from mmseg.registry import MODELS

from helpers import (CAMVID_CLASSES, REPO, TINY_TEXT, assert_gradients_only_in, build_model,
                     tiny_camvid_cfg)
from helpers import square_sample as sample

CLASSES = CAMVID_CLASSES


def ssprompt_cfg(ckpt, spatial_mode='weighted', semantic_mode='weighted', classes=CLASSES):
    cfg = tiny_camvid_cfg('ssprompt', ckpt, classes, mode=semantic_mode)
    cfg.model.decode_head.prompt_source.spatial.mode = spatial_mode
    return cfg


def test_only_prompt_parameters_get_gradients_and_text_encoder_never_runs(tiny_ckpt, monkeypatch):
    model = build_model(ssprompt_cfg(tiny_ckpt)).train()
    assert not any(isinstance(m, CLIPTextEncoder) for m in model.modules())
    calls = []
    monkeypatch.setattr(CLIPTextEncoder, 'template_encode', lambda *a: calls.append(a))
    monkeypatch.setattr(CLIPTextEncoder, 'forward', lambda *a: calls.append(a))
    gt = np.random.default_rng(0).integers(0, 11, (256, 256))
    x, samples = torch.randn(2, 3, 256, 256), [sample(gt), sample(gt[::-1].copy())]

    def backward():
        model.zero_grad()
        losses = model.loss(x, samples)
        sum(v for k, v in losses.items() if 'loss' in k).backward()

    backward()
    # at initialisation P = E, so d(new)/dw = E - P = 0: the weights start to move once the
    # embeddings have; take one plain SGD step on the embeddings and look again
    with torch.no_grad():
        for p in model.parameters():
            if p.grad is not None:
                p -= 1.0 * p.grad
    backward()
    assert calls == []
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {
        'decode_head.prompt_source.semantic.fusion.weight',
        'decode_head.prompt_source.semantic.fusion.embedding',
        'decode_head.prompt_source.spatial.fusion.weight',
        'decode_head.prompt_source.spatial.fusion.embedding'}
    assert_gradients_only_in(model, trainable)


def test_weights_one_and_zero_embeddings_reproduce_the_default_prompts(tiny_ckpt):
    zero_shot = build_model(ssprompt_cfg(tiny_ckpt, 'default', 'default'))
    learned = build_model(ssprompt_cfg(tiny_ckpt))
    src = learned.decode_head.prompt_source
    with torch.no_grad():
        for part in (src.spatial, src.semantic):
            part.fusion.weight.fill_(1.0)
            part.fusion.embedding.zero_()
        x = torch.randn(2, 3, 256, 256)
        samples = [sample(np.zeros((256, 256), np.int64)) for _ in range(2)]
        a, b = zero_shot._forward(x, samples), learned._forward(x, samples)
    assert torch.equal(a, b)
    assert a.shape == (2, 11, 256, 256)
    # and at initialisation (P = E) the learned model starts from the default prompts too
    fresh = build_model(ssprompt_cfg(tiny_ckpt))
    with torch.no_grad():
        torch.testing.assert_close(fresh._forward(x, samples), a, atol=1e-5, rtol=0)


def test_class_list_must_match_num_classes(tiny_ckpt):
    cfg = ssprompt_cfg(tiny_ckpt, classes=CLASSES[:5])
    with pytest.raises(ValueError, match='names 5 classes but num_classes is 11'):
        MODELS.build(cfg.model)


def test_short_run_on_camvid_raises_training_set_miou(tmp_path, tiny_ckpt):
    """Prompt learning alone (SAM frozen, random weights) fits the 4 training images better."""
    from conftest import CAMVID, require_shared_data
    from mmengine.runner import Runner
    require_shared_data()
    split = tmp_path / 'train4.txt'
    stems = open(f'{CAMVID}/splits/train.txt').read().split()[:4]
    split.write_text('\n'.join(stems) + '\n')
    cfg = ssprompt_cfg(tiny_ckpt)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_dataloader.dataset.shots = 4
    cfg.train_dataloader.dataset.dataset.ann_file = str(split)
    cfg.val_dataloader.dataset.ann_file = str(split)  # evaluate on the training images
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=30, val_interval=1000)
    cfg.param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0, begin=0, end=30,
                                by_epoch=False)]
    # random SAM weights give tiny gradients on the prompt tokens, hence the large step size
    cfg.optim_wrapper.optimizer.lr = 50.0
    cfg.randomness = dict(seed=0)
    runner = Runner.from_cfg(cfg)
    start = runner.val()['mIoU']  # zero-shot: P = E at initialisation
    runner.train()
    end = runner.val()['mIoU']
    print(f'training-set mIoU: zero-shot start {start:.2f} -> after 30 iterations {end:.2f}')
    assert end > start * 1.2


@pytest.mark.parametrize('name,learned', [
    ('sam-default-prompts', set()),
    ('spaprompt', {'spatial.fusion.weight', 'spatial.fusion.embedding'}),
    ('semprompt', {'semantic.fusion.weight', 'semantic.fusion.embedding'}),
    ('ssprompt-no-weights', {'spatial.fusion.embedding', 'semantic.fusion.embedding'}),
    ('ssprompt', {'spatial.fusion.weight', 'spatial.fusion.embedding',
                  'semantic.fusion.weight', 'semantic.fusion.embedding'}),
])
def test_comparison_configs_learn_what_they_say(name, learned, tiny_ckpt):
    cfg = Config.fromfile(f'{REPO}/configs/ssprompt/{name}_tiny_camvid.py')
    cfg.model.sam_checkpoint = tiny_ckpt
    cfg.model.decode_head.prompt_source.semantic.text_encoder = TINY_TEXT
    model = MODELS.build(cfg.model)
    prefix = 'decode_head.prompt_source.'
    assert {n[len(prefix):] for n, p in model.named_parameters() if p.requires_grad} == learned


def test_semantic_weight_plot_from_a_trained_checkpoint(tmp_path, tiny_ckpt):
    import subprocess
    import sys
    from mmengine.runner import Runner
    from conftest import require_shared_data
    require_shared_data()
    cfg = ssprompt_cfg(tiny_ckpt)
    cfg.work_dir = str(tmp_path / 'w')
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=1000)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False, interval=2)
    cfg.train_dataloader.dataset.shots = 2
    cfg.optim_wrapper.optimizer.lr = 50.0
    runner = Runner.from_cfg(cfg)
    runner.train()
    out = tmp_path / 'w.png'
    proc = subprocess.run([sys.executable, f'{REPO}/tools/plot_semantic_weights.py',
                           str(tmp_path / 'w' / 'iter_2.pth'), '--out', str(out)],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'Sky' in proc.stdout and out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_150_classes_chunked_decoding_equals_one_pass(tiny_ckpt):
    """ADE20K-sized class lists: chunked (checkpointed) decoding gives the same logits and
    gradients as decoding all B x K prompts at once."""
    names = tuple(f'class{i}' for i in range(150))
    results = []
    for chunk in (None, 64):
        cfg = ssprompt_cfg(tiny_ckpt, classes=names)
        cfg.model.decode_head.num_classes = 150
        cfg.model.decode_head.decode_chunk = chunk
        model = build_model(cfg).train()
        torch.manual_seed(0)
        x = torch.randn(2, 3, 256, 256)
        gt = np.random.default_rng(0).integers(0, 150, (256, 256))
        logits = model._forward(x, [sample(gt), sample(gt)])
        losses = model.loss(x, [sample(gt), sample(gt)])
        losses['decode.loss_ce'].backward()
        grad = model.decode_head.prompt_source.semantic.fusion.embedding.grad.clone()
        results.append((logits.detach(), grad))
    assert results[0][0].shape == (2, 150, 256, 256)
    torch.testing.assert_close(results[0][0], results[1][0], atol=1e-5, rtol=0)
    torch.testing.assert_close(results[0][1], results[1][1], atol=1e-6, rtol=1e-4)
