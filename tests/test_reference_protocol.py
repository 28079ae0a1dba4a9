"""The parts of BLO-SAM's reference protocol one by one, and its configs.

(tests/test_reference_blo_sam.py shows the whole protocol equal to the authors' code.)
"""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from scipy.ndimage import zoom

from conftest import REPO, require_shared_data
from mmsam_prompt.datasets.transforms.zoom_resize import ZoomResize
from mmsam_prompt.engine.schedulers.blo_sam_reference_lr import BLOSAMReferenceLR
from mmsam_prompt.evaluation.per_image_dice_metric import PerImageDiceMetric
from mmsam_prompt.utils.label_resize import zoom_nearest

SETS = ('vikram-human', 'tiktok-dancing', 'isic2018')


@pytest.mark.parametrize('src,dst', [(256, 64), (1024, 256), (64, 16)])
def test_zoom_nearest_is_scipy_zoom_order_0(src, dst):
    """The low-resolution label of the loss and the metric: scipy.ndimage.zoom(order=0), which
    is not F.interpolate(mode='nearest')."""
    labels = torch.randint(0, 5, (2, src, src))
    ours = zoom_nearest(labels, dst)
    for lab, o in zip(labels, ours):
        assert np.array_equal(o.numpy(), zoom(lab.numpy(), dst / src, order=0))
    floor = torch.nn.functional.interpolate(labels[:, None].float(), (dst, dst))[:, 0].long()
    assert not torch.equal(ours, floor)


def test_zoom_resize_is_their_transform():
    """ZoomResize: pixels / 255 in float64, zoom order 3 to the square, float32; labels order 0
    by their own size; grayscale images get three channels."""
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    seg = rng.integers(0, 2, (19, 27), dtype=np.uint8)  # a mask at another resolution
    out = ZoomResize(size=32).transform(dict(img=img.copy(), gt_seg_map=seg.copy(),
                                             seg_fields=['gt_seg_map']))
    expect = zoom(img / 255.0, (32 / 37, 32 / 53, 1), order=3).astype(np.float32)
    assert out['img'].dtype == np.float32 and np.array_equal(out['img'], expect)
    assert np.array_equal(out['gt_seg_map'], zoom(seg, (32 / 19, 32 / 27), order=0))
    assert out['img_shape'] == (32, 32) and out['scale_factor'] == (32 / 53, 32 / 37)
    # the output cache: the same input again gives the same arrays (copies: writable, not
    # shared), another input is zoomed anew
    tf = ZoomResize(size=32)
    first = tf.transform(dict(img=img.copy(), gt_seg_map=seg.copy(), seg_fields=['gt_seg_map']))
    first['img'][:] = -1  # a later step writing to its output must not reach the cache
    again = tf.transform(dict(img=img.copy(), gt_seg_map=seg.copy(), seg_fields=['gt_seg_map']))
    assert len(tf._cache) == 1 and np.array_equal(again['img'], expect)
    assert np.array_equal(again['gt_seg_map'], out['gt_seg_map'])
    other = tf.transform(dict(img=img[::-1].copy()))
    assert len(tf._cache) == 2 and not np.array_equal(other['img'], expect)
    gray = ZoomResize(size=32).transform(dict(img=img[..., 0].copy()))
    assert gray['img'].shape == (32, 32, 3)
    with pytest.raises(ValueError, match='divide_by'):
        ZoomResize(divide_by=0)


def sample(logits, gt, shape=None):
    return dict(low_res_seg_logits=dict(data=logits), gt_sem_seg=dict(data=gt[None]),
                batch_input_shape=shape or tuple(gt.shape))


