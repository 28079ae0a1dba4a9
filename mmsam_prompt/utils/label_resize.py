"""Nearest-neighbour downsampling of label maps, as ``scipy.ndimage.zoom(order=0)`` does it.

SAM's mask decoder predicts at a quarter of the input resolution (64 x 64 for 256 px inputs).
BLO-SAM computes its loss and its validation Dice there, against the label zoomed to that size
with ``scipy.ndimage.zoom(label, h / H, order=0)``. That zoom maps output index ``i`` to input
coordinate ``i * (H - 1) / (h - 1)`` (corners aligned) and rounds it, which is not what
``F.interpolate(mode='nearest')`` does (``floor(i * H / h)``).
"""
import torch


def zoom_nearest_index(in_size: int, out_size: int, device=None) -> torch.Tensor:
    """Source index of every output index: ``floor(i * (in - 1) / (out - 1) + 0.5)``.

    Equal to ``scipy.ndimage.zoom(order=0)`` (its default ``grid_mode=False``) for the sizes
    SAM uses (4H -> H: 256 -> 64, 1024 -> 256; tested); at other sizes scipy can map the last
    output index to its constant fill value 0 when ``(out - 1) * (in - 1) / (out - 1)`` rounds
    above ``in - 1`` in floating point, where this returns ``in - 1``.
    """
    if out_size < 1 or in_size < 1:
        raise ValueError(f'sizes must be >= 1, got {in_size} -> {out_size}.')
    if out_size == 1:
        return torch.zeros(1, dtype=torch.long, device=device)
    i = torch.arange(out_size, dtype=torch.float64, device=device)
    return torch.floor(i * ((in_size - 1) / (out_size - 1)) + 0.5).long().clamp_(max=in_size - 1)


def zoom_nearest(labels: torch.Tensor, size) -> torch.Tensor:
    """Labels (..., H, W) -> (..., h, w) by :func:`zoom_nearest_index` on both axes."""
    h, w = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    rows = zoom_nearest_index(labels.shape[-2], h, labels.device)
    cols = zoom_nearest_index(labels.shape[-1], w, labels.device)
    return labels.index_select(-2, rows).index_select(-1, cols)
