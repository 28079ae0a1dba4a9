"""Official-format SAM checkpoints: loading, resizing to other input sizes, and clear errors."""
import pytest
import torch
from mmseg.registry import MODELS

from mmsam_prompt.models.sam.reference_sam import build_reference_sam
from mmsam_prompt.models.checkpoints.sam_checkpoint import SAMCheckpointError


def build_backbone(arch, ckpt, img_size=1024):
    return MODELS.build(dict(type='SAMImageEncoder', arch=arch, img_size=img_size, checkpoint=ckpt))


def shaped_like(arch, tmp_path):
    """Every key and shape of an official ``arch`` checkpoint, stored in a few bytes
    (each tensor is a zero-stride view of one element)."""
    with torch.device('meta'):
        sd = build_reference_sam(arch).state_dict()
    sd = {k: torch.zeros(1).expand(v.shape) for k, v in sd.items()}
    path = tmp_path / f'sam_{arch}_shapes.pth'
    torch.save(sd, path)
    return str(path)


def one_line_error(excinfo, *needles):
    msg = str(excinfo.value)
    assert '\n' not in msg, msg
    for needle in needles:
        assert needle in msg, msg
    return msg


def test_loads_official_keys_unchanged(tiny_ckpt):
    backbone = build_backbone('tiny', tiny_ckpt, img_size=1024)
    ref = torch.load(tiny_ckpt, weights_only=True)
    for k, v in backbone.encoder.state_dict().items():
        assert torch.equal(v, ref['image_encoder.' + k]), k
    assert not any(p.requires_grad for p in backbone.parameters())


def test_other_input_size_resizes_position_tables(tiny_ckpt):
    backbone = build_backbone('tiny', tiny_ckpt, img_size=256)
    assert backbone.encoder.pos_embed.shape == (1, 16, 16, 64)
    ref = torch.load(tiny_ckpt, weights_only=True)
    # a global-attention block's relative-position table shrinks from 2*64-1 to 2*16-1 rows
    assert ref['image_encoder.blocks.1.attn.rel_pos_h'].shape[0] == 127
    assert backbone.encoder.blocks[1].attn.rel_pos_h.shape[0] == 31
    # window blocks are unchanged
    assert torch.equal(backbone.encoder.blocks[0].attn.rel_pos_h,
                       ref['image_encoder.blocks.0.attn.rel_pos_h'])
    out = backbone(torch.randn(1, 3, 256, 256))[0]
    assert out.shape == (1, 256, 16, 16) and torch.isfinite(out).all()


def test_missing_file(tmp_path):
    with pytest.raises(SAMCheckpointError) as e:
        build_backbone('vit-b', str(tmp_path / 'nope.pth'))
    one_line_error(e, 'not found', 'nope.pth', 'checkpoint=')


def test_truncated_file(tiny_ckpt, tmp_path):
    data = open(tiny_ckpt, 'rb').read()
    path = tmp_path / 'truncated.pth'
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(SAMCheckpointError) as e:
        build_backbone('tiny', str(path))
    one_line_error(e, 'truncated or corrupt', 'truncated.pth', 'Download it again')


def test_pickled_python_objects_are_refused(tiny_ckpt, tmp_path):
    """A checkpoint with Python objects (here a Namespace of training arguments) is not read with
    weights_only=False: the error says why and how to re-save it."""
    import argparse
    sd = torch.load(tiny_ckpt, weights_only=True)
    path = tmp_path / 'with_objects.pth'
    torch.save(dict(model=sd, args=argparse.Namespace(lr=1e-3)), path)
    with pytest.raises(SAMCheckpointError) as e:
        build_backbone('tiny', str(path))
    one_line_error(e, 'Python objects', 'weights_only=True', 'Save a plain state dict')


def test_vit_h_checkpoint_for_vit_b_config(tmp_path):
    path = shaped_like('vit-h', tmp_path)
    with pytest.raises(SAMCheckpointError) as e:
        build_backbone('vit-b', path)
    one_line_error(e, 'vit-h', 'vit-b', 'sam_vit_h.py')


def test_file_without_sam_keys(tmp_path):
    path = tmp_path / 'resnet.pth'
    torch.save({'conv1.weight': torch.zeros(2, 3, 1, 1)}, path)
    with pytest.raises(SAMCheckpointError) as e:
        build_backbone('vit-b', str(path))
    one_line_error(e, 'no SAM weights', 'conv1.weight')


def test_head_rejects_wrong_decoder_shapes(tiny_ckpt, tmp_path):
    sd = torch.load(tiny_ckpt, weights_only=True)
    sd['mask_decoder.iou_token.weight'] = torch.zeros(1, 128)
    path = tmp_path / 'bad_decoder.pth'
    torch.save(sd, path)
    with pytest.raises(SAMCheckpointError) as e:
        MODELS.build(dict(type='SAMHead', num_classes=2, img_size=256, checkpoint=str(path),
                          prompt_source=dict(type='GTBoxPrompt')))
    one_line_error(e, 'mask_decoder', 'iou_token.weight')
