"""Training cost of SSPrompt against CoOp and LOCN at ADE20K's 150 classes (the paper's Table 7).

All train prompts of the same model (configs/ssprompt/<method>_tiny_camvid.py, with ADE20K's 150
class names and the full-size CLIP text encoder): 100 single-point spatial prompts per image
decoded by SAM's frozen decoder, masks classified by the semantic prompts through the map G.
SSPrompt learns spatial and semantic embeddings (so its gradient runs back through the decoder
for all 100 prompts of every image); SemPrompt (ssprompt-semantic-weighted) the semantic ones
only, like CoOp (16 context tokens) and LOCN (the class names' tokens), which run the CLIP text
transformer over all 150 classes, forward and backward, in every step. Images: generated (random pixels and labels, 256 px); the timing does
not depend on them.

Each method runs in its own process: the embedding cache is filled first (untimed), then
training steps are timed. Memory (resident, sampled every 2 ms during the timed steps): what
training adds on top of the memory held before the steps (activations, gradients, optimiser
state), and the peak. ``--full-context`` also runs CoOp and LOCN on CLIP's full 77-token
sequences, as their reference implementations (and the paper's measurement) do; by default the
sequences end after the last end-of-text token, which gives the same features for less work.

    python tools/benchmark_ssprompt.py [--steps 3] [--full-context] [--checkpoint SAM.pth]
"""
import argparse
import os.path as osp
import tempfile
import time
import warnings

warnings.filterwarnings('ignore')

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.structures import PixelData  # noqa: E402
from mmseg.datasets import ADE20KDataset  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402
from mmseg.structures import SegDataSample  # noqa: E402
from mmseg.utils import register_all_modules  # noqa: E402

import mmsam_prompt  # noqa: E402,F401
from mmsam_prompt.models.sam.reference_sam import random_sam_state_dict  # noqa: E402
from mmsam_prompt.utils.benchmark import RSSSampler, emit, median, run_modes  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = {'ssprompt': 'ssprompt', 'semprompt': 'ssprompt-semantic-weighted', 'coop': 'coop',
           'locn': 'locn', 'coop-77': 'coop', 'locn-77': 'locn'}
NAMES = {'ssprompt': 'SSPrompt', 'semprompt': 'SemPrompt', 'coop': 'CoOp', 'locn': 'LOCN',
         'coop-77': 'CoOp (77)', 'locn-77': 'LOCN (77)'}
OURS = ('ssprompt', 'semprompt')
SIZE = 256


def generated_batch(batch_size: int, num_classes: int, seed: int) -> dict:
    """A batch of random 256 px images with random labels, as the data pipeline packs them."""
    g = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(batch_size):
        ds = SegDataSample(metainfo=dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE),
                                         pad_shape=(SIZE, SIZE)))
        ds.gt_sem_seg = PixelData(data=torch.randint(0, num_classes, (1, SIZE, SIZE),
                                                     generator=g))
        samples.append(ds)
    inputs = [torch.randint(0, 256, (3, SIZE, SIZE), dtype=torch.uint8, generator=g)
              for _ in range(batch_size)]
    return dict(inputs=inputs, data_samples=samples)


def run_mode(args) -> dict:
    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    cfg = Config.fromfile(osp.join(ROOT, f'configs/ssprompt/{CONFIGS[args.mode]}_tiny_camvid.py'))
    classes = ADE20KDataset.METAINFO['classes']
    cfg.model.sam_checkpoint = args.checkpoint
    cfg.model.decode_head.num_classes = len(classes)
    cfg.model.decode_head.prompt_source.semantic.class_names = classes
    if args.mode in OURS:  # one template: SemPrompt's defaults are made once, untimed
        cfg.model.decode_head.prompt_source.semantic.text_encoder = dict(
            templates=['a photo of a {}.'])
    if args.mode.endswith('-77'):
        cfg.model.decode_head.prompt_source.semantic.truncate = False
    model = MODELS.build(cfg.model).train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    batches = [generated_batch(args.batch_size, len(classes), seed=i) for i in range(2)]
    model.train_step(batches[0], optim)  # fills the embedding cache, untimed
    times = []
    with RSSSampler() as mem:
        for step in range(args.steps):
            t = time.perf_counter()
            model.train_step(batches[step % 2], optim)
            times.append(time.perf_counter() - t)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return dict(ms_per_image=1000 * median(times) / args.batch_size, peak_mib=mem.peak,
                added_mib=mem.peak - mem.start, trainable=trainable,
                classes=model.decode_head.out_channels)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--checkpoint', help='SAM checkpoint of the tiny arch (default: random)')
    p.add_argument('--steps', type=int, default=3)
    p.add_argument('--batch-size', type=int, default=2)
    p.add_argument('--full-context', action='store_true',
                   help='also CoOp and LOCN on full 77-token sequences')
    p.add_argument('--mode', choices=sorted(CONFIGS), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.mode:
        emit(run_mode(args))
        return
    if args.checkpoint is None:
        args.checkpoint = osp.join(tempfile.mkdtemp(), 'random_sam_tiny.pth')
        torch.save(random_sam_state_dict('tiny'), args.checkpoint)
        print('SAM tiny and CLIP text encoder with RANDOM weights (timings do not depend on them)')
    modes = ['ssprompt', 'semprompt', 'coop', 'locn'] + (
        ['coop-77', 'locn-77'] if args.full_context else [])
    res = run_modes(__file__, modes, ['--checkpoint', args.checkpoint, '--steps',
                                      str(args.steps), '--batch-size', str(args.batch_size)])
    s = res['ssprompt']
    print(f"\n{s['classes']} classes (ADE20K), 100 spatial prompts per image, batch "
          f"{args.batch_size}, {args.steps} timed steps, tiny SAM at {SIZE} px, CLIP ViT-B text "
          'encoder')
    base = [m for m in modes if m not in OURS]
    print(f"{'':<32}" + ''.join(f'{NAMES[m]:>11}' for m in modes))
    for key, name in (('ms_per_image', 'training ms per image'),
                      ('added_mib', 'memory added by training (MiB)'),
                      ('peak_mib', 'peak resident memory (MiB)'),
                      ('trainable', 'trainable parameters')):
        print(f'{name:<32}' + ''.join(f'{res[m][key]:>11.1f}' for m in modes))
    print('ratios, time per image / memory added by training:')
    for ours in OURS:
        print(f'  {NAMES[ours]:<10}' + '   '.join(
            f"vs {NAMES[m]} {res[ours]['ms_per_image'] / res[m]['ms_per_image']:.2f}x / "
            f"{res[ours]['added_mib'] / res[m]['added_mib']:.2f}x" for m in base))
    goal = all(s[k] <= 0.5 * res[m][k] for k in ('ms_per_image', 'added_mib')
               for m in ('coop', 'locn'))
    print(f"goal SSPrompt <= 0.5x CoOp and LOCN in time and added memory: "
          f"{'met' if goal else 'NOT met'}")


if __name__ == '__main__':
    main()
