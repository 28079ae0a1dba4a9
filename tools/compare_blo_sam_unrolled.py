"""BLO-SAM's unrolled (second-order) upper step: the authors' against ours, measured.

Both start from the same state (the authors' freshly built model copied into ours, as in
``tests/test_reference_blo_sam.py``, whose helpers this uses) and run ``--epochs`` epochs over
``--images`` D1 images (lower step + unrolled upper step) on the same images; printed per
iteration: how far apart the prompts are, against how far the prompt moved, for

* ours, ``BiLevelHook(unrolled=True)``: DARTS' gradient, exact (double backward), virtual step
  ``W' = W - xi dL/dW`` (SGD, ``xi`` = the lower lr);
* ours, first order (what the reference configs use);

each against theirs (``prompt.py``'s ``_backward_step_unrolled``): virtual step with AdamW-like
moments but bias corrections ``1 - beta`` instead of ``1 - beta^t`` and beta1 0.9 (not the
optimiser's 0.95), on the sum of the lower step's gradient (never zeroed) and a new one;
Hessian-vector product by central finite differences (``r = 0.01 / |v|``).

    python tools/compare_blo_sam_unrolled.py [--images 2 --epochs 2] [--checkpoint SAM.pth]
"""
import argparse
import os.path as osp
import pathlib
import shutil
import subprocess
import sys
import tempfile
import warnings

warnings.filterwarnings('ignore')
ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'tests'))

import torch  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import test_reference_blo_sam as ref  # noqa: E402


def theirs(stems, epochs, ckpt, work):
    out = work / 'theirs_unrolled.pt'
    cmd = [sys.executable, ref.RUNNER, '--ref', ref.REF, '--ckpt', ckpt, '--out', str(out),
           '--unrolled', '--epochs', str(epochs),
           '--images', *[osp.join(ref.HUMAN, 'images', f'{s}.jpg') for s in stems],
           '--masks', *[osp.join(ref.HUMAN, 'masks', f'{s}.png') for s in stems]]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(work))
    if proc.returncode:
        raise SystemExit(proc.stdout[-2000:] + proc.stderr[-2000:])
    return torch.load(out, weights_only=True)


def ours(their_init, stems, n, epochs, ckpt, work, unrolled):
    sub = work / ('ours_unrolled' if unrolled else 'ours_first_order')
    sub.mkdir()
    cfg = ref.reference_cfg(ckpt, stems, sub, n=n, unrolled=unrolled, epochs=epochs)
    cfg.train_cfg.val_interval = epochs + 1  # no validation
    runner = Runner.from_cfg(cfg)
    params = dict(runner.model.named_parameters())
    with torch.no_grad():
        for name, value in their_init.items():
            ref.ours_like(params, name, value).copy_(value)
    recorder = ref.Recorder()
    runner.register_hook(recorder)
    runner.train()
    return recorder.iters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--images', type=int, default=2, help='D1 images (= D2 images)')
    parser.add_argument('--epochs', type=int, default=2,
                        help='epochs; their OneCycleLR needs >= 4 iterations in all to start '
                        'at lr / 25 and beta1 0.95 (shorter runs start elsewhere)')
    parser.add_argument('--checkpoint', help='SAM vit-b checkpoint (default: random weights)')
    args = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix='blo_sam_unrolled_'))
    try:
        compare(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compare(args, work) -> None:
    ckpt = args.checkpoint
    if ckpt is None:
        from mmsam_prompt.models.sam.reference_sam import random_sam_state_dict
        ckpt = str(work / 'sam_vit_b_random.pth')
        torch.save(random_sam_state_dict('vit-b', seed=1), ckpt)
    n = args.images
    if n * args.epochs < 4:
        raise SystemExit('give at least 4 iterations in all (--images x --epochs)')
    stems = ref.pick_stems(2 * n)
    t = theirs(stems, args.epochs, ckpt, work)
    runs = dict(unrolled=ours(t['init'], stems, n, args.epochs, ckpt, work, True),
                first_order=ours(t['init'], stems, n, args.epochs, ckpt, work, False))
    key = 'sam.prompt_encoder.no_mask_embed.weight'
    prev = t['init'][key]
    print('relative differences to the authors\' unrolled run (prompt vector; lower level: the '
          'largest over its tensors)')
    print('| iteration | their prompt step | ours unrolled: prompt | lower | '
          'ours first order: prompt | lower |')
    print('|---|---|---|---|---|---|')
    for k, it in enumerate(t['iters']):
        cur = it['params'][key]
        step = ref.rel(cur, prev)
        row = [f'{k + 1}', f'{step:.2e}']
        for name in ('unrolled', 'first_order'):
            o = runs[name][k]['params']
            prompt = ref.rel(ref.ours_like(o, key, cur), cur)
            lower = max(ref.rel(ref.ours_like(o, n_, v), v) for n_, v in it['params'].items()
                        if n_ != key and v.abs().max() > 0)
            row += [f'{prompt:.2e}', f'{lower:.2e}']
        print('| ' + ' | '.join(row) + ' |')
        prev = cur


if __name__ == '__main__':
    main()
