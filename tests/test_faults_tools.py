"""Fault table (docs/reliability.md), tools and APIs: row "all" (one-line errors), 33 (mmseg's
inference API), 35 (distributed training on a CPU)."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

from conftest import CAMVID, HUMAN, REPO, require_shared_data
from helpers import make_binary_folder, tiny_camvid_cfg
from mmsam_prompt.utils.errors import DataError, MissingPromptInputError
from test_faults_checkpoint import DEMO, demo_options, tool


def test_row_all_known_errors_are_one_line_and_debug_shows_the_traceback(tmp_path, tiny_ckpt,
                                                                          capsys):
    data = make_binary_folder(str(tmp_path / 'data'), img_suffix='.png')
    with open(osp.join(data, 'splits', 'val.txt'), 'a') as f:
        f.write('ghost\n')
    test_tool = tool('test')
    args = [DEMO, tiny_ckpt, '--work-dir', str(tmp_path / 'w'), '--cfg-options',
            *demo_options(data, tiny_ckpt)]
    code = test_tool.run_cli(test_tool.main, args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1, err
    assert err[0].startswith('error: test_dataloader: image ') and 'ghost.png' in err[0]
    assert '--debug' in err[0]
    with pytest.raises(DataError):  # --debug: the exception and its traceback
        test_tool.run_cli(test_tool.main, args + ['--debug'])


def test_row33_mmseg_init_model_and_inference_model(tiny_ckpt):
    """mmseg's init_model + inference_model: a config's test pipeline is there (from its test
    loader when the file does not name one), a learned-prompt model segments a bare image, and a
    model whose prompts need the ground truth says so in one line."""
    from mmseg.apis import inference_model, init_model
    require_shared_data()
    image = osp.join(CAMVID, 'images', sorted(os.listdir(osp.join(CAMVID, 'images')))[0])
    model = init_model(tiny_camvid_cfg('ssprompt', tiny_ckpt), device='cpu')
    result = inference_model(model, image)
    assert tuple(result.pred_sem_seg.shape) == (360, 480)
    assert int(result.pred_sem_seg.data.max()) < 11
    from mmseg.apis import MMSegInferencer  # keeps working
    out = MMSegInferencer(model=tiny_camvid_cfg('ssprompt', tiny_ckpt), device='cpu')(image)
    assert out['predictions'].shape == (360, 480)

    gt_box = init_model(osp.join(REPO, 'configs/sam/sam_tiny_gt-box_vikram-human.py'),
                        device='cpu', cfg_options={'model.sam_checkpoint': tiny_ckpt})
    steps = [t['type'] for t in gt_box.cfg.test_pipeline]
    assert steps[:2] == ['LoadImageFromFile', 'SAMResizeLongestSide']
    assert gt_box.cfg.test_pipeline[1]['target_length'] == 256
    with pytest.raises(MissingPromptInputError) as e:
        inference_model(gt_box, osp.join(HUMAN, 'images', '1.jpg'))
    msg = str(e.value)
    assert '\n' not in msg and 'GTBoxPrompt' in msg and 'bare image' in msg, msg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_row35_dist_train_on_cpu_with_two_processes(tmp_path, tiny_ckpt):
    """tools/dist_train.sh CONFIG 2 on a CPU: tiny BLO-SAM (bi-level) for 2 epochs; both ranks
    end with identical weights, and D1 / D2 are split between the ranks without overlap."""
    require_shared_data()
    pool, work = tmp_path / 'pool.txt', tmp_path / 'work'
    pool.write_text('\n'.join(str(i) for i in range(1, 9)) + '\n')
    cfg_file = tmp_path / 'blo_sam_recorded.py'
    cfg_file.write_text(
        f"_base_ = [{osp.join(REPO, 'configs/blo_sam/blo-sam_tiny_vikram-human.py')!r}]\n"
        "custom_imports = dict(imports=['mmsam_prompt', 'rank_record_hook'], "
        'allow_failed_imports=False)\n'
        "custom_hooks = [*_base_.custom_hooks, dict(type='RankRecordHook')]\n")
    opts = [f'model.sam_checkpoint={tiny_ckpt}', 'train_cfg.max_epochs=2',
            'param_scheduler.0.end=2', 'default_hooks.checkpoint.interval=2']
    for part in ('train', 'val'):
        opts += [f'{part}_dataloader.dataset.shots=8',
                 f'{part}_dataloader.dataset.dataset.data_root={HUMAN}',
                 f'{part}_dataloader.dataset.dataset.ann_file={pool}']
    env = dict(os.environ, PORT=str(free_port()), OMP_NUM_THREADS='1',
               PATH=osp.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
               PYTHONPATH=os.pathsep.join([osp.join(REPO, 'tests'),
                                           os.environ.get('PYTHONPATH', '')]),
               CUDA_VISIBLE_DEVICES='')
    proc = subprocess.run(['bash', 'tools/dist_train.sh', str(cfg_file), '2', '--work-dir',
                           str(work), '--cfg-options', *opts], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]

    weights = [torch.load(work / f'rank{r}.pt', weights_only=True) for r in (0, 1)]
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    records = [json.loads((work / f'rank{r}.json').read_text()) for r in (0, 1)]
    d1 = [set(p for ps in rec['d1'].values() for p in ps) for rec in records]
    d2 = [set(p for ps in rec['d2'].values() for p in ps) for rec in records]
    for epoch in ('0', '1'):  # each epoch: every D1 image on exactly one rank
        a, b = (set(rec['d1'][epoch]) for rec in records)
        assert not a & b and len(a | b) == 4
    for p in ('0', '1'):  # each D2 pass: every D2 image on exactly one rank
        a, b = (set(rec['d2'][p]) for rec in records)
        assert not a & b and len(a | b) == 4
    assert not (d1[0] | d1[1]) & (d2[0] | d2[1])
    assert records[0]['changed'] and records[0]['changed'] == records[1]['changed']
    assert any(n.startswith('decode_head.prompt_source') for n in records[0]['changed'])


def test_row8_trained_checkpoint_given_as_sam_checkpoint(tmp_path):
    """A tools/train.py checkpoint passed as model.sam_checkpoint: the error says where it goes."""
    from mmseg.registry import MODELS
    from mmsam_prompt.models.checkpoints.sam_checkpoint import SAMCheckpointError
    path = tmp_path / 'iter_200.pth'
    torch.save(dict(meta=dict(iter=200), state_dict={'backbone.encoder.pos_embed': torch.zeros(1),
                                                     'decode_head.iou_token': torch.zeros(1)}),
               path)
    with pytest.raises(SAMCheckpointError) as e:
        MODELS.build(dict(type='SAMImageEncoder', arch='tiny', img_size=256, checkpoint=str(path)))
    msg = str(e.value)
    assert '\n' not in msg and 'trained run' in msg, msg
    assert 'load_from' in msg and '--resume' in msg and 'tools/test.py' in msg


def disk_cache(folder):
    from mmsam_prompt.models.caching.frozen_output_cache import FrozenOutputCache
    return FrozenOutputCache(disk_dir=str(folder))


def encode_twice(folder, damage):
    """Fill an on-disk cache, damage its entry with ``damage(path)``, read it with a new cache
    (a later run): the value it returns and the log."""
    from helpers import LogCatcher
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 4, 3).requires_grad_(False)
    x = torch.randn(1, 3, 8, 8)
    first = disk_cache(folder).per_sample([conv], x, lambda b: list(conv(b)))[0]
    (entry, ) = [p for p in os.listdir(folder) if p.endswith('.pt')]
    damage(osp.join(folder, entry))
    later = disk_cache(folder)
    with LogCatcher() as log:
        again = later.per_sample([conv], x, lambda b: list(conv(b)))[0]
        later.per_sample([conv], x, lambda b: list(conv(b)))
    torch.testing.assert_close(again, first, rtol=0, atol=0)
    assert torch.equal(torch.load(osp.join(folder, entry), weights_only=True), first)
    return later, [m for m in log.msgs if 'unreadable' in m]


def test_row32_cut_off_disk_cache_entry_is_recomputed(tmp_path):
    def cut(path):
        data = open(path, 'rb').read()
        open(path, 'wb').write(data[:len(data) // 2])

    cache, said = encode_twice(tmp_path / 'cache', cut)
    assert len(said) == 1 and 'recomputed' in said[0], said
    assert cache.discarded == 1 and 'unreadable' in cache.stats()


def test_row7b_tampered_disk_cache_entry_is_refused_and_recomputed(tmp_path):
    from test_faults_checkpoint import Payload
    pwned = tmp_path / 'pwned'

    def tamper(path):
        torch.save([Payload(str(pwned))], path)

    _, said = encode_twice(tmp_path / 'cache', tamper)
    assert len(said) == 1 and not pwned.exists()
