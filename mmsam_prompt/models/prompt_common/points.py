"""Point and box helpers: grids, SAM point tokens, boxes around masks."""
import torch
from segment_anything.modeling import PromptEncoder

from ..sam.sam_arch import PROMPT_EMBED_DIM


def point_grid(points_per_side: int, height: float, width: float) -> torch.Tensor:
    """(n*n, 2) xy at the centres of an n x n grid of cells covering a height x width image."""
    t = (torch.arange(points_per_side, dtype=torch.float32) + 0.5) / points_per_side
    ys, xs = torch.meshgrid(t * height, t * width, indexing='ij')
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)


def valid_region_grids(points_per_side: int, frames, device=None) -> torch.Tensor:
    """(B, n*n, 2) xy per image: the centres of an n x n grid of cells over its valid region
    (``SampleFrame.img_shape``: the resized image without the padding), in network-input
    pixels; every point lies strictly inside its image."""
    if not frames:
        raise ValueError('A grid over each image needs one SampleFrame per image '
                         '(PromptContext.frames).')
    return torch.stack([point_grid(points_per_side, *f.img_shape) for f in frames]).to(device)


def foreground_point_tokens(prompt_encoder: PromptEncoder, xy: torch.Tensor) -> torch.Tensor:
    """SAM's sparse tokens of foreground points, without the padding token the prompt encoder
    appends when there is no box. A point's token does not depend on the other points, so each
    equals the token of that point given alone.

    Shapes: xy (N, 2) -> (N, C), or (B, N, 2) -> (B, N, C); pixel coordinates of the network
    input.
    """
    batched = xy.dim() == 3
    xy = xy if batched else xy[None]
    labels = torch.ones(xy.shape[:2], dtype=torch.int, device=xy.device)
    sparse, _ = prompt_encoder(points=(xy, labels), boxes=None, masks=None)
    sparse = sparse[:, :xy.shape[1]]
    return sparse if batched else sparse[0]


@torch.no_grad()
def point_token_norm(prompt_encoder: PromptEncoder) -> torch.Tensor:
    """() norm of SAM's token for one foreground point at the centre of the input: the scale
    semantic tokens are given, so they match what SAM's decoder was trained on."""
    h, w = prompt_encoder.input_image_size
    centre = torch.tensor([[w / 2, h / 2]], device=prompt_encoder.no_mask_embed.weight.device)
    return foreground_point_tokens(prompt_encoder, centre)[0].norm()


def projection(dim: int, seed: int, out: int = PROMPT_EMBED_DIM) -> torch.Tensor:
    """(dim, out) seeded random map with orthonormal rows (dim <= out) or columns (dim > out)."""
    g = torch.Generator().manual_seed(seed)
    if dim <= out:
        return torch.linalg.qr(torch.randn(out, dim, generator=g))[0].t()
    return torch.linalg.qr(torch.randn(dim, out, generator=g))[0]


def mask_to_box(mask: torch.Tensor) -> torch.Tensor:
    """(H, W) bool with a true pixel -> (4,) float xyxy: min/max column and row of true pixels."""
    cols = torch.nonzero(mask.any(dim=0))[:, 0]
    rows = torch.nonzero(mask.any(dim=1))[:, 0]
    return torch.stack([cols[0], rows[0], cols[-1], rows[-1]]).float()
