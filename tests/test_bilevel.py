"""Bi-level training (BLO-SAM / AM-SAM): the two optimiser levels and BiLevelHook's upper step."""
import copy
import os.path as osp
import uuid

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapperDict
from mmengine.runner import Runner
from mmseg.registry import DATASETS
from torch.func import functional_call

from conftest import HUMAN, REPO, require_shared_data
from helpers import LogCatcher
from mmsam_prompt.engine.hooks.bilevel_hook import (BiLevelHook, first_order_grads,
                                                    unrolled_grads)
from mmsam_prompt.engine.optimizers import (BiLevelOptimWrapper,
                                            BiLevelOptimWrapperConstructor)

PROMPT = 'decode_head.prompt_source'
LR = dict(lower=5e-3, upper=1e-3)
# deterministic (no flip), so that a resumed run repeats the uninterrupted one
PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
            dict(type='SAMResizeLongestSide', target_length=256), dict(type='PackSegInputs')]
SHOTS = 6  # D1: 3 images (2 batches of 2), D2: 3 images (2 batches a pass)


def bilevel_cfg(ckpt: str, work_dir: str, subset: str = 'd1', max_epochs: int = 2,
                **hook) -> Config:
    """Tiny SAM at 256 px on 6 shots of the human set: learned prompt embedding (upper level),
    mask decoder (lower level), 0.2 CE + 0.8 Dice, bi-level AdamW + poly lr."""
    cfg = Config.fromfile(osp.join(REPO, 'configs/sam/sam_tiny_gt-box_vikram-human.py'))
    cfg.model.sam_checkpoint = ckpt
    head = cfg.model.decode_head
    head.prompt_source = dict(type='LearnedEmbeddingPrompt', target_class=1)
    head.loss_decode = [dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.2),
                        dict(type='ClassDiceLoss', loss_weight=0.8)]
    kshot = cfg.train_dataloader.dataset
    kshot.update(shots=SHOTS, seed=0, subset=subset)
    kshot.dataset.update(data_root=HUMAN, pipeline=PIPELINE)
    cfg.train_dataloader.update(batch_size=2, sampler=dict(type='DefaultSampler', shuffle=True))
    for part in ('val', 'test'):
        cfg[f'{part}_dataloader'] = cfg[f'{part}_cfg'] = cfg[f'{part}_evaluator'] = None
    cfg.optim_wrapper = dict(
        type='BiLevelOptimWrapper', constructor='BiLevelOptimWrapperConstructor',
        lower=dict(optimizer=dict(type='AdamW', lr=LR['lower'], betas=(0.9, 0.999),
                                  weight_decay=0.1)),
        upper=dict(optimizer=dict(type='AdamW', lr=LR['upper'], betas=(0.9, 0.999),
                                  weight_decay=0.1)),
        upper_params=(PROMPT, ))
    cfg.param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0, begin=0, end=max_epochs,
                                by_epoch=True, convert_to_iter_based=True)]
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=100)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=True, interval=1)
    cfg.custom_hooks.append(dict(type='BiLevelHook', **hook))
    cfg.randomness = dict(seed=0)
    cfg.work_dir = work_dir
    cfg.experiment_name = f'bilevel_{uuid.uuid4().hex[:8]}'  # own logger / visualizer
    cfg.visualizer.pop('name', None)
    cfg.log_level = 'WARNING'
    return cfg


def poly(lr0: float, i: int, iters: int = 4) -> float:
    """mmengine's PolyLR(power=0.9, eta_min=0) over ``iters`` iterations, at iteration i."""
    return lr0 * (1 - i / (iters - 1)) ** 0.9


def bilevel_hook(runner) -> BiLevelHook:
    return next(h for h in runner.hooks if isinstance(h, BiLevelHook))


def prepared(cfg: Config):
    """A runner with its optimiser wrapper built and BiLevelHook set up, not trained."""
    runner = Runner.from_cfg(cfg)
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    hook = bilevel_hook(runner)
    hook.before_train(runner)
    runner.model.train()
    return runner, hook


def snapshot(model) -> dict:
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def changed(model, before: dict) -> set:
    return {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}


def kshot_paths(ckpt: str, subset: str) -> list:
    cfg = bilevel_cfg(ckpt, '/tmp/unused', subset=subset).train_dataloader.dataset
    ds = DATASETS.build(cfg)
    return [ds.get_data_info(i)['img_path'] for i in range(len(ds))]


@pytest.fixture(scope='module')
def trained(tiny_ckpt, tmp_path_factory):
    """2 epochs x 2 iterations of first-order bi-level training, a checkpoint per epoch."""
    require_shared_data()
    work_dir = str(tmp_path_factory.mktemp('bilevel'))
    runner = Runner.from_cfg(bilevel_cfg(tiny_ckpt, work_dir))
    runner.train()
    return runner


