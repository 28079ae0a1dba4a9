"""Our SAM inside mmseg computes what segment_anything's SamPredictor computes on the same weights."""
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from segment_anything import SamPredictor

from conftest import HUMAN, require_shared_data
from helpers import build_model, model_cfg, predict
from mmsam_prompt.models.sam.reference_sam import build_reference_sam
from mmsam_prompt.models.checkpoints.sam_checkpoint import resize_image_encoder_weights



def prompts_for(img_path):
    """A foreground point and a box inside the image, in original pixels."""
    h, w = mmcv.imread(img_path).shape[:2]
    point = np.array([[0.5 * w, 0.45 * h]])
    box = np.array([0.2 * w, 0.1 * h, 0.8 * w, 0.9 * h])
    return point, box


def reference_logits(arch, ckpt, img_size, img_path):
    sam = build_reference_sam(arch, img_size)
    sd = torch.load(ckpt, weights_only=True)
    if img_size != 1024:  # the reference gets the same resized position tables as ours
        enc = {k[len('image_encoder.'):]: v for k, v in sd.items() if k.startswith('image_encoder.')}
        enc = resize_image_encoder_weights(enc, sam.image_encoder.state_dict())
        sd.update({'image_encoder.' + k: v for k, v in enc.items()})
    sam.load_state_dict(sd)
    predictor = SamPredictor(sam)
    predictor.set_image(mmcv.imread(img_path, channel_order='rgb'))
    point, box = prompts_for(img_path)
    out = {}
    out['point'] = predictor.predict(point_coords=point, point_labels=np.array([1]),
                                     multimask_output=False, return_logits=True)[0][0]
    out['box'] = predictor.predict(box=box, multimask_output=False, return_logits=True)[0][0]
    return out


def our_prompts(img_path):
    point, box = prompts_for(img_path)
    return [dict(points=point[None], point_labels=np.array([[1]]), classes=[1]),
            dict(boxes=box[None], classes=[2])]


@pytest.mark.parametrize('arch,img_size', [('tiny', 1024), ('tiny', 256), ('vit-b', 1024)])
def test_point_and_box_logits_equal_sam_predictor(arch, img_size, request):
    require_shared_data()
    ckpt = request.getfixturevalue('tiny_ckpt' if arch == 'tiny' else 'vit_b_ckpt')
    img_path = osp.join(HUMAN, 'images', '192.jpg')  # 480x640
    ref = reference_logits(arch, ckpt, img_size, img_path)

    # classes: 0 background (logit 0), 1 <- point prompt, 2 <- box prompt
    model = build_model(model_cfg(arch, ckpt, num_classes=3, img_size=img_size))
    ds = predict(model, img_size, [dict(img_path=img_path, prompts=our_prompts(img_path))])[0]
    logits = ds.seg_logits.data
    for channel, key in ((1, 'point'), (2, 'box')):
        ours = logits[channel].numpy()
        assert ours.shape == ref[key].shape
        diff = np.abs(ours - ref[key]).max()
        print(f'parity {arch}@{img_size} {key} prompt: max abs diff {diff:.3e}')
        assert diff <= 1e-4, f'{arch} {key} prompt: max abs diff {diff}'
        assert np.array_equal(ours > 0, ref[key] > 0)
    # the binary masks mmseg predicts equal SAM's threshold at 0 (background channel is 0)
    np.testing.assert_array_equal(logits[:2].argmax(0).numpy() == 1, ref['point'] > 0)


def test_batch_of_two_images_with_prompts(tiny_ckpt):
    """Batch size 2 with prompts (segment_anything's predict_masks breaks here, its issue #277)."""
    require_shared_data()
    paths = [osp.join(HUMAN, 'images', f'{i}.jpg') for i in (192, 56)]  # 56 is grayscale
    refs = [reference_logits('tiny', tiny_ckpt, 256, p) for p in paths]
    model = build_model(model_cfg('tiny', tiny_ckpt, num_classes=3))
    out = predict(model, 256, [dict(img_path=p, prompts=our_prompts(p)) for p in paths])
    for ds, ref in zip(out, refs):
        for channel, key in ((1, 'point'), (2, 'box')):
            assert np.abs(ds.seg_logits.data[channel].numpy() - ref[key]).max() <= 1e-4
