"""Training time of BLO-SAM: the authors' loop against ours, same weights, data and protocol.

Theirs: ``../shared/reference/blo_sam``'s own ``trainer.trainer`` (through
``tests/reference_blo_sam_runner.py`` in a separate process, CPU), batch 1: every iteration
encodes its D1 image and its D2 image with the frozen ViT (lower and upper step), and every
validation encodes every D2 image again. Ours: the reference config
(``configs/blo_sam/blo-sam-reference_vit-b_*``, the authors' protocol) through mmengine's
``Runner``, as ``tools/train.py`` runs it: the frozen encoder's output is cached per image, so
after the first epoch an iteration only runs the mask decoder.

Both are measured on the same random vit-b weights (official format) and human-set images, at
each ``--sizes`` (256: their default; 1024: SAM's), and extrapolated to a 16-shot, 100-epoch
run (D1 = D2 = 8 images, 800 iterations, 100 validations of 8 images):

    theirs = 800 x s/iteration + 100 x 8 x s/validated image
    ours   = 16 x s/encoder pass (filling the cache) + 800 x s/cached iteration
             + 100 x 8 x s/cached validated image

Times are process CPU seconds with one torch thread in both loops by default (``--clock cpu``):
other jobs on a shared machine then do not change them; ``--clock wall --threads N`` measures
elapsed time instead.

    python tools/benchmark_blo_sam.py [--sizes 256 1024] [--checkpoint SAM.pth]
"""
import argparse
import json
import os
import os.path as osp
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

warnings.filterwarnings('ignore')

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
REF = osp.normpath(osp.join(ROOT, '..', 'shared', 'reference', 'blo_sam'))
HUMAN = osp.normpath(osp.join(ROOT, '..', 'shared', 'data', 'vikram_human_seg'))
RUNNER = osp.join(ROOT, 'tests', 'reference_blo_sam_runner.py')
CONFIG = osp.join(ROOT, 'configs', 'blo_sam', 'blo-sam-reference_vit-b_4shot_vikram-human.py')
SHOTS, EPOCHS = 16, 100
#: the runner's record keys of each clock: start, iteration end, validation times
CLOCKS = dict(cpu=('cpu_start', 'cpu_end', 'val_cpu_times'), wall=('start', 'end', 'val_times'))


def stems(n):
    with open(osp.join(HUMAN, 'splits', 'train_pool_first190_numeric.txt')) as f:
        return [s.strip() for s in f if s.strip()][:n]


def theirs(args, size, iters, ckpt):
    """s/iteration and s/validated image of the authors' trainer (``iters`` D1 images)."""
    names = stems(2 * iters)
    with tempfile.TemporaryDirectory() as tmp:
        out = osp.join(tmp, 'theirs.pt')
        cmd = [sys.executable, RUNNER, '--ref', REF, '--ckpt', ckpt, '--out', out,
               '--img-size', str(size), '--time-only', '--threads', str(args.threads),
               '--images', *[osp.join(HUMAN, 'images', f'{s}.jpg') for s in names],
               '--masks', *[osp.join(HUMAN, 'masks', f'{s}.png') for s in names]]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
        if proc.returncode:
            raise SystemExit(f'their trainer failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}')
        import torch
        rec = torch.load(out, weights_only=True)
    clock = CLOCKS[args.clock]
    ends = [rec[clock[0]]] + [it[clock[1]] for it in rec['iters']]
    steps = [b - a for a, b in zip(ends, ends[1:])]
    # the first includes building the loaders; keep it only when it is all there is
    per_iter = statistics.median(steps[1:] if len(steps) > 1 else steps)
    per_val_image = rec[clock[2]][0] / iters
    return dict(s_per_iter=per_iter, s_per_val_image=per_val_image, iters=steps)


