"""Where one sample's pixels went between its original image and the network input.

mmseg pipelines resize first (``SAMResizeLongestSide``: ``img_shape = round(ori_shape * s)``) and
then may flip (mmcv's ``RandomFlip``: 'horizontal', 'vertical' or 'diagonal', i.e. both) inside
the resized image; the data preprocessor then pads at the bottom/right, which moves no pixel.
:class:`SampleFrame` is that map, read from a data sample's metainfo, for points, boxes and
dense maps, both ways. Every prompt source and the segmentor's un-flip use it.

Coordinates are continuous pixel coordinates (SAM's convention: a point at x lies in column
floor(x); the image spans [0, W] x [0, H]), so a flip maps x to W - x, exactly as mmcv flips
boxes and keypoints.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

import torch

FLIP_DIRECTIONS = ('horizontal', 'vertical', 'diagonal')


@dataclass(frozen=True)
class SampleFrame:
    """The original-image <-> network-input map of one sample.

    Args:
        ori_shape: (H0, W0) of the original image.
        img_shape: (H, W) of the resized image inside the (padded) network input.
        flip: None, or the direction the pipeline flipped the resized image in.
    """
    ori_shape: Tuple[int, int]
    img_shape: Tuple[int, int]
    flip: Optional[str] = None

    def __post_init__(self) -> None:
        if self.flip is not None and self.flip not in FLIP_DIRECTIONS:
            raise ValueError(f'Unknown flip direction {self.flip!r}; mmcv RandomFlip gives one '
                             f'of {FLIP_DIRECTIONS}.')

    @classmethod
    def from_metainfo(cls, meta: dict) -> 'SampleFrame':
        """From mmseg metainfo (``ori_shape``, ``img_shape``, ``flip``, ``flip_direction``).

        Without ``ori_shape`` the original is taken to be ``img_shape`` (no resize)."""
        img_shape = tuple(int(v) for v in meta['img_shape'][:2])
        ori_shape = tuple(int(v) for v in meta.get('ori_shape', img_shape)[:2])
        flip = meta.get('flip_direction', 'horizontal') if meta.get('flip') else None
        return cls(ori_shape, img_shape, flip)

    # -- flips ---------------------------------------------------------------------------------
    @property
    def flips_x(self) -> bool:
        return self.flip in ('horizontal', 'diagonal')

    @property
    def flips_y(self) -> bool:
        return self.flip in ('vertical', 'diagonal')

    @property
    def scale(self) -> Tuple[float, float]:
        """(sx, sy) = img_shape / ori_shape (segment_anything's ``apply_coords`` factors)."""
        return (self.img_shape[1] / self.ori_shape[1], self.img_shape[0] / self.ori_shape[0])

    def _mirror_points(self, xy: torch.Tensor) -> torch.Tensor:
        h, w = self.img_shape
        x, y = xy[..., 0], xy[..., 1]
        x = w - x if self.flips_x else x
        y = h - y if self.flips_y else y
        return torch.stack([x, y], dim=-1)

    def _mirror_boxes(self, boxes: torch.Tensor) -> torch.Tensor:
        lo = self._mirror_points(boxes[..., 0:2])
        hi = self._mirror_points(boxes[..., 2:4])
        return torch.cat([torch.minimum(lo, hi), torch.maximum(lo, hi)], dim=-1)

    # -- points and boxes ----------------------------------------------------------------------
    def points_to_input(self, xy: torch.Tensor) -> torch.Tensor:
        """(..., 2) xy in original-image pixels -> (..., 2) xy in the network input."""
        return self._mirror_points(xy.float() * xy.new_tensor(self.scale, dtype=torch.float32))

    def points_to_original(self, xy: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`points_to_input`."""
        return self._mirror_points(xy.float()) / xy.new_tensor(self.scale, dtype=torch.float32)

    def boxes_to_input(self, boxes: torch.Tensor, clip: bool = False) -> torch.Tensor:
        """(N, 4) xyxy in original-image pixels -> (N, 4) xyxy (x0 <= x1, y0 <= y1) in the
        network input; ``clip`` first clips them to the image."""
        sx, sy = self.scale
        out = boxes.float() * boxes.new_tensor([sx, sy, sx, sy], dtype=torch.float32)
        if clip:
            h, w = self.img_shape
            out = torch.stack([out[..., 0].clamp(0, w), out[..., 1].clamp(0, h),
                               out[..., 2].clamp(0, w), out[..., 3].clamp(0, h)], dim=-1)
        return self._mirror_boxes(out)

    def boxes_to_original(self, boxes: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`boxes_to_input` (without clipping)."""
        sx, sy = self.scale
        out = self._mirror_boxes(boxes.float())
        return out / boxes.new_tensor([sx, sy, sx, sy], dtype=torch.float32)

    # -- dense maps ----------------------------------------------------------------------------
    def unflip(self, maps: torch.Tensor) -> torch.Tensor:
        """(..., H, W) maps over the resized image as the network saw it -> the same maps in
        the original orientation (a flip is its own inverse, so this also applies the flip)."""
        dims = tuple(d for d, on in ((-1, self.flips_x), (-2, self.flips_y)) if on)
        return maps.flip(dims=dims) if dims else maps

    def map_scale(self, map_shape: Tuple[int, int],
                  input_shape: Optional[Tuple[int, int]] = None) -> Tuple[float, float]:
        """(sx, sy) taking pixel coordinates of a label map of ``map_shape`` into the network
        input. A map of the padded input's size (``input_shape``: training, where the ground
        truth was resized, flipped and padded with the image) is already there; any other map
        (testing: the annotation at its own resolution, transformed like the image otherwise)
        covers the resized image ``img_shape``."""
        if input_shape is not None and tuple(map_shape) == tuple(input_shape):
            return 1.0, 1.0
        h, w = self.img_shape
        return w / map_shape[1], h / map_shape[0]