def test_per_image_dice_semantics():
    """Per image, argmax, foreground classes only, 0 for an image without foreground (their
    no_fg_score), ignored pixels count nowhere; then the mean over images, in percent."""
    metric = PerImageDiceMetric(resolution='low')
    gt = torch.zeros(8, 8, dtype=torch.long)
    gt[:4] = 1  # 32 foreground pixels
    logits = torch.zeros(2, 2, 2)
    logits[1, :1] = 1  # foreground predicted on the first low-res row = rows 0..3 of 8 -> ...
    metric.process({}, [sample(logits, gt)])
    low = zoom_nearest(gt, 2)  # rows 0 and 7 of 8 -> [1, 0]
    pred = logits.argmax(0)
    tp = int(((pred == 1) & (low == 1)).sum())
    assert metric.results[-1] == pytest.approx(2 * tp / (int((pred == 1).sum()) + int(
        (low == 1).sum())))
    metric.process({}, [sample(logits, torch.zeros(8, 8, dtype=torch.long))])
    assert metric.results[-1] == 0.0  # no foreground in the ground truth: 0, as theirs
    ignored = gt.clone()
    ignored[4:] = 255  # the predicted-background half ignored: still exact
    metric.process({}, [sample(torch.stack([-logits[1], logits[1]]), ignored)])
    assert metric.results[-1] == pytest.approx(1.0)
    assert metric.compute_metrics(metric.results)['per_image_dice'] == pytest.approx(
        100 * sum(metric.results) / 3)
    with pytest.raises(ValueError, match='input resolution'):
        metric.process({}, [sample(logits, gt, shape=(16, 16))])
    with pytest.raises(KeyError, match='keep_low_res_logits'):
        metric.process({}, [dict(gt_sem_seg=dict(data=gt[None]))])
    with pytest.raises(ValueError, match="'low' or 'full'"):
        PerImageDiceMetric(resolution='mid')


def their_lrs(base_lr, prompt_base_lr, total, warmup=0):
    """trainer.py / prompt.py's learning rates, step by step as their loop sets them."""
    lower, upper = [base_lr / 25], [prompt_base_lr]  # OneCycleLR's start; the prompt's lr
    for it in range(total - 1):
        if warmup and it < warmup:
            lower.append(base_lr * ((it + 1) / warmup))
        else:
            shift = it - warmup if warmup else it
            lower.append(base_lr * (1.0 - shift / total) ** 0.9)
        upper.append(base_lr * (1.0 - it / total) ** 0.9)  # prompt.py: args.base_lr
    return lower, upper


@pytest.mark.parametrize('warmup', [0, 3])
def test_reference_lr_follows_their_loop(warmup):
    total = 10
    lower, upper = their_lrs(5e-3, 1e-3, total, warmup)
    got = {}
    for name, lr, kwargs in (('lower', 5e-3, dict(first_lr=5e-3 / 25, warmup_iters=warmup)),
                             ('upper', 1e-3, dict(peak_lr=5e-3))):
        opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=lr)
        sched = BLOSAMReferenceLR(opt, end=total, **kwargs)
        got[name] = []
        for _ in range(total):
            got[name].append(opt.param_groups[0]['lr'])
            opt.step()
            sched.step()
    assert got['lower'] == pytest.approx(lower, rel=1e-12)
    assert got['upper'] == pytest.approx(upper, rel=1e-12)
    with pytest.raises(ValueError, match='needs `end`'):
        BLOSAMReferenceLR(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1))


def tiny_head(**head):
    cfg = Config.fromfile(osp.join(REPO, 'configs/blo_sam/blo-sam-reference_tiny_vikram-human.py'))
    cfg.model.decode_head.update(head)
    return cfg


def test_reference_head_and_decoder_options_fail_clearly():
    cfg = tiny_head()
    head = dict(cfg.model.decode_head)
    with pytest.raises(ValueError, match='background_index=None'):
        MODELS.build(dict(head, background_index=0))
    with pytest.raises(ValueError, match='one mask token per class'):
        MODELS.build(dict(head, mask_decoder=dict(head['mask_decoder'], num_multimask_outputs=2,
                                                  )))
    with pytest.raises(ValueError, match='add .* to fresh'):
        MODELS.build(dict(head, mask_decoder=dict(head['mask_decoder'], fresh=('mask_tokens', ))))
    with pytest.raises(ValueError, match="'input' or 'low'"):
        MODELS.build(dict(head, loss_resolution='quarter'))
    built = MODELS.build(head)
    assert built.mask_decoder.num_mask_tokens == 2
    trained = {n.split('.')[0] for n, p in built.mask_decoder.named_parameters()
               if p.requires_grad and 'lora' not in n}
    assert trained == {'iou_token', 'mask_tokens', 'output_upscaling',
                       'output_hypernetworks_mlps', 'iou_prediction_head'}


def test_fresh_parts_keep_their_init_and_the_rest_loads(tiny_ckpt):
    """The authors' load_from: SAM's weights except mask tokens, MLPs and IoU head."""
    cfg = tiny_head(checkpoint=tiny_ckpt)
    torch.manual_seed(0)
    head = MODELS.build(cfg.model.decode_head)
    state = torch.load(tiny_ckpt, weights_only=True)
    dec = head.mask_decoder
    assert torch.equal(dec.iou_token.weight, state['mask_decoder.iou_token.weight'])
    assert torch.equal(dec.output_upscaling[0].weight,
                       state['mask_decoder.output_upscaling.0.weight'])
    assert dec.mask_tokens.weight.shape == (2, 256)
    assert dec.output_hypernetworks_mlps[1].layers[0].weight.shape == (256, 256)
    assert not torch.equal(dec.output_hypernetworks_mlps[0].layers[0].weight,
                           state['mask_decoder.output_hypernetworks_mlps.0.layers.0.weight'])


