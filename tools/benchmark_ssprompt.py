"""Training cost of SSPrompt against CoOp on the same config (the SSPrompt paper's Table 7).

Both learn prompts for a frozen SAM; CoOp runs the CLIP text encoder in every step (its context
tokens pass through it), SSPrompt uses class-name embeddings computed once. Each method runs in
its own process: the embedding cache is filled first (untimed), then training steps are timed.
Memory (resident, sampled every 2 ms during the timed steps): the peak while training, and
what training adds on top of the memory held before the steps (activations, gradients,
optimiser state). On a GPU the same comparison would read torch.cuda.max_memory_allocated.

    python tools/benchmark_ssprompt.py [--steps 10] [--checkpoint SAM.pth]
"""
import argparse
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
from mmsam_prompt.models.reference_sam import random_sam_state_dict  # noqa: E402
from mmsam_prompt.utils.benchmark import RSSSampler, emit, median, run_modes  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = dict(ssprompt='configs/ssprompt/ssprompt_tiny_camvid.py',
               coop='configs/ssprompt/coop_tiny_camvid.py')


def run_mode(args) -> dict:
    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    cfg = Config.fromfile(osp.join(ROOT, CONFIGS[args.mode]))
    cfg.model.sam_checkpoint = args.checkpoint
    model = MODELS.build(cfg.model).train()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    bs = args.batch_size
    batches = [pseudo_collate([dataset[(i * bs + j) % len(dataset)] for j in range(bs)])
               for i in range(max(args.steps, -(-len(dataset) // bs)))]
    for batch in batches[:-(-len(dataset) // bs)]:  # fill the embedding cache, untimed
        model.train_step(batch, optim)
    times = []
    with RSSSampler() as mem:
        for batch in batches[:args.steps]:
            t = time.perf_counter()
            model.train_step(batch, optim)
            times.append(time.perf_counter() - t)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return dict(ms_per_image=1000 * median(times) / bs, peak_mib=mem.peak,
                added_mib=mem.peak - mem.start, trainable=trainable,
                classes=model.decode_head.out_channels)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--checkpoint', help='SAM checkpoint of the configs\' arch (default: random)')
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--batch-size', type=int, default=2)
    p.add_argument('--mode', choices=sorted(CONFIGS), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.mode:
        emit(run_mode(args))
        return
    if args.checkpoint is None:
        args.checkpoint = osp.join(tempfile.mkdtemp(), 'random_sam_tiny.pth')
        torch.save(random_sam_state_dict('tiny'), args.checkpoint)
        print('SAM tiny and CLIP text encoder with RANDOM weights (timings do not depend on them)')
    res = run_modes(__file__, ('ssprompt', 'coop'), [
        '--checkpoint', args.checkpoint, '--steps', str(args.steps),
        '--batch-size', str(args.batch_size)])
    s, c = res['ssprompt'], res['coop']
    print(f"\n{s['classes']} classes, batch {args.batch_size}, {args.steps} timed steps "
          f"({CONFIGS['ssprompt']} vs {CONFIGS['coop']})")
    print(f"{'':<34}{'SSPrompt':>12}{'CoOp':>12}{'ratio':>9}")
    for key, name in (('ms_per_image', 'training ms per image'),
                      ('peak_mib', 'peak memory while training (MiB)'),
                      ('added_mib', 'memory added by training steps'),
                      ('trainable', 'trainable parameters')):
        ratio = s[key] / c[key] if c[key] else float('nan')
        print(f'{name:<34}{s[key]:>12.1f}{c[key]:>12.1f}{ratio:>8.2f}x')
    print('goal: SSPrompt <= 0.5x CoOp in time and memory')


if __name__ == '__main__':
    main()