@pytest.fixture
def runner_and_hook(tiny_ckpt, tmp_path):
    require_shared_data()
    return prepared(bilevel_cfg(tiny_ckpt, str(tmp_path)))


def test_levels_hold_the_right_parameters(runner_and_hook):
    """(a) upper = the prompt's parameters, lower = every other trainable one; disjoint."""
    runner, _ = runner_and_hook
    wrapper, model = runner.optim_wrapper, runner.model
    assert isinstance(wrapper, BiLevelOptimWrapper) and isinstance(wrapper, OptimWrapperDict)
    assert set(wrapper.keys()) == {'lower', 'upper'}
    held = {k: [p for g in wrapper[k].param_groups for p in g['params']] for k in wrapper.keys()}
    ids = {k: {id(p) for p in v} for k, v in held.items()}
    assert all(len(ids[k]) == len(held[k]) for k in held)  # no parameter twice
    named = dict(model.named_parameters())
    prompt = {id(p) for n, p in named.items() if n.startswith(PROMPT + '.')}
    decoder = {id(p) for n, p in named.items() if n.startswith('decode_head.mask_decoder.')}
    trainable = {id(p) for p in named.values() if p.requires_grad}
    assert prompt and ids['upper'] == prompt
    assert ids['lower'] == trainable - prompt == decoder
    assert not ids['lower'] & ids['upper']
    assert all(p.requires_grad for v in held.values() for p in v)
    assert set(wrapper.get_lr()) >= {'lower.lr', 'upper.lr'}
    assert wrapper.get_lr()['lower.lr'] == [LR['lower']]
    assert wrapper.get_lr()['upper.lr'] == [LR['upper']]


class _Toy(nn.Module):
    """Parameter names like the segmentor's: a decoder and a prompt source."""

    def __init__(self, prompt: bool = True):
        super().__init__()
        self.backbone = nn.Linear(2, 2).requires_grad_(False)
        self.decode_head = nn.Module()
        self.decode_head.mask_decoder = nn.Linear(2, 2)
        self.decode_head.prompt_source = nn.Linear(2, 2) if prompt else nn.Module()


def _construct(model, upper_params=(PROMPT, )):
    cfg = dict(type='BiLevelOptimWrapper', upper_params=upper_params,
               lower=dict(optimizer=dict(type='AdamW', lr=1e-2)),
               upper=dict(optimizer=dict(type='SGD', lr=1e-1)))
    return BiLevelOptimWrapperConstructor(cfg)(model)


def test_wrapper_trains_as_lower_and_warns_without_the_hook():
    toy = _Toy()
    wrapper = _construct(toy)
    assert isinstance(wrapper, BiLevelOptimWrapper)
    prompt_before = toy.decode_head.prompt_source.weight.detach().clone()
    x = torch.ones(1, 2)
    loss = toy.decode_head.prompt_source(toy.decode_head.mask_decoder(x)).sum()
    with LogCatcher() as log:
        wrapper.update_params(loss)
    assert any('no BiLevelHook' in m for m in log.msgs)
    assert torch.equal(toy.decode_head.prompt_source.weight, prompt_before)
    assert wrapper['lower'].inner_count == wrapper.inner_count == 1


def test_constructor_errors():
    with pytest.raises(ValueError, match="'decode_head.prompt' matches no parameter"):
        _construct(_Toy(), ('decode_head.prompt', ))  # prefixes end at a dot
    with pytest.raises(ValueError, match="'backbone' names only frozen"):
        _construct(_Toy(), (PROMPT, 'backbone'))
    frozen_decoder = _Toy()
    frozen_decoder.decode_head.mask_decoder.requires_grad_(False)
    with pytest.raises(ValueError, match='lower level is empty'):
        _construct(frozen_decoder)
    with pytest.raises(ValueError, match='upper_params is empty'):
        _construct(_Toy(), ())
    with pytest.raises(ValueError, match='paramwise_cfg'):
        BiLevelOptimWrapperConstructor(dict(upper_params=(PROMPT, )), dict(norm_decay_mult=0))


def test_training_subset_must_be_d1(tiny_ckpt, tmp_path):
    require_shared_data()
    runner = Runner.from_cfg(bilevel_cfg(tiny_ckpt, str(tmp_path), subset='all'))
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    with pytest.raises(ValueError, match="subset='all'.*set subset='d1'"):
        bilevel_hook(runner).before_train(runner)