def test_low_resolution_loss_ignores_padding(tiny_ckpt):
    """loss_resolution='low' (any SAMHead): CE + Dice on the (B, C, h/4, w/4) logits against the
    zoomed label; the data preprocessor's padding (ignore_index) is ignored, and CE averages
    over the non-ignored pixels only (avg_non_ignore=True)."""
    cfg = tiny_head(checkpoint=tiny_ckpt)
    torch.manual_seed(0)
    head = MODELS.build(cfg.model.decode_head)
    emb = torch.randn(1, 256, 16, 16)
    gt = torch.randint(0, 2, (1, 256, 256))
    gt[:, 160:] = 255  # padding below a 160-row image
    ds = SegDataSample(metainfo=dict(img_shape=(160, 256), ori_shape=(160, 256),
                                     batch_input_shape=(256, 256)))
    ds.gt_sem_seg = PixelData(data=gt)
    losses = head.loss((emb, ), [ds], {})
    low = head.low_res_logits((emb, ), [ds])
    assert low.shape == (1, 2, 64, 64)
    label = zoom_nearest(gt[0], 64)
    valid = label != 255
    ce = torch.nn.functional.cross_entropy(low[0].permute(1, 2, 0)[valid], label[valid])
    assert float(losses['loss_ce']) == pytest.approx(0.2 * float(ce), rel=1e-5)
    prob = low.softmax(1)[0][:, valid]
    onehot = torch.stack([label[valid] == k for k in range(2)]).float()
    dice = 1 - ((2 * (prob * onehot).sum(1) + 1e-5) /
                ((prob ** 2).sum(1) + onehot.sum(1) + 1e-5)).mean()
    assert float(losses['loss_dice']) == pytest.approx(0.8 * float(dice), rel=1e-5)
    # changing the logits' padded region does not change the loss
    head.low_res_logits = lambda inputs, samples: torch.where(
        valid[None, None], low, torch.full_like(low, 50.0))
    again = head.loss((emb, ), [ds], {})
    assert float(again['loss_ce']) == pytest.approx(float(losses['loss_ce']), rel=1e-6)


def test_reference_configs_load_with_the_protocol():
    """Every reference leaf (BLO-SAM and AM-SAM, 3 sets x 4/8/16 shots) has the protocol."""
    for method in ('blo_sam/blo-sam', 'am_sam/am-sam'):
        for data in SETS:
            for shots in (4, 8, 16):
                path = osp.join(REPO, f'configs/{method}-reference_vit-b_{shots}shot_{data}.py')
                cfg = Config.fromfile(path)
                head = cfg.model.decode_head
                assert cfg.train_dataloader.batch_size == 1
                assert cfg.train_dataloader.sampler.shuffle is False
                assert cfg.train_dataloader.dataset.shots == shots
                assert cfg.val_dataloader.dataset.shots == shots
                for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
                    ds = cfg[loader].dataset
                    pipeline = (ds.get('dataset') or ds).pipeline
                    names = [t['type'] for t in pipeline]
                    assert 'RandomFlip' not in names and 'ZoomResize' in names, (path, names)
                assert cfg.model.data_preprocessor['mean'] == (0., 0., 0.)
                assert head.loss_resolution == 'low' and head.mask_outputs == 'tokens'
                assert head.prompt_source.dense == 'vector'
                assert cfg.default_hooks.checkpoint.save_best == 'per_image_dice'
                assert cfg.val_evaluator[0]['type'] == 'PerImageDiceMetric'
                assert cfg.optim_wrapper.lower.optimizer.betas == (0.95, 0.999)


class DiceRecorder(Hook):
    priority = 'LOWEST'

    def __init__(self):
        self.dice = []

    def after_val_epoch(self, runner, metrics=None):
        self.dice.append(metrics['per_image_dice'])


def reference_cfg(name: str, ckpt: str, work_dir, monkeypatch) -> Config:
    """configs/blo_sam/<name> as it is, with SAM weights ``ckpt``, run from the repository."""
    require_shared_data()
    monkeypatch.chdir(REPO)
    cfg = Config.fromfile(f'configs/blo_sam/{name}')
    cfg.model.sam_checkpoint = ckpt
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    return cfg


