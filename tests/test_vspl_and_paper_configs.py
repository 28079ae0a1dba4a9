"""VSPL (learned point coordinates) and the vit-b paper configs of SSPrompt."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import DATASETS
from segment_anything.modeling import PromptEncoder

from helpers import REPO, TINY_TEXT, assert_gradients_only_in, build_model
from helpers import square_sample as sample
from mmsam_prompt.models.prompt_learners import SpaPrompt, VSPLPrompt
from mmsam_prompt.models.prompt_sources import PromptContext
from mmsam_prompt.structures import SampleFrame

SETS = {  # set name in the file names: number of classes
    'cityscapes': 19, 'bdd100k': 19, 'mapillary': 19, 'ade20k': 150, 'pascal-context-59': 59,
    'acdc': 19}
OTHER_SETS = {'camvid': 11, 'vikram-human': 2, 'mapillary-65': 65}
SHAPES = [(256, 192), (100, 256)]  # two images' valid regions in a 256 input


def prompt_encoder(size: int = 256) -> PromptEncoder:
    torch.manual_seed(0)
    return PromptEncoder(embed_dim=256, image_embedding_size=(size // 16, size // 16),
                         input_image_size=(size, size), mask_in_chans=16).requires_grad_(False)


def context(pe: PromptEncoder, shapes=SHAPES) -> PromptContext:
    return PromptContext(pe, (len(shapes), 256) + pe.image_embedding_size, torch.device('cpu'),
                         [SampleFrame(s, s) for s in shapes], [])


def test_vspl_starts_at_spaprompt_default_tokens():
    pe = prompt_encoder()
    args = dict(img_size=256, embed_size=(16, 16), prompt_encoder=pe)
    spa, vspl = SpaPrompt(num_points=100, mode='default', **args), VSPLPrompt(100, **args)
    ctx = context(pe)
    torch.testing.assert_close(vspl.coords(ctx), spa.default_points(ctx), atol=1e-4, rtol=0)
    torch.testing.assert_close(vspl(ctx), spa(ctx), atol=1e-5, rtol=1e-5)
    assert vspl(ctx).shape == (2, 100, 256)
    # the encoder is referenced, not owned: only the coordinates are in VSPL's state
    assert list(vspl.state_dict()) == ['coord_logits']
    assert [n for n, _ in vspl.named_parameters()] == ['coord_logits']


def test_vspl_needs_a_square_number():
    with pytest.raises(ValueError, match='square'):
        VSPLPrompt(num_points=10)


def test_vspl_coordinates_stay_inside_each_image_after_a_large_step():
    vspl = VSPLPrompt(num_points=16, img_size=256)
    ctx = context(prompt_encoder(256))
    xy = vspl.coords(ctx)
    (xy * torch.linspace(-1, 1, 64).reshape(2, 16, 2)).sum().backward()  # out on every side
    with torch.no_grad():
        vspl.coord_logits -= 1e6 * vspl.coord_logits.grad
        xy = vspl.coords(ctx)
    for (h, w), pts in zip(SHAPES, xy):
        assert (pts >= 0).all() and (pts[:, 0] <= w).all() and (pts[:, 1] <= h).all()
        assert pts[:, 0].min() < 1 and pts[:, 0].max() > w - 1  # really pushed out
    assert torch.isfinite(vspl(ctx)).all()


def test_vspl_config_trains_only_the_coordinates_through_the_frozen_encoder(tiny_ckpt):
    cfg = Config.fromfile(f'{REPO}/configs/ssprompt/vspl_tiny_camvid.py')
    cfg.model.sam_checkpoint = tiny_ckpt
    cfg.model.decode_head.prompt_source.semantic.text_encoder = TINY_TEXT
    cfg.model.decode_head.prompt_source.spatial.num_points = 4
    model = build_model(cfg).train()
    head = model.decode_head
    assert isinstance(head.prompt_source.spatial, VSPLPrompt)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    prefix = 'decode_head.prompt_source.'  # the coordinates and SSPrompt's map G
    assert trainable == [prefix + 'spatial.coord_logits', prefix + 'token_to_text.weight',
                         prefix + 'token_to_text.bias']
    keys = list(model.state_dict())
    assert len([k for k in keys if k.endswith('pe_layer.positional_encoding_gaussian_matrix')]) == 1

    gt = np.random.default_rng(0).integers(0, 11, (256, 256))
    losses = model.loss(torch.randn(2, 3, 256, 256), [sample(gt), sample(gt[::-1].copy())])
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert_gradients_only_in(model, trainable)


def paper_configs():
    files = sorted(glob.glob(f'{REPO}/configs/ssprompt/ssprompt_vit-b_*shot_*.py'))
    assert len(files) == 4 * len(SETS) + len(OTHER_SETS)
    return [osp.basename(f) for f in files]


@pytest.mark.parametrize('name', paper_configs())
def test_paper_config(name):
    shots, data = name[len('ssprompt_vit-b_'):-len('.py')].split('shot_')
    cfg = Config.fromfile(f'{REPO}/configs/ssprompt/{name}')
    head = cfg.model.decode_head
    names = head.prompt_source.semantic.class_names
    assert cfg.train_dataloader.dataset.shots == int(shots)
    assert head.num_classes == len(names) == {**SETS, **OTHER_SETS}[data]
    assert len(set(names)) == len(names)
    # the class names are the data set's own, in its order (the human set names its foreground)
    train_set = cfg.train_dataloader.dataset.dataset
    own = (train_set.get('metainfo') or DATASETS.get(train_set.type).METAINFO)['classes']
    assert tuple(names) == (('background', 'person') if data == 'vikram-human' else tuple(own))
    assert len(own) == len(names)
    # vit-b SAM at 1024 px, only the prompts trained, the paper's schedule
    assert cfg.model.backbone.arch == 'vit-b' and head.img_size == 1024
    assert head.background_index is None and head.trainable == ()
    assert head.prompt_source.type == 'SSPrompt' and head.prompt_source.train_mapping
    assert [t.target_length for t in train_set.pipeline
            if t.type == 'SAMResizeLongestSide'] == [1024]
    assert cfg.optim_wrapper.optimizer == dict(type='SGD', lr=0.01, momentum=0.9,
                                               weight_decay=1e-4)
    (poly, ) = cfg.param_scheduler
    assert poly.type == 'PolyLR' and poly.power == 0.9 and poly.end == cfg.train_cfg.max_iters
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
