"""Time the three expensive paths on this machine's accelerator (or, with --cpu, a reduced
version of them on the CPU) with random SAM weights, and extrapolate a full run.

    python tools/gpu_check.py [--cpu] [--data-root DIR] [--epochs 3] [--out results.json]

Cases (each prints seconds per iteration, peak memory, encoder passes and the extrapolated
16-shot 100-epoch wall time):
  blo-sam-256   BLO-SAM at 256 px (the reference-protocol config when it exists, else
                blo-sam_vit-b-256_16shot_vikram-human.py), 16 shots, a few epochs, through
                mmengine's Runner as tools/train.py runs it (D2 validation every epoch);
  am-sam-1024   AM-SAM at 1024 px with its mmdet detector (random YOLOX-s), 16 shots;
  ssprompt-k150 SSPrompt with K = 150 classes (ADE20K's names) and chunked decoding, training
                steps on generated 150-class images;
  encoder-bf16  the vit-b encoder pass at 1024 px in float32 and under bf16 autocast
                (model.encoder_autocast='bf16'): time, peak memory, relative difference.
--cpu (also chosen when torch sees no CUDA device): tiny SAM at 256 px, 4 shots, 2 epochs /
steps: the same code paths in a few minutes on 2 cores (the extrapolation then describes that
tiny setting, not vit-b).
"""
import argparse
import json
import math
import os
import os.path as osp
import sys
import tempfile
import time
import warnings

warnings.filterwarnings('ignore')

import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY_TEXT = dict(embed_dims=64, num_layers=1, num_heads=2, output_dims=64)
FULL_SHOTS, FULL_EPOCHS = 16, 100


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def peak_memory_mib() -> float:
    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    from mmsam_prompt.utils.benchmark import peak_rss_mib
    return peak_rss_mib()


def reset_peak() -> None:
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


class EncoderMeter:
    """Counts and times the images that pass through the SAM image encoder (cache misses)."""

    def __init__(self, backbone) -> None:
        self.images, self.seconds, self._t = 0, 0.0, 0.0
        backbone.register_forward_pre_hook(self._pre)
        backbone.register_forward_hook(self._post)

    def _pre(self, module, args):
        sync()
        self._t = time.perf_counter()

    def _post(self, module, args, output):
        sync()
        self.seconds += time.perf_counter() - self._t
        self.images += int(args[0].shape[0])


def make_timer_hook():
    from mmengine.hooks import Hook
    from mmseg.registry import HOOKS

    @HOOKS.register_module(force=True)
    class GPUCheckTimer(Hook):
        priority = 'VERY_LOW'

        def before_run(self, runner):
            model = runner.model.module if hasattr(runner.model, 'module') else runner.model
            self.encoder = EncoderMeter(model.backbone)
            self.iters, self.vals = [], []  # (epoch, seconds, encoder images, encoder seconds)
            reset_peak()

        def before_train_epoch(self, runner):
            sync()
            self._t = time.perf_counter()

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            self._enc, self._enc_s = self.encoder.images, self.encoder.seconds

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            # wall time since the previous iteration ended: data loading (and a detector in
            # the pipeline), the step, the upper step (BiLevelHook), the other hooks
            sync()
            now = time.perf_counter()
            self.iters.append((runner.epoch, now - self._t, self.encoder.images - self._enc,
                               self.encoder.seconds - self._enc_s))
            self._t = now

        def before_val_epoch(self, runner):
            sync()
            self._tv, self._encv = time.perf_counter(), self.encoder.images

        def after_val_epoch(self, runner, metrics=None):
            sync()
            self.vals.append((runner.epoch, time.perf_counter() - self._tv,
                              self.encoder.images - self._encv))

    return GPUCheckTimer


def random_checkpoint(arch: str, tmp: str) -> str:
    from mmsam_prompt.models.sam.reference_sam import random_sam_state_dict
    path = osp.join(tmp, f'sam_{arch}_random.pth')
    torch.save(random_sam_state_dict(arch, seed=0), path)
    return path