def test_tiny_reference_run_raises_per_image_d2_dice(tmp_path, tiny_ckpt, monkeypatch):
    """The tiny reference config as it is (8 shots: D1 = D2 = 4 images, batch 1, 20 epochs):
    per-image low-resolution Dice on D2 ends above its first epoch, and the best checkpoint
    (by it) is saved."""
    cfg = reference_cfg('blo-sam-reference_tiny_vikram-human.py', tiny_ckpt, tmp_path, monkeypatch)
    runner = Runner.from_cfg(cfg)
    recorder = DiceRecorder()
    runner.register_hook(recorder)
    runner.train()
    dice = recorder.dice
    print('tiny reference BLO-SAM, D2 per-image Dice per epoch:', [round(d, 1) for d in dice])
    assert len(dice) == cfg.train_cfg.max_epochs
    assert max(dice[-5:]) > dice[0] + 5, dice
    assert glob.glob(str(tmp_path / 'best_per_image_dice_epoch_*.pth'))


def test_vit_b_reference_config_runs_an_iteration(tmp_path, vit_b_ckpt, monkeypatch):
    """configs/blo_sam/blo-sam-reference_vit-b_4shot_vikram-human.py as it is (its KShot D1 /
    D2, pipelines, model, optimisers, schedule): one epoch of D1 = 2 iterations, each a lower
    and an upper step that move their parameters."""
    cfg = reference_cfg('blo-sam-reference_vit-b_4shot_vikram-human.py', vit_b_ckpt, tmp_path,
                        monkeypatch)
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 2  # no validation
    for key in ('train_dataloader', 'val_dataloader'):
        cfg[key].num_workers, cfg[key].persistent_workers = 0, False
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1, save_last=False)
    runner = Runner.from_cfg(cfg)
    head = runner.model.decode_head
    before = {n: p.detach().clone() for n, p in runner.model.named_parameters()
              if p.requires_grad}
    runner.train()
    after = dict(runner.model.named_parameters())
    assert runner.iter == 2
    assert not torch.equal(after['decode_head.prompt_source.dense'],
                           before['decode_head.prompt_source.dense'])  # upper level
    assert not torch.equal(after['decode_head.mask_decoder.mask_tokens.weight'],
                           before['decode_head.mask_decoder.mask_tokens.weight'])  # lower
    assert head.prompt_source.dense.shape == (1, 256, 1, 1)


def test_am_sam_table_configs_for_every_set():
    """AM-SAM's missing rows: Table 4's ablations at 4 shots, and SAMed / DeepLabV3 / zero-shot
    SAM on TikTok and ISIC 2018 (Table 1 has them), each on its set with its shots."""
    roots = {'tiktok-dancing': 'data/tiktok_dancing', 'isic2018': 'data/isic2018'}
    for data, root in roots.items():
        for part, calibration, boxes in (('detector-only', False, True),
                                         ('calibration-only', True, False)):
            cfg = Config.fromfile(osp.join(REPO, f'configs/am_sam/am-sam-{part}_vit-b_4shot_'
                                                 f'{data}.py'))
            head = cfg.model.decode_head
            assert cfg.train_dataloader.dataset.shots == cfg.val_dataloader.dataset.shots == 4
            assert (head.mask_decoder.get('calibration') is not None) == calibration
            assert ('box_source' in head.prompt_source) == boxes
            assert cfg.train_dataloader.dataset.dataset.data_root == root
        for shots in ((4, 8) if data == 'tiktok-dancing' else (4, 8, 16)):
            for path in (f'configs/samed/samed_vit-b_{shots}shot_{data}.py',
                         f'configs/deeplabv3/deeplabv3_r50-d8_{shots}shot_{data}.py'):
                cfg = Config.fromfile(osp.join(REPO, path))
                assert cfg.train_dataloader.dataset.type == 'KShotDataset'
                assert cfg.train_dataloader.dataset.shots == shots
                assert cfg.train_dataloader.sampler.type == 'DefaultSampler'
                assert cfg.test_dataloader.dataset.data_root == root
        for prompt in ('GTBoxPrompt', 'DefaultPrompt'):
            name = 'gt-box' if prompt == 'GTBoxPrompt' else 'default-prompt'
            cfg = Config.fromfile(osp.join(REPO, f'configs/sam/sam_vit-b_{name}_{data}.py'))
            assert cfg.model.decode_head.prompt_source.type == prompt
            assert cfg.train_dataloader is None and cfg.test_dataloader.dataset.data_root == root