def ours(args, size, ckpt):
    """s per encoder pass, per cached iteration and per cached validated image (our runner)."""
    import torch
    from mmengine.config import Config
    from mmengine.hooks import Hook
    from mmengine.runner import Runner
    from mmseg.utils import register_all_modules

    import mmsam_prompt  # noqa: F401
    register_all_modules(init_default_scope=True)
    torch.set_num_threads(args.threads)
    now = time.process_time if args.clock == 'cpu' else time.perf_counter
    cfg = Config.fromfile(CONFIG)  # 4 shots: D1 = D2 = 2 images
    cfg.model.sam_checkpoint = ckpt
    cfg.model.data_preprocessor.size = (size, size)
    cfg.model.backbone.img_size = size
    cfg.model.decode_head.img_size = size
    for step in cfg.reference_pipeline:
        if step['type'] == 'ZoomResize':
            step['size'] = size
    for key in ('train_dataloader', 'val_dataloader'):
        loader = cfg[key]
        loader.num_workers, loader.persistent_workers = 0, False
        loader.dataset.dataset.pipeline = cfg.reference_pipeline
    epochs = args.our_epochs
    cfg.train_cfg.max_epochs = epochs
    for level in ('lower', 'upper'):
        cfg.param_scheduler[level][0]['end'] = epochs
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1, save_last=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1000)
    cfg.log_level = 'WARNING'
    cfg.work_dir = tempfile.mkdtemp(prefix='bench_blo_sam_')

    class Timer(Hook):
        priority = 'VERY_HIGH'

        def __init__(self):
            self.iters, self.vals, self._t = [], [], None

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            self._t = now()

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            self.iters.append((runner.epoch, now() - self._t))

        def before_val_epoch(self, runner):
            self._v = now()

        def after_val_epoch(self, runner, metrics=None):
            self.vals.append(now() - self._v)

    class Last(Hook):  # after the upper step (BiLevelHook) and everything else
        priority = 'LOWEST'

        def __init__(self, timer):
            self.timer = timer

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            epoch, _ = self.timer.iters[-1]
            self.timer.iters[-1] = (epoch, now() - self.timer._t)

    runner = Runner.from_cfg(cfg)
    timer = Timer()
    runner.register_hook(timer)
    runner.register_hook(Last(timer))
    runner.train()
    n_val = len(runner.val_dataloader.dataset)
    cached = [t for e, t in timer.iters if e >= 1]
    # one encoder pass at this size, as filling the cache costs it once per image
    model = runner.model
    x = torch.rand(1, 3, size, size)
    with torch.no_grad():
        model.backbone(x)
        start = now()
        for _ in range(2):
            model.backbone(x)
    per_encode = (now() - start) / 2
    cache = model.feature_cache
    hits = None if cache is None else (cache.hits, cache.misses)
    shutil.rmtree(cfg.work_dir, ignore_errors=True)
    return dict(s_per_encode=per_encode, s_per_iter=statistics.median(cached),
                s_per_val_image=statistics.median(timer.vals[1:]) / n_val,
                first_epoch_iters=[t for e, t in timer.iters if e == 0], cache=hits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[256, 1024])
    parser.add_argument('--their-iters', type=int, nargs='+', default=[4, 2],
                        help='iterations of their loop per size (one D1 image each)')
    parser.add_argument('--our-epochs', type=int, default=3,
                        help='our epochs (4 shots: 2 iterations each); the first fills the cache')
    parser.add_argument('--checkpoint', help='SAM vit-b checkpoint (default: random weights)')
    parser.add_argument('--threads', type=int, default=1, help='torch threads of both loops')
    parser.add_argument('--clock', choices=sorted(CLOCKS), default='cpu',
                        help='cpu: process CPU time (robust to other jobs on the machine; with '
                        '1 thread it is the wall time of an idle machine); wall: elapsed time')
    parser.add_argument('--json', help='write the figures here too')
    args = parser.parse_args()
    if len(args.their_iters) != len(args.sizes):
        raise SystemExit('give one --their-iters per size')
    if not osp.isdir(REF):
        raise SystemExit(f'the authors\' code is expected at {REF}')
    import torch
    ckpt, tmp = args.checkpoint, None
    if ckpt is None:
        from mmsam_prompt.models.sam.reference_sam import random_sam_state_dict
        tmp = tempfile.mkdtemp(prefix='bench_blo_sam_')
        ckpt = osp.join(tmp, 'sam_vit_b_random.pth')
        torch.save(random_sam_state_dict('vit-b', seed=1), ckpt)
        print(f'SAM vit-b: RANDOM weights in the official format ({ckpt})')
    try:
        run(args, ckpt)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args, ckpt) -> None:
    print(f'torch threads: {args.threads} (both loops), CPU cores: {os.cpu_count()}, '
          f'clock: {args.clock}')
    iters = EPOCHS * SHOTS // 2
    vals = EPOCHS * SHOTS // 2
    rows = []
    for size, n in zip(args.sizes, args.their_iters):
        t = theirs(args, size, n, ckpt)
        o = ours(args, size, ckpt)
        t_total = iters * t['s_per_iter'] + vals * t['s_per_val_image']
        o_total = (SHOTS * o['s_per_encode'] + iters * o['s_per_iter']
                   + vals * o['s_per_val_image'])
        rows.append(dict(size=size, theirs=t, ours=o, theirs_total_s=t_total,
                         ours_total_s=o_total, ratio=t_total / o_total))
        print(f'\n{size} px  theirs: {t["s_per_iter"]:.3f} s/iteration '
              f'(measured {", ".join(f"{s:.2f}" for s in t["iters"])}), '
              f'{t["s_per_val_image"]:.3f} s/validated image')
        print(f'{size} px  ours:   {o["s_per_iter"]:.3f} s/iteration (cached), '
              f'{o["s_per_val_image"]:.3f} s/validated image (cached), '
              f'{o["s_per_encode"]:.3f} s/encoder pass; embedding cache hits / misses '
              f'{o["cache"]}')
        print(f'{size} px  {SHOTS}-shot, {EPOCHS} epochs ({iters} iterations, {vals} validated '
              f'images): theirs {t_total / 3600:.2f} h, ours {o_total / 60:.1f} min, '
              f'ratio {t_total / o_total:.1f}x', flush=True)
    print('\n| size | theirs s/iteration | ours s/iteration (cached) | ours s/encoder pass | '
          f'theirs {SHOTS}-shot {EPOCHS} epochs | ours | ratio |')
    print('|---|---|---|---|---|---|---|')
    for r in rows:
        print(f'| {r["size"]} | {r["theirs"]["s_per_iter"]:.3f} | {r["ours"]["s_per_iter"]:.3f} '
              f'| {r["ours"]["s_per_encode"]:.3f} | {r["theirs_total_s"] / 3600:.2f} h | '
              f'{r["ours_total_s"] / 60:.1f} min | {r["ratio"]:.1f}x |')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=1)


if __name__ == '__main__':
    main()
