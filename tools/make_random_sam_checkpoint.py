"""Write a SAM checkpoint with RANDOM weights in the official format (keys image_encoder.*, ...).

For trying the pipeline and for tests on machines that cannot download the official weights.
The masks it gives are meaningless.

    python tools/make_random_sam_checkpoint.py --arch vit-b --out work_dirs/random_sam_vit_b.pth
"""
import argparse
import os
import os.path as osp

import torch

from mmsam_prompt.models.sam.reference_sam import random_sam_state_dict
from mmsam_prompt.models.sam.sam_arch import SAM_ARCHS


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--arch', default='tiny', choices=sorted(SAM_ARCHS))
    parser.add_argument('--out', required=True, help='output .pth path')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    torch.save(random_sam_state_dict(args.arch, args.seed), args.out)
    print(f'wrote RANDOM {args.arch} SAM weights to {args.out} '
          f'({osp.getsize(args.out) / 2**20:.1f} MiB)')


if __name__ == '__main__':
    main()