def test_each_step_moves_only_its_level(runner_and_hook):
    """(b) the lower step (train_step on D1) changes decoder parameters only; the upper step
    (BiLevelHook on D2) changes the prompt only and leaves no gradient behind."""
    runner, hook = runner_and_hook
    model = runner.model
    prompt = {n for n, _ in model.named_parameters() if n.startswith(PROMPT + '.')}
    lower = set(hook.lower)
    d1 = next(iter(runner.train_dataloader))

    before = snapshot(model)
    runner.model.train_step(d1, runner.optim_wrapper)
    moved = changed(model, before)
    assert moved and moved <= lower  # (iou head: no gradient from the loss, so not moved)
    assert not moved & prompt
    # the lower backward also filled the prompt's .grad; the lower optimiser ignored it
    assert all(p.grad is not None for p in hook.upper)

    before = snapshot(model)
    hook.after_train_iter(runner, 0, d1)
    assert changed(model, before) == prompt
    assert all(p.grad is None for p in model.parameters())
    assert hook.upper_steps == 1
    assert np.isfinite(runner.message_hub.get_scalar('train/upper_loss').current())


def test_every_d2_image_is_visited_once_per_pass(trained, tiny_ckpt):
    """(c) two passes over D2 in 4 iterations: each is D2 exactly, never a D1 image."""
    hook = bilevel_hook(trained)
    d1, d2 = kshot_paths(tiny_ckpt, 'd1'), kshot_paths(tiny_ckpt, 'd2')
    assert len(d2) == SHOTS // 2 and not set(d1) & set(d2)
    assert hook.upper_steps == trained.iter == 4
    assert sorted(hook.visited) == [0, 1]
    for names in hook.visited.values():
        assert sorted(names) == sorted(d2)  # each D2 image once, nothing else
    assert hook.loader.sampler.epoch == 1  # the second pass was reshuffled with its own seed


