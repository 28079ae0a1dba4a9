"""A small generated binary data set (coloured blobs on textured backgrounds) for the demo."""
import os
import os.path as osp

import numpy as np
from PIL import Image


def _blob_mask(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """One or two ellipses of random size, position and angle: (h, w) bool."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    mask = np.zeros((h, w), bool)
    for _ in range(rng.integers(1, 3)):
        cy, cx = rng.uniform(0.25, 0.75) * h, rng.uniform(0.25, 0.75) * w
        ay, ax = rng.uniform(0.1, 0.3) * h, rng.uniform(0.1, 0.3) * w
        t = rng.uniform(0, np.pi)
        dy, dx = yy - cy, xx - cx
        u = (dx * np.cos(t) + dy * np.sin(t)) / ax
        v = (-dx * np.sin(t) + dy * np.cos(t)) / ay
        mask |= u * u + v * v <= 1
    return mask


def make_synthetic_binary_dataset(root: str, num_train: int = 16, num_val: int = 8,
                                  size: tuple = (192, 256), seed: int = 0) -> str:
    """Write ``root/{images,masks,splits}``: RGB PNGs, masks with foreground 1, split lists.

    Returns ``root``. The same seed always gives the same files.
    """
    rng = np.random.default_rng(seed)
    h, w = size
    for sub in ('images', 'masks', 'splits'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    names = {'train': [], 'val': []}
    for split, n in (('train', num_train), ('val', num_val)):
        for i in range(n):
            stem = f'{split}_{i:03d}'
            mask = _blob_mask(rng, h, w)
            bg = rng.uniform(40, 120, size=3) + rng.normal(0, 25, size=(h, w, 3))
            fg = rng.uniform(150, 240, size=3) + rng.normal(0, 10, size=(h, w, 3))
            img = np.where(mask[..., None], fg, bg).clip(0, 255).astype(np.uint8)
            Image.fromarray(img).save(osp.join(root, 'images', stem + '.png'))
            Image.fromarray(mask.astype(np.uint8)).save(osp.join(root, 'masks', stem + '.png'))
            names[split].append(stem)
    for split, stems in names.items():
        with open(osp.join(root, 'splits', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(stems) + '\n')
    return root