def runner_case(name: str, config: str, options: dict, shots: int, epochs: int,
                tmp: str) -> dict:
    """Train ``config`` for ``epochs`` through mmengine's Runner; time every iteration."""
    from mmengine.runner import Runner
    from mmsam_prompt.tools.shots_sweep import _console_to_log_file, run_config

    from mmsam_prompt.tools.reproduce import ConfigInfo

    make_timer_hook()
    work = osp.join(tmp, name)
    # a detector in the pipeline runs on the GPU when mmcv has CUDA ops, else on the CPU
    detectors = [k[:-len('.checkpoint')] + '.device' for k in ConfigInfo(config).detector_keys]
    options = dict(options, **{k: 'auto' for k in detectors})
    cfg = run_config(osp.join(ROOT, config), options, shots, 0, work, experiment_name=name)
    cfg.train_cfg.max_epochs = epochs
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10**6, save_last=False)
    cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [dict(type='GPUCheckTimer')]
    t0 = time.perf_counter()
    with _console_to_log_file():
        runner = Runner.from_cfg(cfg)
        runner.train()
    wall = time.perf_counter() - t0
    hook = next(h for h in runner.hooks if type(h).__name__ == 'GPUCheckTimer')
    model = runner.model.module if hasattr(runner.model, 'module') else runner.model
    cache = getattr(model, 'feature_cache', None)
    batch = cfg.train_dataloader.batch_size
    flips = 'RandomFlip' in str(cfg.train_dataloader)
    d1 = len(runner.train_dataloader.dataset)
    # an iteration's cost once every input is cached: its wall time less its encoder passes
    s_iter = float(np.median([s - es for _, s, _, es in hook.iters]))
    val_cached = [s for _, s, n in hook.vals if n == 0]
    s_val = float(np.median(val_cached)) if val_cached else (
        float(np.median([s for _, s, _ in hook.vals])) if hook.vals else 0.0)
    enc = hook.encoder
    s_enc = enc.seconds / max(enc.images, 1)
    # the floor of the full run: every distinct input encoded once (x2 with random flips),
    # D1 / batch iterations per epoch, one D2 validation per epoch
    full_d1 = FULL_SHOTS // 2 if d1 < shots else FULL_SHOTS
    passes = FULL_SHOTS * (2 if flips else 1)
    iters = FULL_EPOCHS * math.ceil(full_d1 / batch)
    extrapolated = passes * s_enc + iters * s_iter + FULL_EPOCHS * s_val
    del runner
    return dict(case=name, config=config, shots=shots, epochs=epochs, iterations=len(hook.iters),
                wall_s=wall, cache=bool(cache and cache.enabled), s_per_iter_cached=s_iter,
                s_per_encoder_image=s_enc,
                encoder_passes=enc.images, s_val_epoch=s_val, peak_mem_mib=peak_memory_mib(),
                full_run=dict(encoder_passes=passes, iterations=iters, seconds=extrapolated))


