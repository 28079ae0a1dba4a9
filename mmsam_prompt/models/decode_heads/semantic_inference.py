"""Semantic segmentation from class-agnostic masks and their class confidences (MaskFormer's
semantic inference), for prompt sources that classify masks (SSPrompt)."""
import torch
import torch.nn.functional as F


def semantic_inference(masks: torch.Tensor, probs: torch.Tensor, batch_idx: torch.Tensor,
                       num_images: int) -> torch.Tensor:
    """Per image and pixel, log S_k with S_k = sum_i c_i[k] * sigmoid(m_i) over its masks.

    Since the c_i sum to 1, softmax_k(log S_k) = S_k / sum_j S_j = sum_i w_i c_i[k] with
    w_i = sigmoid(m_i) / sum_j sigmoid(m_j): a mixture of the masks' class distributions
    weighted by how much each mask covers the pixel. Cross-entropy on these logits is the
    negative log-likelihood of that mixture, and their argmax is MaskFormer's semantic
    inference. Computed as M + log(c^T exp(log sigmoid(m) - M)), M the per-pixel maximum of
    log sigmoid(m_i), so no pixel underflows however negative its mask logits are.

    Shapes: masks (n, H, W) logits, probs (n, K), batch_idx (n,) -> (num_images, K, H, W).
    An image without masks gets all-zero logits (a uniform distribution).
    """
    _, h, w = masks.shape
    k = probs.shape[1]
    tiny = torch.finfo(probs.dtype).tiny
    out = []
    for b in range(num_images):
        sel = batch_idx == b
        if not bool(sel.any()):
            out.append(probs.new_zeros(k, h, w))
            continue
        log_sig = F.logsigmoid(masks[sel].flatten(1).to(probs.dtype))  # (n_b, HW)
        top = log_sig.max(dim=0).values  # (HW,)
        mix = probs[sel].t() @ torch.exp(log_sig - top)  # (K, HW)
        out.append((top + torch.log(mix.clamp_min(tiny))).view(k, h, w))
    return torch.stack(out)
