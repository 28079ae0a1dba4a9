"""Bar chart of SemPrompt's learned per-class weights (the SSPrompt paper's Fig. 3b).

    python tools/plot_semantic_weights.py work_dirs/ssprompt/iter_200.pth --out weights.png

w is the weight of the default (CLIP class-name) embedding in the fused semantic prompt (Eq. 6):
in the default (convex) reading, new = w E + (1 - w) P with w in (0, 1), so a weight near 1 means
the class keeps the text encoder's knowledge, near 0 that the learned embedding replaced it (the
paper finds lower weights for background classes). The additive reading (new = w E + P) starts
at w = 1.
"""
import argparse
import sys
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import matplotlib  # noqa: E402

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

import mmsam_prompt  # noqa: E402,F401  (allow-lists mmengine's checkpoint objects)
from mmsam_prompt.utils.cli import run_cli  # noqa: E402

KEY = 'decode_head.prompt_source.semantic.fusion.'


def semantic_weights(checkpoint: str):
    """(class names, weights w, w's starting value) from a checkpoint of tools/train.py."""
    ckpt = torch.load(checkpoint, map_location='cpu', weights_only=True)
    state = ckpt.get('state_dict', ckpt)
    if KEY + 'weight_logit' in state:  # convex reading: w = sigmoid(weight_logit)
        weights, initial = torch.sigmoid(state[KEY + 'weight_logit'].float()), 0.5
    elif KEY + 'weight' in state:  # additive reading (or fixed weights: mode 'average')
        weights, initial = state[KEY + 'weight'].float(), 1.0
    else:
        raise ValueError(f'{checkpoint} has no {KEY}weight_logit / weight: it was not trained with '
                       "a learnable SemPrompt (mode='weighted').")
    classes = ckpt.get('meta', {}).get('dataset_meta', {}).get('classes')
    if classes is None or len(classes) != len(weights):
        classes = [str(i) for i in range(len(weights))]
    return list(classes), weights, initial


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('checkpoint')
    p.add_argument('--out', default='semantic_weights.png')
    p.add_argument('--debug', action='store_true', help='show tracebacks of known errors')
    args = p.parse_args(argv)
    classes, weights, initial = semantic_weights(args.checkpoint)
    fig, ax = plt.subplots(figsize=(max(4, 0.5 * len(classes)), 3))
    ax.bar(range(len(classes)), weights.numpy(), color='tab:blue')
    ax.axhline(initial, color='grey', lw=0.8, ls='--', label='initial weight')
    if initial == 0.5:  # convex reading: w in (0, 1)
        ax.set_ylim(0, 1)
    ax.set_xticks(range(len(classes)), classes, rotation=60, ha='right')
    ax.set_ylabel('learned weight w')
    ax.set_title('SemPrompt: weight of the default class-name embedding')
    ax.legend(loc='best', fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f'wrote {args.out}: ' + ', '.join(f'{c} {w:.3f}' for c, w in zip(classes, weights)))


if __name__ == '__main__':
    sys.exit(run_cli(main))