def ssprompt_case(arch: str, ckpt: str, steps: int, tmp: str, cpu: bool) -> dict:
    """SSPrompt training steps at K = 150 on generated images (chunked decoding)."""
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper
    from mmseg.datasets import ADE20KDataset, BaseSegDataset
    from mmseg.registry import MODELS
    from PIL import Image

    classes = ADE20KDataset.METAINFO['classes']
    cfg = Config.fromfile(osp.join(ROOT, 'configs/ssprompt/ssprompt_vit-b_16shot_ade20k.py'))
    if cpu:
        tiny = Config.fromfile(osp.join(ROOT, 'configs/ssprompt/ssprompt_tiny_camvid.py'))
        head = cfg.model.decode_head
        cfg.model = tiny.model
        cfg.model.decode_head.num_classes = len(classes)
        cfg.model.decode_head.decode_chunk = head.get('decode_chunk')
        cfg.model.decode_head.prompt_source.semantic.update(class_names=classes,
                                                            text_encoder=TINY_TEXT)
        cfg.model.decode_head.prompt_source.spatial.num_points = 16
        pipeline = tiny.train_dataloader.dataset.dataset.pipeline
    else:
        pipeline = cfg.train_dataloader.dataset.dataset.pipeline
    cfg.model.sam_checkpoint = ckpt
    root = osp.join(tmp, 'k150')
    os.makedirs(osp.join(root, 'img'), exist_ok=True)
    os.makedirs(osp.join(root, 'ann'), exist_ok=True)
    rng = np.random.default_rng(0)
    n_img = 4
    for i in range(n_img):  # 8 x 8 blocks of random classes: ~50 classes per image
        lab = np.kron(rng.integers(0, len(classes), (8, 8)), np.ones((64, 86), int))
        Image.fromarray(rng.integers(0, 255, (*lab.shape, 3), dtype=np.uint8)).save(
            osp.join(root, 'img', f'{i}.png'))
        Image.fromarray(lab.astype(np.uint8)).save(osp.join(root, 'ann', f'{i}.png'))
    ds = BaseSegDataset(data_root=root, data_prefix=dict(img_path='img', seg_map_path='ann'),
                        img_suffix='.png', seg_map_suffix='.png', metainfo=dict(classes=classes),
                        pipeline=pipeline)
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    model = MODELS.build(cfg.model).to(device).train()
    enc = EncoderMeter(model.backbone)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    batches = [pseudo_collate([ds[2 * i], ds[2 * i + 1]]) for i in range(n_img // 2)]
    for b in batches:  # fill the embedding cache (not timed)
        model.train_step(b, optim)
    reset_peak()
    times = []
    for i in range(steps):
        sync()
        t = time.perf_counter()
        model.train_step(batches[i % len(batches)], optim)
        sync()
        times.append(time.perf_counter() - t)
    s_iter = float(np.median(times))
    iters = cfg.train_cfg.max_iters
    full = FULL_SHOTS * 2 * enc.seconds / max(enc.images, 1) + iters * s_iter
    return dict(case='ssprompt-k150', config='configs/ssprompt/ssprompt_vit-b_16shot_ade20k.py'
                + (' (model: tiny at 256)' if cpu else ''), classes=len(classes),
                decode_chunk=cfg.model.decode_head.get('decode_chunk'), steps=steps,
                s_per_iter_cached=s_iter, s_per_encoder_image=enc.seconds / max(enc.images, 1),
                encoder_passes=enc.images, peak_mem_mib=peak_memory_mib(),
                full_run=dict(encoder_passes=FULL_SHOTS * 2, iterations=iters, seconds=full))


def encoder_bf16_case(arch: str, ckpt: str, size: int, reps: int) -> dict:
    """The encoder pass in float32 and under bf16 autocast (model.encoder_autocast='bf16'):
    seconds per image and the relative L2 difference of the embeddings."""
    from mmengine.config import Config
    from mmseg.registry import MODELS

    name = {'tiny': 'sam_tiny', 'vit-b': 'sam_vit_b'}[arch]
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0)).to(device)
    out, times = {}, {}
    for mode in (None, 'bf16'):
        cfg = Config.fromfile(osp.join(ROOT, f'configs/_base_/models/{name}.py'))
        cfg.model.update(sam_checkpoint=ckpt, feature_cache=None, encoder_autocast=mode)
        model = MODELS.build(cfg.model).to(device).eval()
        reset_peak()
        with torch.no_grad():
            out[mode] = model.extract_feat(x)[0]  # warm-up
            sync()
            t = time.perf_counter()
            for _ in range(reps):
                model.extract_feat(x)
            sync()
        times[mode] = ((time.perf_counter() - t) / reps, peak_memory_mib())
        del model
    rel = float((out['bf16'] - out[None]).norm() / out[None].norm())
    return dict(case='encoder-bf16', config=f'configs/_base_/models/{name}.py at {size} px',
                s_fp32=times[None][0], s_bf16=times['bf16'][0], peak_fp32=times[None][1],
                peak_bf16=times['bf16'][1], rel_l2=rel)


