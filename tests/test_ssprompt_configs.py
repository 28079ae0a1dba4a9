"""SSPrompt's ablations and baselines as configs: Table 5's six rows, VSPL (Table 8), CoOp and
LOCN (Table 2), the per-class option and the mix with BLO-SAM's LoRA decoder and bi-level
optimisation. The tiny CamVid versions build and train; the vit-b ones load and build their
prompt sources."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmseg.registry import DATASETS, MODELS
from segment_anything.modeling import PromptEncoder

from helpers import REPO, TINY_TEXT, build_model, tiny_camvid_cfg
from helpers import square_sample as sample

#: the tiny CLIP text encoder with one prompt template (150 ADE20K names build in a second)
FAST_TEXT = dict(TINY_TEXT, templates=['a photo of a {}.'])
SETS = {'cityscapes': 19, 'bdd100k': 19, 'mapillary': 19, 'ade20k': 150,
        'pascal-context-59': 59, 'acdc': 19}
SPA = ('spatial.fusion.weight_logit', 'spatial.fusion.embedding')
SEM = ('semantic.fusion.weight_logit', 'semantic.fusion.embedding')
MAP = ('token_to_text.weight', 'token_to_text.bias')
#: method -> (prompt source type, spatial type / mode, semantic type / mode, what trains)
METHODS = {
    'ssprompt-default-prompts': ('SSPrompt', 'default', 'default', MAP),
    'ssprompt-spatial-average': ('SSPrompt', 'average', 'default',
                                 ('spatial.fusion.embedding', ) + MAP),
    'ssprompt-spatial-weighted': ('SSPrompt', 'weighted', 'default', SPA + MAP),
    'ssprompt-semantic-average': ('SSPrompt', 'default', 'average',
                                  ('semantic.fusion.embedding', ) + MAP),
    'ssprompt-semantic-weighted': ('SSPrompt', 'default', 'weighted', SEM + MAP),
    'ssprompt': ('SSPrompt', 'weighted', 'weighted', SPA + SEM + MAP),
    'vspl': ('SSPrompt', 'VSPLPrompt', 'default', ('spatial.coord_logits', ) + MAP),
    'coop': ('SSPrompt', 'default', 'CoOpPrompt', ('semantic.context', ) + MAP),
    'locn': ('SSPrompt', 'default', 'LOCNPrompt', ('semantic.name_embeddings', ) + MAP),
    'ssprompt-per-class': ('SSPromptPerClass', 'weighted', 'weighted', SPA + SEM),
}


def describe(src):
    """(type, spatial type or mode, semantic type or mode) of a prompt-source config."""
    def part(cfg):
        return cfg['mode'] if cfg['type'] in ('SpaPrompt', 'SemPrompt') else cfg['type']
    return src['type'], part(src['spatial']), part(src['semantic'])


def test_every_config_name_is_there():
    names = {osp.basename(f) for f in glob.glob(f'{REPO}/configs/ssprompt/*.py')}
    want = {f'{m}_tiny_camvid.py' for m in METHODS}
    want |= {f'{m}_vit-b_16shot_{s}.py' for m in METHODS for s in SETS}
    assert want <= names, sorted(want - names)


@pytest.mark.parametrize('method', sorted(METHODS))
def test_tiny_config_trains_one_iteration_learning_what_it_says(method, tiny_ckpt):
    kind, spatial, semantic, learned = METHODS[method]
    cfg = tiny_camvid_cfg(method, tiny_ckpt, num_points=4)
    src = cfg.model.decode_head.prompt_source
    assert describe(src) == (kind, spatial, semantic)
    model = build_model(cfg).train()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    prefix = 'decode_head.prompt_source.'
    assert trainable == {prefix + n for n in learned}
    before = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    gt = np.random.default_rng(0).integers(0, 11, (256, 256))
    batch = dict(inputs=[torch.randint(0, 255, (3, 256, 256), dtype=torch.uint8)] * 2,
                 data_samples=[sample(gt), sample(gt[::-1].copy())])
    for ds in batch['data_samples']:
        ds.set_metainfo(dict(pad_shape=(256, 256)))
    log = model.train_step(batch, optim)
    assert np.isfinite(float(log['loss']))
    moved = {n for n, p in model.named_parameters() if n in before and
             not torch.equal(p.detach(), before[n])}
    # one SGD step moves every learned tensor except w, whose gradient is 0 while P = E
    assert moved == {n for n in trainable if 'weight_logit' not in n}


def prompt_encoder_1024():
    return PromptEncoder(embed_dim=256, image_embedding_size=(64, 64),
                         input_image_size=(1024, 1024), mask_in_chans=16)


@pytest.mark.parametrize('data', sorted(SETS))
def test_vit_b_configs_load_and_build_their_prompt_sources(data):
    encoder = prompt_encoder_1024()
    base = Config.fromfile(f'{REPO}/configs/ssprompt/ssprompt_vit-b_16shot_{data}.py')
    for method, (kind, spatial, semantic, _) in METHODS.items():
        cfg = Config.fromfile(f'{REPO}/configs/ssprompt/{method}_vit-b_16shot_{data}.py')
        head = cfg.model.decode_head
        src = head.prompt_source
        assert describe(src) == (kind, spatial, semantic), method
        assert head.num_classes == SETS[data] == len(src.semantic.class_names)
        assert tuple(src.semantic.class_names) == tuple(base.class_names)
        assert cfg.model.backbone.arch == 'vit-b' and head.img_size == 1024
        assert cfg.train_dataloader.dataset.shots == 16
        assert cfg.train_dataloader.dataset == base.train_dataloader.dataset
        assert cfg.optim_wrapper == base.optim_wrapper and cfg.train_cfg == base.train_cfg
        src.semantic.text_encoder = FAST_TEXT
        built = MODELS.build(src, default_args=dict(img_size=1024, embed_size=(64, 64),
                                                    prompt_encoder=encoder))
        assert built.class_names == tuple(base.class_names)


def test_mapillary_is_read_with_the_19_cityscapes_classes(tmp_path):
    """The paper's Mapillary variant: v1.2 label ids through the Cityscapes map, else ignored."""
    import mmcv
    from mmseg.datasets import CityscapesDataset
    cfg = Config.fromfile(f'{REPO}/configs/_base_/datasets/mapillary_cityscapes_classes.py')
    value_map = cfg.mapillary_value_map
    assert sorted(value_map) == list(range(66))
    assert sorted(set(value_map.values())) == list(range(19)) + [255]
    assert value_map[65] == 255 and value_map[13] == 0 and value_map[55] == 13  # road, car
    for split in ('training', 'validation'):
        (tmp_path / split / 'images').mkdir(parents=True)
        (tmp_path / split / 'v1.2' / 'labels').mkdir(parents=True)
    labels = np.arange(66, dtype=np.uint8).repeat(4).reshape(12, 22)
    mmcv.imwrite(np.zeros((12, 22, 3), np.uint8), str(tmp_path / 'training/images/a.jpg'))
    mmcv.imwrite(labels, str(tmp_path / 'training/v1.2/labels/a.png'))
    ds_cfg = dict(cfg.train_dataloader.dataset.dataset, data_root=str(tmp_path))
    dataset = DATASETS.build(ds_cfg)
    assert dataset.metainfo['classes'] == CityscapesDataset.METAINFO['classes']
    seg = dataset[0]['data_samples'].gt_sem_seg.data.numpy()
    # the pipeline resizes with nearest neighbours: every label read is a mapped one
    assert set(np.unique(seg)) <= set(value_map.values())
    assert {0, 13, 255} <= set(np.unique(seg))


