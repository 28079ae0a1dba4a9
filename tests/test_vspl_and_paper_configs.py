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
from mmsam_prompt.models.prompts import SpaPrompt, VSPLPrompt
from mmsam_prompt.models.prompts.grid_point_prompt import point_grid

SETS = {  # set name in the file names: number of classes
    'cityscapes': 19, 'bdd100k': 19, 'mapillary': 65, 'ade20k': 150, 'pascal-context-59': 59,
    'acdc': 19}
OTHER_SETS = {'camvid': 11, 'vikram-human': 2}


def prompt_encoder(size: int = 256) -> PromptEncoder:
    torch.manual_seed(0)
    return PromptEncoder(embed_dim=256, image_embedding_size=(size // 16, size // 16),
                         input_image_size=(size, size), mask_in_chans=16).requires_grad_(False)


def test_vspl_starts_at_spaprompt_default_tokens():
    pe = prompt_encoder()
    spa, vspl = SpaPrompt(num_points=100, mode='default'), VSPLPrompt(num_points=100)
    spa.setup(pe)
    vspl.setup(pe)
    torch.testing.assert_close(vspl.coords(), point_grid(10, 256, 256), atol=1e-4, rtol=0)
    torch.testing.assert_close(vspl(), spa(), atol=1e-5, rtol=1e-5)
    assert vspl().shape == (100, 256)
    # the encoder is referenced, not owned: only the coordinates are in VSPL's state
    assert list(vspl.state_dict()) == ['coord_logits']
    assert [n for n, _ in vspl.named_parameters()] == ['coord_logits']


def test_vspl_needs_setup_and_a_square_number():
    with pytest.raises(RuntimeError, match='setup'):
        VSPLPrompt(num_points=4)()
    with pytest.raises(ValueError, match='square'):
        VSPLPrompt(num_points=10)


def test_vspl_coordinates_stay_inside_the_image_after_a_large_step():
    vspl = VSPLPrompt(num_points=16)
    vspl.setup(prompt_encoder(256))
    xy = vspl.coords()
    (xy * torch.linspace(-1, 1, 32).reshape(16, 2)).sum().backward()  # out on every side
    with torch.no_grad():
        vspl.coord_logits -= 1e6 * vspl.coord_logits.grad
        xy = vspl.coords()
    assert (xy >= 0).all() and (xy <= 256).all()
    assert (xy.min(0).values < 1).all() and (xy.max(0).values > 255).all()  # really pushed out
    assert torch.isfinite(vspl()).all()


def test_vspl_config_trains_only_the_coordinates_through_the_frozen_encoder(tiny_ckpt):
    cfg = Config.fromfile(f'{REPO}/configs/ssprompt/vspl_tiny_camvid.py')
    cfg.model.sam_checkpoint = tiny_ckpt
    cfg.model.decode_head.prompt_source.semantic.text_encoder = TINY_TEXT
    model = build_model(cfg).train()
    head = model.decode_head
    assert isinstance(head.prompt_source.spatial, VSPLPrompt)
    assert head.prompt_source.spatial._prompt_encoder is head.prompt_encoder
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable == ['decode_head.prompt_source.spatial.coord_logits']
    keys = list(model.state_dict())
    assert not any('_prompt_encoder' in k for k in keys)
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
    assert head.prompt_source.type == 'SSPrompt'
    assert [t.target_length for t in train_set.pipeline
            if t.type == 'SAMResizeLongestSide'] == [1024]
    assert cfg.optim_wrapper.optimizer == dict(type='SGD', lr=0.01, momentum=0.9,
                                               weight_decay=1e-4)
    (poly, ) = cfg.param_scheduler
    assert poly.type == 'PolyLR' and poly.power == 0.9 and poly.end == cfg.train_cfg.max_iters
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
