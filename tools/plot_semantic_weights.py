"""Bar chart of SemPrompt's learned per-class weights (the SSPrompt paper's Fig. 3b).

    python tools/plot_semantic_weights.py work_dirs/ssprompt/iter_200.pth --out weights.png

A weight near 1 means the class keeps its default (CLIP class-name) embedding; near 0, the
learned embedding replaced it.
"""
import argparse
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import matplotlib  # noqa: E402

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

import mmsam_prompt  # noqa: E402,F401  (allow-lists mmengine's checkpoint objects)

KEY = 'decode_head.prompt_source.semantic.fusion.weight'


def semantic_weights(checkpoint: str):
    """(class names, weights) from a checkpoint written by tools/train.py."""
    ckpt = torch.load(checkpoint, map_location='cpu', weights_only=True)
    state = ckpt.get('state_dict', ckpt)
    if KEY not in state:
        raise KeyError(f'{checkpoint} has no {KEY}: it was not trained with a learnable SemPrompt '
                       "(mode='weighted').")
    weights = state[KEY].float()
    classes = ckpt.get('meta', {}).get('dataset_meta', {}).get('classes')
    if classes is None or len(classes) != len(weights):
        classes = [str(i) for i in range(len(weights))]
    return list(classes), weights


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('checkpoint')
    p.add_argument('--out', default='semantic_weights.png')
    args = p.parse_args(argv)
    classes, weights = semantic_weights(args.checkpoint)
    fig, ax = plt.subplots(figsize=(max(4, 0.5 * len(classes)), 3))
    ax.bar(range(len(classes)), weights.numpy(), color='tab:blue')
    ax.axhline(0.5, color='grey', lw=0.8, ls='--', label='initial weight')
    ax.set_xticks(range(len(classes)), classes, rotation=60, ha='right')
    ax.set_ylabel('learned weight w')
    ax.set_title('SemPrompt: weight of the default class-name embedding')
    ax.legend(loc='best', fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f'wrote {args.out}: ' + ', '.join(f'{c} {w:.3f}' for c, w in zip(classes, weights)))


if __name__ == '__main__':
    main()