def test_ssprompt_with_lora_decoder_and_bilevel_optimisation_runs(tmp_path, tiny_ckpt):
    """Methods mix: SSPrompt's prompts (upper level, on D2) with BLO-SAM's LoRA mask decoder
    (lower level, on D1), end to end through mmengine's Runner."""
    from conftest import require_shared_data
    from mmengine.runner import Runner
    require_shared_data()
    cfg = tiny_camvid_cfg('ssprompt-lora-bilevel', tiny_ckpt)
    cfg.work_dir = str(tmp_path / 'w')
    cfg.train_dataloader.dataset.shots = 4  # D1, D2: 2 images each
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=1000)
    cfg.param_scheduler = []
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None  # no validation pass
    runner = Runner.from_cfg(cfg)
    model = runner.model
    lower = {n: p.detach().clone() for n, p in model.named_parameters()
             if p.requires_grad and not n.startswith('decode_head.prompt_source')}
    upper = {n: p.detach().clone() for n, p in model.named_parameters()
             if p.requires_grad and n.startswith('decode_head.prompt_source')}
    assert any('lora' in n for n in lower) and any('fusion' in n for n in upper)
    runner.train()
    params = dict(model.named_parameters())
    assert all(not torch.equal(params[n], v) for n, v in lower.items() if 'lora_B' in n)
    assert not torch.equal(params['decode_head.prompt_source.token_to_text.weight'],
                           upper['decode_head.prompt_source.token_to_text.weight'])
    assert not torch.equal(params['decode_head.prompt_source.spatial.fusion.embedding'],
                           upper['decode_head.prompt_source.spatial.fusion.embedding'])
    hook = [h for h in runner.hooks if type(h).__name__ == 'BiLevelHook'][0]
    assert hook.upper_steps == 2
