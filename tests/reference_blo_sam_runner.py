"""Run the BLO-SAM authors' training loop (``../shared/reference/blo_sam``) and record it.

Run in its own process (the authors' ``segment_anything`` has the pip package's name):

    python tests/reference_blo_sam_runner.py --ref ../shared/reference/blo_sam --ckpt SAM.pth \\
        --images a.jpg b.jpg ... --masks a.png b.png ... --out trajectory.pt [--unrolled]

Nothing of the authors' code is copied here: it is imported from ``--ref`` and its own
``trainer.trainer`` runs, on the CPU, with these changes to its surroundings only:

* ``.cuda()`` of tensors and modules is a no-op (CPU machine);
* modules it imports but does not use on this path are stubs (wandb, SimpleITK, medpy, imageio,
  einops, icecream, h5py, safetensors, tqdm when missing); ``torchmetrics`` (``cal_dice.py`` needs
  ``to_categorical`` and ``reduce``), when not installed, gets those two functions as
  torchmetrics defines them (argmax over ``argmax_dim``; ``'elementwise_mean'`` = mean);
* ``DataLoader`` runs with ``num_workers=0`` (same order: the samplers are theirs);
* ``os.listdir`` of their data set returns the files sorted, so the order of the images is the
  order given on the command line (the files are linked as ``Images/NNN_<stem>.jpg`` and
  ``Masks/NNN_<stem>.jpg``, the masks under the image's name as their data set expects).

As ``train.py``: ``torch.manual_seed(seed)`` etc., then ``sam_model_registry['vit_b'](image_size,
num_classes=1, checkpoint, pixel_mean=[0, 0, 0], pixel_std=[1, 1, 1])`` and ``LoRA_Sam(sam, 4)``.
Their data split: the first half of the images is D1 (training), the second half D2 (the upper
level reuses its first image; validation runs over all of it after each epoch).

Recorded to ``--out`` (``torch.save`` of tensors, lists and numbers only):
``init``: every trainable parameter of the freshly built model (their names);
``init_logits``: low-resolution logits of the first D1 image before training;
``samples``: their transformed ``image`` / ``low_res_label`` of every image;
``iters``: per iteration the lower loss (and its CE / Dice terms), the upper loss, the lower lr
(``eta``) and upper lr used, both optimisers' betas, ``end`` / ``cpu_end``
(``time.perf_counter()`` / ``time.process_time()`` after the upper step; ``start`` /
``cpu_start``: when their ``trainer`` was called) and every trainable parameter after the
upper step;
``val``: per validation image the low-resolution logits, the label and their ``dice_score``;
``val_scores``: the mean per epoch, as their ``validate`` returns it; ``val_times`` /
``val_cpu_times``: wall / CPU seconds each validation took.
"""
import argparse
import importlib.util
import os
import os.path as osp
import shutil
import sys
import tempfile
import types


