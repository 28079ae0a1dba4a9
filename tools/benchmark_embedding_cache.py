"""Benchmark: few-shot training with and without the frozen-encoder embedding cache.

vit-b SAM at 1024 px (random weights in the official format unless --checkpoint is given),
16 shots from the human set's training pool, SAM's training pipeline (with random flips),
GT-box prompts, mask decoder trained with AdamW, batch size 1. Each mode runs in its own
process so that its peak memory is its own.

Measured: seconds per training step without the cache, with a cache miss (encoder runs) and
with a cache hit. The epoch and 100-epoch figures are extrapolated from those step times
(running 100 uncached epochs would take hours here): with the cache, a run pays one miss per
distinct (image, flip) it meets (counted on the run's actual sampling sequence) and hits for the
rest.

    python tools/benchmark_embedding_cache.py [--checkpoint sam_vit_b_01ec64.pth] [--steps 3]
"""
import argparse
import json
import os.path as osp
import tempfile
import time
import warnings

warnings.filterwarnings('ignore')

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmseg.registry import DATASETS, MODELS  # noqa: E402
from mmseg.utils import register_all_modules  # noqa: E402

import mmsam_prompt  # noqa: E402,F401
from mmsam_prompt.models.sam.reference_sam import random_sam_state_dict  # noqa: E402
from mmsam_prompt.utils.benchmark import emit, median, peak_rss_mib, run_modes  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DATA = osp.normpath(osp.join(ROOT, '..', 'shared', 'data', 'vikram_human_seg'))


def build(checkpoint: str, shots: int, cached: bool, arch: str = 'vit-b'):
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/models/sam_vit_b.py'))
    cfg.model.sam_checkpoint = checkpoint
    cfg.model.backbone.arch = arch
    cfg.model.decode_head.trainable = ('mask_decoder', )
    cfg.model.feature_cache = dict() if cached else None
    model = MODELS.build(cfg.model).train()
    data_cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/datasets/vikram_human_seg.py'))
    inner = data_cfg.train_dataloader.dataset
    inner.data_root = DATA
    dataset = DATASETS.build(dict(type='KShotDataset', dataset=inner, shots=shots, seed=0))
    optim = build_optim_wrapper(model, dict(type='OptimWrapper', optimizer=dict(
        type='AdamW', lr=5e-3, weight_decay=0.1)))
    return model, dataset, optim


def step(model, optim, item) -> float:
    t = time.perf_counter()
    model.train_step(pseudo_collate([item]), optim)
    return time.perf_counter() - t


def run_mode(args) -> dict:
    """One process: time steps of one mode, report peak RSS."""
    torch.manual_seed(0)
    model, dataset, optim = build(args.checkpoint, args.shots, args.mode == 'cache', args.arch)
    out = dict(mode=args.mode)
    if args.mode == 'nocache':
        step(model, optim, dataset[0])  # warm-up
        out['t_step'] = [step(model, optim, dataset[i % len(dataset)]) for i in range(args.steps)]
    else:
        items = [dataset[i] for i in range(args.steps)]
        out['t_miss'] = [step(model, optim, it) for it in items]
        hits = [step(model, optim, items[i % len(items)]) for i in range(args.hit_steps)]
        out['t_hit'] = hits
        cache = model.feature_cache
        out['cache'] = dict(hits=cache.hits, misses=cache.misses, entries=len(cache.store),
                            bytes_per_entry=cache.nbytes / max(1, len(cache.store)))
    out['peak_rss_mib'] = peak_rss_mib()
    return out


def distinct_variants(shots: int, epochs: int, seed: int = 0) -> int:
    """(image, flip) pairs a run of ``epochs`` epochs meets: RandomFlip(prob=0.5) per draw."""
    g = torch.Generator().manual_seed(seed)
    flips = torch.rand(epochs, shots, generator=g) < 0.5
    return len({(i, bool(flips[e, i])) for e in range(epochs) for i in range(shots)})


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--checkpoint', help='official SAM vit-b checkpoint (default: random weights)')
    p.add_argument('--arch', default='vit-b', help='SAM arch (tiny: a quick check of the script)')
    p.add_argument('--shots', type=int, default=16)
    p.add_argument('--epochs', type=int, default=100)
    p.add_argument('--steps', type=int, default=3, help='timed uncached / cache-miss steps')
    p.add_argument('--hit-steps', type=int, default=20, help='timed cache-hit steps')
    p.add_argument('--mode', choices=['cache', 'nocache'], help=argparse.SUPPRESS)
    p.add_argument('--out', help='write the figures as JSON here')
    args = p.parse_args(argv)
    if args.mode:
        emit(run_mode(args))
        return
    tmp = tempfile.mkdtemp()
    if args.checkpoint is None:
        args.checkpoint = osp.join(tmp, 'random_sam.pth')
        torch.save(random_sam_state_dict(args.arch), args.checkpoint)
        print(f'SAM {args.arch} with RANDOM weights (timings do not depend on the values)')
    res = run_modes(__file__, ('nocache', 'cache'), [
        '--checkpoint', args.checkpoint, '--arch', args.arch, '--shots', str(args.shots),
        '--steps', str(args.steps),
        '--hit-steps', str(args.hit_steps)])

    t_plain = median(res['nocache']['t_step'])
    t_miss, t_hit = median(res['cache']['t_miss']), median(res['cache']['t_hit'])
    n = args.shots
    variants = distinct_variants(n, args.epochs)
    plain_epoch, plain_total = n * t_plain, n * args.epochs * t_plain
    cache_epoch1 = n * t_miss
    cache_later = n * t_hit
    cache_total = variants * t_miss + (n * args.epochs - variants) * t_hit
    cache_mib = res['cache']['cache']['bytes_per_entry'] * variants / 2**20
    rows = [
        ('step: no cache (s)', t_plain), ('step: cache miss (s)', t_miss),
        ('step: cache hit (s)', t_hit),
        ('epoch: no cache (s)', plain_epoch), ('epoch 1 with cache (s)', cache_epoch1),
        ('later epoch with cache, all hits (s)', cache_later),
        (f'{args.epochs} epochs: no cache (s, extrapolated)', plain_total),
        (f'{args.epochs} epochs: cache (s, extrapolated; {variants} misses)', cache_total),
        ('peak RSS: no cache (MiB)', res['nocache']['peak_rss_mib']),
        (f"peak RSS: cache (MiB, {res['cache']['cache']['entries']} entries held)",
         res['cache']['peak_rss_mib']),
        (f'cache size for the whole run (MiB, {variants} entries)', cache_mib),
    ]
    print(f'\n{args.arch} @ 1024, {n} shots, batch 1, {torch.get_num_threads()} threads')
    for name, v in rows:
        print(f'  {name:<58} {v:10.2f}')
    print(f'  {"speed-up per later epoch (no cache / cache)":<58} {plain_epoch / cache_later:10.1f}x')
    print(f'  {"speed-up, whole run (no cache / cache)":<58} {plain_total / cache_total:10.1f}x')
    print(f"  {'peak memory ratio (cache / no cache)':<58} "
          f"{res['cache']['peak_rss_mib'] / res['nocache']['peak_rss_mib']:10.2f}x")
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(raw=res, rows=rows, variants=variants), f, indent=2)


if __name__ == '__main__':
    main()