def test_d2_first_batch_option_reuses_one_batch(tiny_ckpt, tmp_path):
    """d2_batches='first' (the authors' trainer): every upper step sees D2's first batch."""
    require_shared_data()
    runner, hook = prepared(bilevel_cfg(tiny_ckpt, str(tmp_path), max_epochs=1,
                                        d2_batches='first'))
    d1 = next(iter(runner.train_dataloader))
    for i in range(3):
        hook.after_train_iter(runner, i, d1)
    first = hook.visited[0][:len(hook.visited[0]) // 3]
    assert len(first) >= 1 and hook.visited[0] == first * 3 and list(hook.visited) == [0]
    assert len(set(first)) < len(kshot_paths(tiny_ckpt, 'd2'))  # D2 holds more than that batch
    with pytest.raises(ValueError, match="'walk' or 'first'"):
        BiLevelHook(d2_batches='all')


def test_both_learning_rates_follow_the_poly_schedule(trained):
    """(e) lr_i = lr_0 (1 - i / iter_max)^0.9 for both levels, logged as lower.lr / upper.lr.

    mmengine's PolyLR counts iter_max = iterations - 1: the last iteration runs at eta_min = 0."""
    assert trained.max_iters == 4
    for level, lr0 in LR.items():
        logged = trained.message_hub.get_scalar(f'train/{level}.lr').data[0]
        want = [poly(lr0, i) for i in range(4)]
        np.testing.assert_allclose(logged, want, rtol=1e-6)
        assert trained.optim_wrapper[level].param_groups[0]['lr'] == pytest.approx(0, abs=1e-12)


class _StateProbe(Hook):
    """Keeps the optimiser state as training (re)starts."""

    def before_train(self, runner):
        self.state = copy.deepcopy(runner.optim_wrapper.state_dict())


def _assert_same(a, b):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    else:
        assert a == b


def test_resume_restores_both_optimisers(trained, tiny_ckpt, tmp_path):
    """(f) resuming from epoch 1 restores both AdamW states and the schedules, and the
    second epoch then repeats the uninterrupted run (D2 stream included)."""
    ckpt = osp.join(trained.work_dir, 'epoch_1.pth')
    saved = torch.load(ckpt, map_location='cpu', weights_only=True)
    assert set(saved['optimizer']) == {'lower', 'upper'}
    assert set(saved['param_schedulers']) == {'lower', 'upper'}
    for level in ('lower', 'upper'):
        state = saved['optimizer'][level]['state']
        assert state and all(float(s['step']) == 2 for s in state.values())

    cfg = bilevel_cfg(tiny_ckpt, str(tmp_path))
    cfg.update(resume=True, load_from=ckpt)
    runner = Runner.from_cfg(cfg)
    probe = _StateProbe()
    runner.register_hook(probe, priority='LOWEST')
    runner.train()
    _assert_same(probe.state, saved['optimizer'])
    for level, lr0 in LR.items():
        np.testing.assert_allclose(
            runner.message_hub.get_scalar(f'train/{level}.lr').data[0][-2:],
            [poly(lr0, i) for i in (2, 3)], rtol=1e-6)

    ref, hook = bilevel_hook(trained), bilevel_hook(runner)
    assert hook.visited == {1: ref.visited[1]}
    want = dict(trained.model.named_parameters())
    for n, p in runner.model.named_parameters():
        torch.testing.assert_close(p, want[n], rtol=1e-4, atol=1e-6, msg=n)
    for level in ('lower', 'upper'):
        got = runner.optim_wrapper[level].state_dict()['state']
        ref_state = trained.optim_wrapper[level].state_dict()['state']
        for k in ref_state:
            assert float(got[k]['step']) == float(ref_state[k]['step']) == 4
            torch.testing.assert_close(got[k]['exp_avg'], ref_state[k]['exp_avg'],
                                       rtol=1e-3, atol=1e-7)


# (d) the unrolled (second-order) upper gradient
class _ToyLoss(nn.Module):
    """L(W, A; x, y) = mean((tanh(x W^T + A) . v - y)^2), W the lower, A the upper level."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.w = nn.Parameter(torch.randn(3, 4, generator=g, dtype=torch.float64))
        self.a = nn.Parameter(torch.randn(3, generator=g, dtype=torch.float64))
        self.v = torch.randn(3, generator=g, dtype=torch.float64)

    def forward(self, batch):
        x, y = batch
        return ((torch.tanh(x @ self.w.T + self.a) @ self.v - y) ** 2).mean()


def _toy_loss_fn(toy):
    def loss(batch, params):
        value = toy(batch) if params is None else functional_call(toy, params, (batch, ))
        return value, dict(loss=value.detach())
    return loss


def test_unrolled_gradient_matches_finite_differences():
    """d/dA L2(W - xi g1(W, A), A) by central differences in float64, A element by element."""
    toy = _ToyLoss()
    g = torch.Generator().manual_seed(1)
    d1 = (torch.randn(5, 4, generator=g, dtype=torch.float64),
          torch.randn(5, generator=g, dtype=torch.float64))
    d2 = (torch.randn(5, 4, generator=g, dtype=torch.float64),
          torch.randn(5, generator=g, dtype=torch.float64))
    xi = 0.5
    loss = _toy_loss_fn(toy)
    _, (got, ) = unrolled_grads(loss, {'w': toy.w}, [toy.a], d1, d2, xi)
    _, (first, ) = first_order_grads(loss, [toy.a], d2)
    assert toy.w.grad is None and toy.a.grad is None

    def f(a):  # the unrolled objective, through plain (first-order) autograd at each point
        w = toy.w.detach().requires_grad_()
        l1 = functional_call(toy, {'w': w, 'a': a}, (d1, ))
        (g1, ) = torch.autograd.grad(l1, w)
        return functional_call(toy, {'w': toy.w.detach() - xi * g1, 'a': a}, (d2, ))

    eps = 1e-6
    a0 = toy.a.detach()
    fd = torch.stack([(f(a0 + eps * e) - f(a0 - eps * e)) / (2 * eps)
                      for e in torch.eye(len(a0), dtype=torch.float64)])
    torch.testing.assert_close(got, fd, rtol=1e-6, atol=1e-8)
    assert not torch.allclose(got, first, rtol=1e-3)  # the second-order term matters here
    _, (zero_step, ) = unrolled_grads(loss, {'w': toy.w}, [toy.a], d1, d2, 0.0)
    torch.testing.assert_close(zero_step, first)


def test_unrolled_differs_from_first_order_on_sam(runner_and_hook):
    """On the model: xi = 0 reproduces the first-order gradient (functional_call path), the
    lower lr (5e-3) and a large xi give a different, second-order one; no .grad is written."""
    runner, hook = runner_and_hook
    loader = iter(runner.train_dataloader)
    d1, d2 = next(loader), next(iter(hook.loader))
    _, (first, ) = hook.upper_grads(runner, d1, d2)
    hook.unrolled = True
    grads = {}
    for xi in (0.0, None, 1.0):
        hook.unroll_lr = xi
        _, (grads[xi], ) = hook.upper_grads(runner, d1, d2)
    assert all(p.grad is None for p in runner.model.parameters())
    torch.testing.assert_close(grads[0.0], first, rtol=1e-5, atol=1e-9)
    assert (grads[None] - first).norm() > 1e-4 * first.norm()
    assert (grads[1.0] - first).norm() > 1e-3 * first.norm()