def stub_modules() -> None:
    """Stub what their modules import but this path never calls."""
    import torch

    class _Obj:
        """Any attribute, any call: itself (wandb.init(...).config.update(...), ic(...))."""

        def __getattr__(self, name):
            if name.startswith('__'):
                raise AttributeError(name)
            return self

        def __call__(self, *args, **kwargs):
            return self

    _anything = _Obj()

    class _Anything(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith('__'):
                raise AttributeError(name)
            return _anything

    def add(name):
        if name in sys.modules:
            return
        mod = _Anything(name)
        mod.__path__ = []  # a package, so 'from medpy import metric' works
        sys.modules[name] = mod
        parent, _, child = name.rpartition('.')
        if parent:
            add(parent)
            setattr(sys.modules[parent], child, mod)

    # wandb always (no network, no logging): init() -> object with config.update / log
    for name in ('wandb', ):
        add(name)
    for name in ('SimpleITK', 'medpy', 'medpy.metric', 'imageio', 'einops', 'icecream', 'h5py',
                 'safetensors', 'safetensors.torch', 'tqdm'):
        top = name.split('.')[0]
        if top in sys.modules or importlib.util.find_spec(top) is None:
            add(name)
    if importlib.util.find_spec('torchmetrics') is None:
        data = types.ModuleType('torchmetrics.utilities.data')
        data.to_categorical = lambda x, argmax_dim=1: torch.argmax(x, dim=argmax_dim)
        dist = types.ModuleType('torchmetrics.utilities.distributed')

        def reduce(x, reduction):
            if reduction == 'elementwise_mean':
                return torch.mean(x)
            if reduction == 'sum':
                return torch.sum(x)
            if reduction is None or reduction == 'none':
                return x
            raise ValueError('Reduction parameter unknown.')

        dist.reduce = reduce
        for name, mod in (('torchmetrics', types.ModuleType('torchmetrics')),
                          ('torchmetrics.utilities', types.ModuleType('torchmetrics.utilities')),
                          ('torchmetrics.utilities.data', data),
                          ('torchmetrics.utilities.distributed', dist)):
            sys.modules[name] = mod
        sys.modules['torchmetrics'].utilities = sys.modules['torchmetrics.utilities']
        sys.modules['torchmetrics.utilities'].data = data
        sys.modules['torchmetrics.utilities'].distributed = dist
    import scipy.ndimage
    if importlib.util.find_spec('scipy.ndimage.interpolation') is None:  # removed in new scipy
        sys.modules['scipy.ndimage.interpolation'] = scipy.ndimage
    # CPU: .cuda() is a no-op
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self


def snapshot(net):
    return {n: p.detach().clone() for n, p in net.named_parameters(remove_duplicate=False)
            if p.requires_grad and n.startswith('sam.')}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--ref', required=True, help='the authors\' code (folder)')
    parser.add_argument('--ckpt', required=True, help='SAM vit-b checkpoint, official format')
    parser.add_argument('--images', nargs='+', required=True)
    parser.add_argument('--masks', nargs='+', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--img-size', type=int, default=256)
    parser.add_argument('--epochs', type=int, default=1)
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--base-lr', type=float, default=0.005)
    parser.add_argument('--prompt-base-lr', type=float, default=0.005)
    parser.add_argument('--unrolled', action='store_true')
    parser.add_argument('--threads', type=int, default=0, help='torch threads (0: default)')
    parser.add_argument('--time-only', action='store_true',
                        help='record timings only: no parameters, samples or initial logits')
    args = parser.parse_args()
    if len(args.images) != len(args.masks) or len(args.images) < 2:
        raise SystemExit('give as many --masks as --images, at least two')

    stub_modules()
    import random
    import time

    import numpy as np
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    sys.path.insert(0, osp.abspath(args.ref))
    import prompt as ref_prompt
    import trainer as ref_trainer
    from datasets import dataset_body
    from sam_lora_mask_decoder import LoRA_Sam
    from segment_anything import sam_model_registry
    assert osp.dirname(sys.modules['segment_anything'].__file__).startswith(osp.abspath(args.ref))

    work = tempfile.mkdtemp(prefix='blo_sam_ref_')
    for sub in ('Images', 'Masks'):
        os.makedirs(osp.join(work, sub))
    for i, (img, mask) in enumerate(zip(args.images, args.masks)):
        name = f'{i:03d}_{osp.splitext(osp.basename(img))[0]}.jpg'
        os.symlink(osp.abspath(img), osp.join(work, 'Images', name))
        os.symlink(osp.abspath(mask), osp.join(work, 'Masks', name))
    real_listdir = os.listdir
    dataset_body.os = types.SimpleNamespace(listdir=lambda p: sorted(real_listdir(p)),
                                            path=os.path)
    real_loader = ref_trainer.DataLoader

    def loader(*a, **k):
        k.update(num_workers=0, pin_memory=False)
        return real_loader(*a, **k)

    ref_trainer.DataLoader = loader

    # as train.py
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    sam, embed = sam_model_registry['vit_b'](image_size=args.img_size, num_classes=1,
                                             checkpoint=args.ckpt, pixel_mean=[0, 0, 0],
                                             pixel_std=[1, 1, 1])
    net = LoRA_Sam(sam, 4).cuda()
    low_res = embed * 4
    ns = argparse.Namespace(
        root_path=osp.join(work, 'Images'), output=work, dataset='body', num_classes=1,
        max_epochs=args.epochs, batch_size=1, base_lr=args.base_lr,
        prompt_base_lr=args.prompt_base_lr, img_size=args.img_size, seed=args.seed,
        vit_name='vit_b', rank=4, warmup=False, warmup_period=250, dice_param=0.8,
        num_data=len(args.images), exp_type='vanilla', weight_decay=0.1,
        prompt_weight_decay=0.1, unrolled=args.unrolled, wandb_mode='disabled')

    record = dict(init=None, init_logits=None, samples=[], iters=[], val=[], val_scores=[],
                  val_times=[], val_cpu_times=[])
    if not args.time_only:
        record['init'] = snapshot(net)
    if not args.time_only:
        ds = dataset_body.Synapse_dataset(
            train_dir=ns.root_path, num_data=ns.num_data, dataset='body',
            transform=dataset_body.RandomGenerator(output_size=[args.img_size] * 2,
                                                   low_res=[low_res, low_res]))
        for i in range(len(ds)):
            s = ds[i]
            record['samples'].append(dict(image=s['image'], low_res_label=s['low_res_label'],
                                          label=s['label'], name=s['case_name']))
        with torch.no_grad():
            record['init_logits'] = net(record['samples'][0]['image'][None], False,
                                        args.img_size)['low_res_logits']

    current = {}
    calc_lower = ref_trainer.calc_loss

    def lower_loss(*a, **k):
        loss, ce, dice = calc_lower(*a, **k)
        current.update(loss=loss.item(), loss_ce=ce.item(), loss_dice=dice.item())
        return loss, ce, dice

    ref_trainer.calc_loss = lower_loss
    calc_upper = ref_prompt.calc_loss

    def upper_loss(*a, **k):
        loss = calc_upper(*a, **k)
        current.setdefault('upper_losses', []).append(loss.item())
        return loss

    ref_prompt.calc_loss = upper_loss
    step = ref_prompt.Prompt.step

    def prompt_step(self, sampled_batch, valid_batch, eta, network_optimizer, unrolled,
                    cur_iter):
        upper_lr = self.optimizer.param_groups[0]['lr']
        step(self, sampled_batch, valid_batch, eta, network_optimizer, unrolled, cur_iter)
        it = dict(loss=current['loss'], loss_ce=current['loss_ce'],
                  loss_dice=current['loss_dice'], upper_loss=current['upper_losses'][-1],
                  lower_lr=float(eta), upper_lr=float(upper_lr),
                  lower_betas=list(network_optimizer.param_groups[0]['betas']),
                  upper_betas=list(self.optimizer.param_groups[0]['betas']),
                  end=time.perf_counter(), cpu_end=time.process_time())
        if not args.time_only:
            it['params'] = snapshot(net)
        record['iters'].append(it)
        print(f'iteration {len(record["iters"])}: loss {it["loss"]:.6f} upper '
              f'{it["upper_loss"]:.6f}', flush=True)
        current.clear()

    ref_prompt.Prompt.step = prompt_step
    score = ref_trainer.dice_score

    def dice(preds, target, *a, **k):
        out = score(preds, target, *a, **k)
        record['val'].append(dict(logits=preds.detach().clone(), label=target.clone(),
                                  dice=float(out)))
        return out

    ref_trainer.dice_score = dice
    validate = ref_trainer.validate

    def validate_and_record(*a, **k):
        start, cpu = time.perf_counter(), time.process_time()
        value = validate(*a, **k)
        record['val_times'].append(time.perf_counter() - start)
        record['val_cpu_times'].append(time.process_time() - cpu)
        record['val_scores'].append(float(value))
        return value

    ref_trainer.validate = validate_and_record
    record['start'], record['cpu_start'] = time.perf_counter(), time.process_time()
    try:
        ref_trainer.trainer(ns, net, work, False, low_res)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the links and their best.pth / final.pth
    torch.save(record, args.out)


if __name__ == '__main__':
    main()
