"""The SAM decode head: prompt sources, per-class logits, batches, gradients."""
import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from helpers import build_model, model_cfg
from mmsam_prompt.models.prompt_common.points import mask_to_box, point_grid
from mmsam_prompt.structures import SampleFrame


def sample(gt=None, img_shape=(256, 192), prompts=None, ori_shape=None):
    meta = dict(img_shape=img_shape, ori_shape=ori_shape or img_shape,
                batch_input_shape=(256, 256), scale_factor=(1.0, 1.0))
    if prompts is not None:
        meta['prompts'] = prompts
    ds = SegDataSample(metainfo=meta)
    if gt is not None:
        ds.gt_sem_seg = PixelData(data=torch.as_tensor(gt)[None])
    return ds


def test_batch_independence_and_background(tiny_ckpt):
    model = build_model(model_cfg('tiny', tiny_ckpt, num_classes=3))
    x = torch.randn(2, 3, 256, 256)
    p0 = dict(points=[[[50, 60]]], point_labels=[[1]], classes=[1])
    p1 = [dict(boxes=[[10, 20, 120, 200]], classes=[2]),
          dict(points=[[[30, 30], [90, 100]]], point_labels=[[1, 0]], classes=[1])]
    with torch.no_grad():
        both = model._forward(x, [sample(prompts=p0), sample(prompts=p1)])
        one0 = model._forward(x[:1], [sample(prompts=p0)])
        one1 = model._forward(x[1:], [sample(prompts=p1)])
    assert both.shape == (2, 3, 256, 256)
    torch.testing.assert_close(both[0], one0[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(both[1], one1[0], atol=1e-5, rtol=0)
    assert (both[:, 0] == 0).all()  # background channel: SAM's threshold
    assert (both[0, 2] == -20).all()  # class 2 has no prompt in image 0


def test_several_prompts_of_one_class_merge_by_max(tiny_ckpt):
    model = build_model(model_cfg('tiny', tiny_ckpt, num_classes=2))
    head = model.decode_head
    a = dict(points=[[[50, 60]]], point_labels=[[1]])
    b = dict(points=[[[150, 160]]], point_labels=[[1]])
    with torch.no_grad():
        emb = model.extract_feat(torch.randn(1, 3, 256, 256))[0]

        def low(prompts):
            return head.prompt_logits(
                emb, head.prompts(emb, [sample(prompts=prompts)]))[0, 1]

        la, lb, both = low(a), low(b), low([a, b])
    assert not torch.allclose(la, lb)
    torch.testing.assert_close(both, torch.maximum(la, lb))


def test_gt_box_prompt_boxes_and_frames():
    gt = torch.zeros(40, 30, dtype=torch.long)
    gt[5:11, 7:20] = 1
    assert mask_to_box(gt == 1).tolist() == [7, 5, 19, 10]
    frame = SampleFrame((40, 30), (80, 60))
    # ground truth at native resolution (test): scaled to the resized image
    assert frame.map_scale((40, 30), (256, 256)) == (2.0, 2.0)
    # padded ground truth (training): already in the input frame
    assert frame.map_scale((256, 256), (256, 256)) == (1.0, 1.0)


def test_gt_box_prompt_skips_background_and_ignore(tiny_ckpt):
    model = build_model(model_cfg('tiny', tiny_ckpt, num_classes=3, prompt_source=dict(
        type='GTBoxPrompt', exclude_classes=(0, ))))
    gt = np.zeros((256, 192), np.int64)
    gt[10:50, 10:50] = 2
    gt[100:120, :] = 255
    head = model.decode_head
    emb = torch.zeros(1, 256, 16, 16)
    batches = head.prompts(emb, [sample(gt=gt)])
    assert len(batches) == 1 and batches[0].class_idx.tolist() == [2]
    empty = head.prompts(emb, [sample(gt=np.zeros((256, 192)))])
    assert empty == []


def test_point_grid_covers_the_valid_area():
    g = point_grid(4, 100, 200)
    assert g.shape == (16, 2)
    assert g[:, 0].min() == 25 and g[:, 0].max() == 175
    assert g[:, 1].min() == 12.5 and g[:, 1].max() == 87.5


def test_grid_modes(tiny_ckpt):
    x = torch.randn(1, 3, 256, 256)
    for mode, n in (('joint', 1), ('separate', 9)):
        model = build_model(model_cfg('tiny', tiny_ckpt, prompt_source=dict(
            type='GridPointPrompt', points_per_side=3, mode=mode)))
        head = model.decode_head
        with torch.no_grad():
            emb = model.extract_feat(x)[0]
            (batch, ) = head.prompts(emb, [sample()])
            assert len(batch) == n
            assert batch.sparse.shape[1] == (10 if mode == 'joint' else 2)  # + padding point


def test_only_trainable_parts_get_gradients(tiny_ckpt):
    cfg = model_cfg('tiny', tiny_ckpt, prompt_source=dict(type='GTBoxPrompt',
                                                          exclude_classes=(0, )))
    cfg.model.decode_head.trainable = ('mask_decoder', )
    model = build_model(cfg).train()
    gt = np.zeros((256, 256), np.int64)
    gt[40:120, 30:90] = 1
    losses = model.loss(torch.randn(1, 3, 256, 256), [sample(gt=gt, img_shape=(256, 256))])
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    for name, p in model.named_parameters():
        has_grad = p.grad is not None and p.grad.abs().sum() > 0
        if name.startswith('decode_head.mask_decoder.'):
            assert p.requires_grad, name
        else:
            assert not p.requires_grad and not has_grad, name
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.decode_head.mask_decoder.parameters())
    assert model.backbone.encoder.training is False  # frozen encoder stays in eval mode
