"""Using what SSPrompt learned: mmseg's inference APIs with a trained checkpoint, and
tools/export_prompts.py + the documented plain-segment_anything code reproducing the logits."""
import os.path as osp
import re
import runpy

import mmcv
import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import save_checkpoint

from conftest import HUMAN, require_shared_data
from helpers import CAMVID_CLASSES, REPO, build_model, predict, tiny_camvid_cfg
from test_ssprompt import reference_sam

IMAGE = osp.join(HUMAN, 'images', '192.jpg')  # 640 x 480: a padded, non-square input


def export_tool(argv, capsys):
    """Run tools/export_prompts.py in this process: (exit status, stdout, stderr)."""
    from mmsam_prompt.utils.cli import run_cli
    main = runpy.run_path(f'{REPO}/tools/export_prompts.py')['main']
    status = run_cli(main, argv)
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.fixture(scope='module')
def trained(tmp_path_factory, tiny_ckpt):
    """(config path, checkpoint path, model) of an SSPrompt model whose learned parameters have
    moved away from their initial values, as after training."""
    tmp = tmp_path_factory.mktemp('ssprompt_trained')
    cfg = tiny_camvid_cfg('ssprompt', tiny_ckpt, num_points=16)
    model = build_model(cfg)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.requires_grad:
                p.add_(torch.randn(p.shape, generator=g) * (2.0 if 'logit' in name else 0.1))
    path = str(tmp / 'iter_1.pth')
    save_checkpoint(dict(state_dict=model.state_dict(),
                         meta=dict(dataset_meta=dict(classes=CAMVID_CLASSES))), path)
    cfg_path = str(tmp / 'ssprompt_tiny.py')
    cfg.dump(cfg_path)
    return cfg_path, path, model


def documented_code() -> str:
    text = open(f'{REPO}/docs/ssprompt.md').read()
    match = re.search(r'<!-- example: segment with exported prompts -->\n```python\n(.*?)```',
                      text, re.S)
    assert match, 'docs/ssprompt.md lost its segment_anything example'
    return match.group(1)


def test_exported_prompts_with_plain_segment_anything_reproduce_the_logits(trained, tiny_ckpt,
                                                                            tmp_path, capsys):
    require_shared_data()
    cfg_path, ckpt, model = trained
    out = tmp_path / 'prompts.pth'
    status, stdout, stderr = export_tool([cfg_path, ckpt, '--out', str(out)], capsys)
    assert status == 0, stderr[-2000:]
    assert '16 spatial prompts, 11 classes' in stdout
    prompts = torch.load(out, weights_only=True)
    assert prompts['class_names'] == list(CAMVID_CLASSES)
    namespace = {}
    exec(compile(documented_code(), 'docs/ssprompt.md', 'exec'), namespace)
    theirs = namespace['ssprompt_segment'](reference_sam(tiny_ckpt),
                                           mmcv.imread(IMAGE, channel_order='rgb'), prompts)
    ours = predict(model, 256, [dict(img_path=IMAGE)])[0].seg_logits.data
    assert theirs.shape == ours.shape == (11, 640, 480)
    diff = (theirs - ours).abs().max().item()
    assert diff <= 1e-3, f'max abs diff {diff}'
    assert (theirs.argmax(0) == ours.argmax(0)).float().mean() > 0.999


def test_bad_export_inputs_are_one_line_errors(trained, tmp_path, capsys):
    cfg_path, _, model = trained
    other = tmp_path / 'other.pth'
    save_checkpoint(dict(state_dict={'backbone.x': torch.zeros(1)}, meta={}), str(other))
    status, _, stderr = export_tool([cfg_path, str(other), '--out', str(tmp_path / 'p.pth')],
                                    capsys)
    assert status == 1 and len(stderr.strip().splitlines()) == 1
    assert stderr.startswith('error: ') and 'holds no decode_head.prompt_source.* weights' in stderr
    # a config whose prompt source is not SSPrompt: nothing to export
    per_class = tmp_path / 'per_class.py'
    cfg = tiny_camvid_cfg('ssprompt-per-class', 'unused.pth', num_points=4)
    cfg.dump(str(per_class))
    status, _, stderr = export_tool([str(per_class), str(other)], capsys)
    assert status == 1 and 'SSPromptPerClass has nothing to export' in stderr


def test_inference_model_and_mmseg_inferencer_with_a_trained_checkpoint(trained):
    from mmseg.apis import MMSegInferencer, inference_model, init_model
    require_shared_data()
    cfg_path, ckpt, model = trained
    want = predict(model, 256, [dict(img_path=IMAGE)])[0]
    loaded = init_model(cfg_path, ckpt, device='cpu')
    assert loaded.dataset_meta['classes'] == CAMVID_CLASSES
    result = inference_model(loaded, IMAGE)
    assert result.pred_sem_seg.shape == (640, 480)
    torch.testing.assert_close(result.seg_logits.data, want.seg_logits.data, atol=1e-4, rtol=0)
    inferencer = MMSegInferencer(model=cfg_path, weights=ckpt, device='cpu')
    pred = inferencer(IMAGE)['predictions']
    assert pred.shape == (640, 480)
    np.testing.assert_array_equal(pred, want.pred_sem_seg.data[0].numpy())