def report(results) -> str:
    mem = 'peak GPU MiB' if torch.cuda.is_available() else 'peak RSS MiB'
    lines = [f"{'case':<15}{'s/iter':>9}{mem:>14}{'enc passes':>12}{'s/enc img':>11}"
             f"{'16-shot full run (s)':>22}"]
    for r in results:
        if r['case'] == 'encoder-bf16':
            continue
        lines.append(f"{r['case']:<15}{r['s_per_iter_cached']:>9.3f}{r['peak_mem_mib']:>14.0f}"
                     f"{r['encoder_passes']:>12d}{r['s_per_encoder_image']:>11.3f}"
                     f"{r['full_run']['seconds']:>22.1f}")
    lines.append('full run: 16 shots, 100 epochs (SSPrompt: the config\'s iterations) = encoder '
                 'passes x s/enc img + iterations x s/iter (+ D2 validation per epoch)')
    for r in results:
        if r['case'] == 'encoder-bf16':
            lines.append(f"encoder pass, {r['config']}: fp32 {r['s_fp32']:.3f} s, bf16 autocast "
                         f"{r['s_bf16']:.3f} s ({r['s_fp32'] / r['s_bf16']:.2f}x), peak "
                         f"{r['peak_fp32']:.0f} / {r['peak_bf16']:.0f} MiB, embeddings differ by "
                         f"{100 * r['rel_l2']:.2f}% (relative L2)")
    return '\n'.join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--cpu', action='store_true', help='reduced check on the CPU')
    p.add_argument('--data-root', default=osp.join(ROOT, '..', 'shared', 'data',
                                                   'vikram_human_seg'),
                   help='the Vikram Shenoy human set (images/, masks/, splits/)')
    p.add_argument('--epochs', type=int, default=None, help='default 3 (CPU: 2)')
    p.add_argument('--cases', nargs='+',
                   default=['blo-sam-256', 'am-sam-1024', 'ssprompt-k150', 'encoder-bf16'])
    p.add_argument('--out', help='write the results as JSON here')
    args = p.parse_args(argv)
    if not args.cpu and not torch.cuda.is_available():
        print('gpu_check: no CUDA device visible to torch: running the reduced CPU check (--cpu)')
        args.cpu = True
    if args.cpu:
        os.environ['CUDA_VISIBLE_DEVICES'] = ''
    from mmseg.utils import register_all_modules
    import mmsam_prompt  # noqa: F401
    register_all_modules(init_default_scope=True)

    cpu = args.cpu
    epochs = args.epochs or (2 if cpu else 3)
    shots = 4 if cpu else FULL_SHOTS
    arch = 'tiny' if cpu else 'vit-b'
    tmp = tempfile.mkdtemp(prefix='gpu_check_')
    ckpt = random_checkpoint(arch, tmp)
    dev = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'CPU'
    print(f'gpu_check on {dev}: torch {torch.__version__} (CUDA {torch.version.cuda}), '
          f'SAM {arch} with RANDOM weights, {shots} shots, {epochs} epochs')
    data = {'model.sam_checkpoint': ckpt}
    sets = ('train_dataloader.dataset.dataset', 'val_dataloader.dataset.dataset',
            'test_dataloader.dataset')
    if osp.isfile(osp.join(args.data_root, 'splits', 'test_last100_numeric.txt')):
        data.update({f'{k}.data_root': args.data_root for k in sets})
        print(f'data: the human set in {args.data_root}')
    else:  # not carried along: generated images of the human set's typical size
        from mmsam_prompt.datasets.synthetic import make_synthetic_binary_dataset
        root = make_synthetic_binary_dataset(osp.join(tmp, 'data'), num_train=32, num_val=8,
                                             size=(768, 1024))
        for k in sets:
            split = 'train' if k.startswith('train') or k.startswith('val') else 'val'
            data.update({f'{k}.data_root': root, f'{k}.img_suffix': '.png',
                         f'{k}.foreground_values': (1, ), f'{k}.ann_file': f'splits/{split}.txt'})
        print(f'data: {args.data_root} not found; 40 generated 1024x768 images in {root}')
    ref = 'configs/blo_sam/blo-sam-reference_vit-b_16shot_vikram-human.py'
    cases = {
        'blo-sam-256': ('configs/blo_sam/blo-sam_tiny_vikram-human.py' if cpu else
                        ref if osp.isfile(osp.join(ROOT, ref)) else
                        'configs/blo_sam/blo-sam_vit-b-256_16shot_vikram-human.py'),
        'am-sam-1024': ('configs/am_sam/am-sam_tiny_vikram-human.py' if cpu else
                        'configs/am_sam/am-sam_vit-b_16shot_vikram-human.py'),
    }
    results = []
    for name in args.cases:
        t = time.perf_counter()
        if name == 'ssprompt-k150':
            r = ssprompt_case(arch, ckpt, 2 if cpu else 10, tmp, cpu)
        elif name == 'encoder-bf16':
            r = encoder_bf16_case(arch, ckpt, 256 if cpu else 1024, 2 if cpu else 10)
            print(f"{name}: fp32 {r['s_fp32']:.3f} s, bf16 {r['s_bf16']:.3f} s per pass, "
                  f"relative L2 difference {100 * r['rel_l2']:.2f}%", flush=True)
            results.append(r)
            continue
        else:
            r = runner_case(name, cases[name], data, shots, epochs, tmp)
        if r.get('cache') is False:
            print(f'{name}: NOTE the embedding cache was off in this run (see its log): every '
                  'iteration paid its encoder passes')
        print(f"{name}: {r['config']}: {r['s_per_iter_cached']:.3f} s/iter, "
              f"{r['encoder_passes']} encoder passes, peak {r['peak_mem_mib']:.0f} MiB, "
              f"16-shot {FULL_EPOCHS}-epoch run ~{r['full_run']['seconds']:.0f} s "
              f"({time.perf_counter() - t:.0f} s for this case)", flush=True)
        results.append(r)
    print()
    print(report(results))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(device=dev, torch=torch.__version__, cuda=torch.version.cuda,
                           arch=arch, results=results), f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
