"""tools/train.py and tools/test.py end to end, and resuming under torch's weights_only loading."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import REPO, require_shared_data


def run_tool(*args, timeout=600):
    proc = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def test_train_then_test_on_real_images(tmp_path, tiny_ckpt):
    require_shared_data()
    train_split, test_split = tmp_path / 'train.txt', tmp_path / 'test.txt'
    train_split.write_text('1\n2\n3\n4\n')
    test_split.write_text('191\n192\n300\n')  # 192 and 300 have masks smaller than the image
    work = tmp_path / 'work'
    train_opts = [f'train_dataloader.dataset.dataset.ann_file={train_split}',
                  'train_dataloader.dataset.shots=4']
    opts = [f'model.sam_checkpoint={tiny_ckpt}',
            f'val_dataloader.dataset.ann_file={test_split}',
            f'test_dataloader.dataset.ann_file={test_split}',
            'train_cfg.max_iters=4', 'train_cfg.val_interval=4',
            'default_hooks.checkpoint.interval=4']
    cfg = 'configs/sam/sam_tiny_gt-box_vikram-human.py'
    run_tool('tools/train.py', cfg, '--work-dir', str(work), '--cfg-options', *train_opts, *opts)
    ckpt = work / 'iter_4.pth'
    assert ckpt.is_file()
    kshot = json.loads((work / 'kshot_train.json').read_text())
    assert sorted(kshot['files']) == ['1.jpg', '2.jpg', '3.jpg', '4.jpg']
    out = run_tool('tools/test.py', cfg, str(ckpt), '--work-dir', str(work / 'test'),
                   '--show-dir', 'overlays', '--out', str(work / 'preds'), '--cfg-options', *opts)
    assert 'mDice' in out and 'mIoU' in out
    logs = glob.glob(str(work / 'test' / '*' / '*.json'))
    metrics = [json.loads(line) for f in logs for line in open(f)]
    assert any('mDice' in m and 0 <= m['mDice'] <= 100 for m in metrics), metrics
    assert len(glob.glob(str(work / 'test' / 'overlays' / '**' / '*.png'),
                         recursive=True)) == 3
    assert len(os.listdir(work / 'preds')) == 3


def test_zero_shot_with_official_format_checkpoint(tmp_path, tiny_ckpt):
    """tools/test.py takes an official SAM file as its checkpoint (zero-shot evaluation)."""
    require_shared_data()
    split = tmp_path / 'test.txt'
    split.write_text('191\n192\n')
    out = run_tool('tools/test.py', 'configs/sam/sam_tiny_gt-box_vikram-human.py', tiny_ckpt,
                   '--work-dir', str(tmp_path / 'w'), '--cfg-options',
                   f'test_dataloader.dataset.ann_file={split}')
    assert 'mDice' in out and 'RANDOM' not in out


def resume_cfg(work_dir, data_root, max_iters, ckpt):
    cfg = Config.fromfile(osp.join(REPO, 'configs/demo/sam_tiny_synthetic.py'))
    cfg.work_dir = str(work_dir)
    cfg.model.sam_checkpoint = ckpt
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = data_root
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=100)
    cfg.param_scheduler[0].end = 6
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False, interval=3)
    cfg.randomness = dict(seed=0)
    return cfg


def trained_weights(runner):
    return {k: v.detach().clone() for k, v in runner.model.state_dict().items()}


def test_resume_reaches_the_same_weights(tmp_path, tiny_ckpt, synthetic_data):
    full = Runner.from_cfg(resume_cfg(tmp_path / 'full', synthetic_data, 6, tiny_ckpt))
    full.train()
    expected = trained_weights(full)

    part = Runner.from_cfg(resume_cfg(tmp_path / 'part', synthetic_data, 3, tiny_ckpt))
    part.train()
    ckpt = tmp_path / 'part' / 'iter_3.pth'
    # the checkpoint mmengine wrote loads with weights_only=True
    assert torch.load(ckpt, weights_only=True)['meta']['iter'] == 3
    cfg = resume_cfg(tmp_path / 'part', synthetic_data, 6, tiny_ckpt)
    cfg.resume = True
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.iter == 6
    got = trained_weights(resumed)
    changed = [k for k in expected if not torch.equal(expected[k], part.model.state_dict()[k])]
    assert changed, 'training changed nothing'
    for k in expected:
        torch.testing.assert_close(got[k], expected[k], rtol=0, atol=1e-6, msg=k)


def test_random_weights_warning_only_when_nothing_was_loaded(tiny_ckpt):
    from helpers import LogCatcher, build_model, model_cfg
    x = torch.zeros(1, 3, 256, 256)
    with LogCatcher() as log:
        random = build_model(model_cfg('tiny', None))
        random.extract_feat(x)
        assert sum('RANDOM' in m for m in log.msgs) == 1
        random.extract_feat(x)  # once only
        assert sum('RANDOM' in m for m in log.msgs) == 1
        restored = build_model(model_cfg('tiny', None))
        restored.load_state_dict(build_model(model_cfg('tiny', tiny_ckpt)).state_dict())
        restored.extract_feat(x)
        assert sum('RANDOM' in m for m in log.msgs) == 1


def test_demo_runs_and_says_the_weights_are_random(tmp_path):
    out = run_tool('tools/demo.py', '--iters', '4', '--work-dir', str(tmp_path / 'demo'))
    assert 'RANDOM weights' in out
    metrics = json.loads((tmp_path / 'demo' / 'metrics.json').read_text())
    assert 0 <= metrics['mDice'] <= 100 and 'mIoU' in metrics
    overlays = glob.glob(str(tmp_path / 'demo' / 'overlays' / 'vis_data' / 'vis_image' / 'test_*'))
    assert len(overlays) == 8
    assert 'overlays:' in out and 'metrics:' in out
