"""Soft Dice averaged over classes (the Dice term of SAMed, BLO-SAM and AM-SAM)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS


@MODELS.register_module()
class ClassDiceLoss(nn.Module):
    """``1 - mean_k (2 sum p_k t_k + s) / (sum p_k^2 + sum t_k^2 + s)`` over the batch.

    ``p`` are softmax probabilities over the class channels, ``t`` one-hot labels; pixels labelled
    ``ignore_index`` count for no class. Unlike mmseg's ``DiceLoss`` (one Dice over all channels
    flattened together, dominated by the largest class), every class weighs the same, as in the
    Dice loss of SAMed / BLO-SAM (V-Net form, squared denominators).

    Args:
        loss_weight: factor (BLO-SAM / AM-SAM: 0.8, with 0.2 cross-entropy).
        smooth: s.
        ignore_index: label of ignored pixels.
        loss_name: name in the log (must start with ``loss_``).

    Shapes: pred (N, K, H, W) logits, target (N, H, W) labels.
    """

    def __init__(self, loss_weight: float = 1.0, smooth: float = 1e-5, ignore_index: int = 255,
                 loss_name: str = 'loss_dice') -> None:
        super().__init__()
        self.loss_weight, self.smooth, self.ignore_index = loss_weight, smooth, ignore_index
        self._loss_name = loss_name

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                weight: Optional[torch.Tensor] = None, ignore_index: Optional[int] = None,
                **kwargs) -> torch.Tensor:
        ignore = self.ignore_index if ignore_index is None else ignore_index
        k = pred.shape[1]
        valid = (target != ignore).unsqueeze(1).to(pred.dtype)
        onehot = F.one_hot(torch.where(target == ignore, 0, target).long().clamp(0, k - 1), k)
        onehot = onehot.permute(0, 3, 1, 2).to(pred.dtype) * valid
        prob = pred.softmax(dim=1) * valid
        dims = (0, 2, 3)
        inter = (prob * onehot).sum(dims)
        denom = (prob * prob).sum(dims) + (onehot * onehot).sum(dims)
        dice = (2 * inter + self.smooth) / (denom + self.smooth)
        return self.loss_weight * (1 - dice.mean())

    @property
    def loss_name(self) -> str:
        return self._loss_name
