"""One frame per sample: prompts and predictions land on the right pixels through resize and
every flip mmcv's RandomFlip makes (issue 10)."""
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmseg.registry import TRANSFORMS

from helpers import META_KEYS, build_model, model_cfg
from mmsam_prompt.structures import FLIP_DIRECTIONS, SampleFrame


def asymmetric_image(h=150, w=200):
    """An image whose every quadrant differs, with one bright L-shaped object (class 1)."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([x * 255 // w, y * 255 // h, (x + 2 * y) % 256], axis=-1).astype(np.uint8)
    gt = np.zeros((h, w), np.uint8)
    gt[20:90, 30:50] = 1   # the L's stem, near the top left
    gt[70:90, 50:120] = 1  # its foot
    return img, gt


def run_pipeline(direction, size=256, prompts=None):
    img, gt = asymmetric_image()
    steps = [dict(type='SAMResizeLongestSide', target_length=size)]
    if direction is not None:
        steps.append(dict(type='RandomFlip', prob=1.0, direction=direction))
    steps.append(dict(type='PackSegInputs', meta_keys=META_KEYS))
    pipe = Compose([TRANSFORMS.build(s) for s in steps])
    results = dict(img=img, gt_seg_map=gt, seg_fields=['gt_seg_map'], img_shape=img.shape[:2],
                   ori_shape=img.shape[:2], reduce_zero_label=False)
    if prompts is not None:
        results['prompts'] = prompts
    return img, gt, pipe(results)


def tight_box(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(mask)
    return np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1], np.float32)


@pytest.mark.parametrize('direction', [None, *FLIP_DIRECTIONS])
def test_boxes_and_points_land_on_the_object(direction):
    img, gt, out = run_pipeline(direction)
    frame = SampleFrame.from_metainfo(out['data_samples'].metainfo)
    assert frame.flip == direction
    net_gt = out['data_samples'].gt_sem_seg.data[0].numpy()  # resized and flipped with the image
    box = frame.boxes_to_input(torch.tensor(tight_box(gt)[None]))[0].numpy()
    np.testing.assert_allclose(box, tight_box(net_gt == 1), atol=1.5)
    # a point inside the stem's top end lands on the stem in the network input ...
    xy = frame.points_to_input(torch.tensor([[40.5, 22.5]]))[0]
    assert net_gt[int(xy[1]), int(xy[0])] == 1
    # ... and on the same colour of the (resized, flipped) image
    net_img = out['inputs'].permute(1, 2, 0).numpy()
    col, row = int(xy[0]), int(xy[1])
    np.testing.assert_allclose(net_img[row, col].astype(int), img[22, 40].astype(int), atol=6)
    # both maps are invertible
    torch.testing.assert_close(frame.points_to_original(frame.points_to_input(
        torch.tensor([[40.5, 22.5]]))), torch.tensor([[40.5, 22.5]]))
    torch.testing.assert_close(frame.boxes_to_original(torch.tensor(box[None])),
                               torch.tensor(tight_box(gt)[None]), atol=1e-4, rtol=0)


@pytest.mark.parametrize('direction', [None, *FLIP_DIRECTIONS])
def test_segmentor_unflips_predictions_onto_the_original_pixels(direction, tiny_ckpt):
    """Logits that copy the network input must come back as the original image."""
    model = build_model(model_cfg('tiny', tiny_ckpt))
    img, gt, out = run_pipeline(direction)
    ds = out['data_samples']
    ds.set_metainfo(dict(batch_input_shape=(256, 256)))
    del ds.gt_sem_seg  # predict at ori_shape, the original image's size
    h, w = ds.metainfo['img_shape']
    logits = torch.zeros(1, 2, 256, 256)
    logits[0, 1, :h, :w] = out['inputs'][0].float()  # channel 1 = red = x position
    logits[0, 0, :h, :w] = 127.5
    (res, ) = model.postprocess_result(logits, [ds])
    got = res.seg_logits.data[1].numpy()
    assert got.shape == gt.shape
    np.testing.assert_allclose(got, img[..., 0].astype(np.float32), atol=3)
    want = (img[..., 0] > 127.5).astype(np.int64)
    assert (res.pred_sem_seg.data[0].numpy() == want).mean() > 0.99


@pytest.mark.parametrize('direction', FLIP_DIRECTIONS)
def test_data_sample_prompt_follows_the_flip(direction, tiny_ckpt):
    """A box given in original pixels is encoded as the box mirrored by hand in the resized,
    flipped network input (the one the pipeline's ground truth shows, up to a pixel)."""
    model = build_model(model_cfg('tiny', tiny_ckpt))
    box = tight_box(asymmetric_image()[1])
    img, gt, out = run_pipeline(direction, prompts=dict(boxes=box[None]))
    ds = out['data_samples']
    ds.set_metainfo(dict(batch_input_shape=(256, 256)))
    head = model.decode_head
    emb = torch.randn(1, 256, 16, 16)
    (batch, ) = head.prompts(emb, [ds])
    h, w = ds.metainfo['img_shape']
    s = w / gt.shape[1]
    x0, y0, x1, y1 = (box * s).tolist()
    if direction in ('horizontal', 'diagonal'):
        x0, x1 = w - x1, w - x0
    if direction in ('vertical', 'diagonal'):
        y0, y1 = h - y1, h - y0
    net_box = torch.tensor([[x0, y0, x1, y1]])
    np.testing.assert_allclose(net_box[0].numpy(), tight_box(ds.gt_sem_seg.data[0].numpy() == 1),
                               atol=1.5)
    want, _ = head.prompt_encoder(points=None, boxes=net_box, masks=None)
    torch.testing.assert_close(batch.sparse, want)
    assert batch.class_idx.tolist() == [1]


def test_unknown_flip_direction_is_refused():
    with pytest.raises(ValueError, match='flip direction'):
        SampleFrame((10, 10), (10, 10), 'sideways')
