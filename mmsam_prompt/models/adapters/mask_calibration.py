"""AM-SAM's mask calibration (Eq. 9-12), read so that it is more than a rescaling.

SAM's decoder ends with a dot product: mask token weights ``H`` (N, M, c) from the hypernetwork
MLPs against the upscaled image embedding ``U`` (N, c, H, W) gives ``M_orig[n, m] = sum_c H U``.
AM-SAM forms the Hadamard products ``R_c = H[:, :, c] * U[:, c]`` (Eq. 9-10), averages them
(Eq. 11) into ``M_new`` and blends ``M_final = alpha * M_orig + (1 - alpha) * M_new`` (Eq. 12,
alpha = 0.7).

Taken literally, this is not useful:
 * averaging over the c channels alone gives ``M_new = M_orig / c``: ``M_final`` is ``M_orig``
   times the constant ``alpha + (1 - alpha) / c``, a pure rescaling with no parameter;
 * the paper averages over batch x channel (Eq. 11) and repeats the mean over the batch, so
   every prompt's calibrated mask contains the mean of the *other* prompts' masks in its batch:
   a prediction would depend on what else was batched with it (and on the batch size at test).

``mode='channel_weights'`` (default) keeps the per-sample Hadamard products and gives each
(mask token, channel) pair a learnable weight: ``M_new[n, m] = sum_c w[m, c] H[n, m, c] U[n, c]``.
The weights start at 1, so ``M_new = M_orig`` and the calibrated decoder reproduces SAM exactly
before training; training reweights the channels' contributions to each mask, which a single
scale cannot do. ``mode='channel_mean'`` (per-sample mean over channels: the rescaling above) and
``mode='paper'`` (Eq. 11 as printed: mean over batch x channel) are there for ablations.
"""
import torch
import torch.nn as nn

MODES = ('channel_weights', 'channel_mean', 'paper')


class MaskCalibration(nn.Module):
    """``M_final = alpha * M_orig + (1 - alpha) * M_new`` (AM-SAM Eq. 12).

    Args:
        channels: c, channels of the upscaled embedding (SAM: 256 / 8 = 32).
        num_masks: M, mask tokens (SAM: 4).
        alpha: weight of SAM's own masks.
        mode: how ``M_new`` is formed, see the module docstring.
    """

    def __init__(self, channels: int = 32, num_masks: int = 4, alpha: float = 0.7,
                 mode: str = 'channel_weights') -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f'MaskCalibration mode must be one of {MODES}, got {mode!r}.')
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f'MaskCalibration alpha must lie in [0, 1], got {alpha}.')
        self.alpha, self.mode = alpha, mode
        if mode == 'channel_weights':
            self.channel_weights = nn.Parameter(torch.ones(num_masks, channels))

    def new_masks(self, hyper_in: torch.Tensor, upscaled: torch.Tensor) -> torch.Tensor:
        """``M_new`` (N, M, H, W) from hyper_in (N, M, c) and upscaled (N, c, H, W)."""
        n, c, h, w = upscaled.shape
        flat = upscaled.reshape(n, c, h * w)
        if self.mode == 'channel_weights':
            # sum_c w[m, c] * (H[n, m, c] * U[n, c]): the weighted Hadamard products, summed
            return ((hyper_in * self.channel_weights) @ flat).reshape(n, -1, h, w)
        per_sample = (hyper_in @ flat).reshape(n, -1, h, w) / c  # mean_c of H[n,m,c] * U[n,c]
        if self.mode == 'channel_mean':
            return per_sample
        return per_sample.mean(dim=0, keepdim=True).expand_as(per_sample)  # Eq. 11: over b x c

    def forward(self, hyper_in: torch.Tensor, upscaled: torch.Tensor,
                masks: torch.Tensor) -> torch.Tensor:
        """Calibrated masks (N, M, H, W) from SAM's masks (N, M, H, W) and their factors."""
        # alpha * M + (1 - alpha) * M_new, written so that M_new == M gives M bit for bit
        return masks + (1.0 - self.alpha) * (self.new_masks(hyper_in, upscaled) - masks)

    def extra_repr(self) -> str:
        return f'alpha={self.alpha}, mode={self.mode!r}'
