"""Fault table (docs/reliability.md), checkpoints and training state: rows 28, 31, 30, 7 (resume),
29 and 27. Each test makes the fault happen for real (a killed process, a failing write, a NaN)."""
import errno
import glob
import importlib.util
import os
import os.path as osp
import subprocess
import sys
import time
import uuid

import pytest
import torch
from mmengine.config import Config
from mmengine.fileio.backends import LocalBackend
from mmengine.runner import Runner

from conftest import HUMAN, REPO, require_shared_data
from helpers import IterCounter, LogCatcher, tiny_run_cfg, train
from mmsam_prompt.utils.errors import CheckpointError, NonFiniteLossError

DEMO = osp.join(REPO, 'configs/demo/sam_tiny_synthetic.py')


def iteration_of(path) -> int:
    """The iteration a complete checkpoint was saved at (loads with weights_only=True)."""
    return torch.load(path, map_location='cpu', weights_only=True)['meta']['iter']


def last_checkpoint(work) -> str:
    return open(osp.join(work, 'last_checkpoint')).read().strip()


def tool(name: str):
    """tools/<name>.py as a module (its main / run_cli run in this process)."""
    spec = importlib.util.spec_from_file_location(f'tool_{name}', osp.join(REPO, 'tools',
                                                                           name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def demo_options(data_root, ckpt, iters=2, interval=1):
    return [f'{part}_dataloader.dataset.data_root={data_root}' for part in ('train', 'val', 'test')
            ] + [f'model.sam_checkpoint={ckpt}', f'train_cfg.max_iters={iters}',
                 'train_cfg.val_interval=1000', f'default_hooks.checkpoint.interval={interval}',
                 'train_dataloader.batch_size=2', f'experiment_name=tool_{uuid.uuid4().hex[:8]}']


def fail_writes(monkeypatch, name: str, code: int, partial: bool = True) -> None:
    """Make every write of a file whose name contains ``name`` fail with OS error ``code``
    (after writing half the bytes, as a full disk does)."""
    real_put = LocalBackend.put

    def put(self, obj, filepath):
        if name in osp.basename(str(filepath)):
            if partial:
                with open(filepath, 'wb') as f:
                    f.write(obj[:len(obj) // 2])
            raise OSError(code, os.strerror(code), str(filepath))
        return real_put(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', put)


def test_row28_kill_during_save_keeps_the_previous_checkpoint(tmp_path, tiny_ckpt,
                                                             synthetic_data):
    """A real tools/train.py process is killed (SIGKILL) while it saves its second checkpoint;
    the first stays complete, last_checkpoint names it, and --resume goes on from it."""
    work, marker = tmp_path / 'work', tmp_path / 'saving'
    cfg_file = tmp_path / 'killed.py'
    cfg_file.write_text(
        f'_base_ = [{DEMO!r}]\n'
        "custom_imports = dict(imports=['mmsam_prompt', 'pause_at_save_hook'], "
        'allow_failed_imports=False)\n'
        f"custom_hooks = [*_base_.custom_hooks, dict(type='PauseAtSaveHook', marker="
        f'{str(marker)!r}, save=2)]\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [osp.join(REPO, 'tests'), REPO, os.environ.get('PYTHONPATH', '')]))
    proc = subprocess.Popen(
        [sys.executable, 'tools/train.py', str(cfg_file), '--work-dir', str(work),
         '--cfg-options', *demo_options(synthetic_data, tiny_ckpt, iters=2)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 300
    while not marker.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    alive = proc.poll() is None
    proc.kill()  # SIGKILL, in the middle of saving iter_2.pth
    out = proc.communicate()[0]
    assert alive and marker.exists(), out[-3000:]

    assert iteration_of(work / 'iter_1.pth') == 1
    assert last_checkpoint(work) == str(work / 'iter_1.pth')
    resumed, ran = train(tiny_run_cfg(work, synthetic_data, tiny_ckpt, iters=2, interval=1),
                         resume=True)
    assert (resumed.iter, ran) == (2, 1)  # iteration 2 only: resumed, not restarted
    assert iteration_of(work / 'iter_2.pth') == 2
    assert not glob.glob(str(work / '.*.part'))


def test_row31_disk_full_keeps_the_last_checkpoint_and_resume_falls_back(
        tmp_path, tiny_ckpt, synthetic_data, monkeypatch):
    work = tmp_path / 'work'
    fail_writes(monkeypatch, 'iter_2', errno.ENOSPC)
    with pytest.raises(CheckpointError) as e:
        train(tiny_run_cfg(work, synthetic_data, tiny_ckpt, iters=2, interval=1))
    msg = str(e.value)
    assert '\n' not in msg and 'No space left on device' in msg and 'iter_2.pth' in msg, msg
    assert 'unchanged' in msg and '--resume' in msg
    monkeypatch.undo()
    assert iteration_of(work / 'iter_1.pth') == 1
    assert last_checkpoint(work) == str(work / 'iter_1.pth')
    assert not (work / 'iter_2.pth').exists() and not glob.glob(str(work / '.*.part'))

    # a cut-off newest checkpoint named by last_checkpoint (a crash of another tool, or of an
    # older version): --resume says so and takes the newest complete one
    (work / 'iter_2.pth').write_bytes((work / 'iter_1.pth').read_bytes()[:4096])
    (work / 'last_checkpoint').write_text(str(work / 'iter_2.pth'))
    cfg = tiny_run_cfg(work, synthetic_data, tiny_ckpt, iters=2, interval=1)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    counter = IterCounter()
    runner.register_hook(counter, 'LOWEST')
    with LogCatcher() as log:
        runner.train()
    said = [m for m in log.msgs if 'resuming from' in m]
    assert said and 'iter_2.pth' in said[0] and 'iter_1.pth' in said[0], log.msgs
    assert 'cut off or corrupt' in said[0]
    assert (runner.iter, counter.iters) == (2, 1)
    assert iteration_of(work / 'iter_2.pth') == 2


def test_row30_unwritable_work_dir_is_one_line(tmp_path, tiny_ckpt, synthetic_data,
                                               monkeypatch, capsys):
    """tools/train.py: a work dir that cannot be created, and a read-only file system at save
    time, each end with one line (exit status 1); the earlier checkpoint stays."""
    train_tool = tool('train')
    blocker = tmp_path / 'a_file'
    blocker.write_text('not a folder')
    code = train_tool.run_cli(train_tool.main, [DEMO, '--work-dir', str(blocker / 'work'),
                                                '--cfg-options',
                                                *demo_options(synthetic_data, tiny_ckpt)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and err[0].startswith('error: '), err
    assert str(blocker) in err[0] and 'Not a directory' in err[0]

    work = tmp_path / 'work'
    fail_writes(monkeypatch, 'iter_2', errno.EROFS, partial=False)
    code = train_tool.run_cli(train_tool.main, [DEMO, '--work-dir', str(work), '--cfg-options',
                                                *demo_options(synthetic_data, tiny_ckpt)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and 'Read-only file system' in err[0], err
    assert 'iter_2.pth' in err[0] and '--work-dir' in err[0]
    assert iteration_of(work / 'iter_1.pth') == 1
    assert last_checkpoint(work) == str(work / 'iter_1.pth')


class Payload:
    """Unpickling this runs os.makedirs: what a tampered checkpoint would do."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return os.makedirs, (self.path, )


def test_row7_tampered_resume_checkpoint_is_refused_in_one_line(tmp_path, tiny_ckpt,
                                                                synthetic_data, capsys):
    work = tmp_path / 'work'
    work.mkdir()
    pwned = tmp_path / 'pwned'
    evil = work / 'iter_1.pth'
    torch.save(dict(meta=dict(iter=1), state_dict={}, x=Payload(str(pwned))), evil)
    (work / 'last_checkpoint').write_text(str(evil))
    train_tool = tool('train')
    code = train_tool.run_cli(train_tool.main, [DEMO, '--work-dir', str(work), '--resume',
                                                '--cfg-options',
                                                *demo_options(synthetic_data, tiny_ckpt)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1, err
    assert str(evil) in err[0] and 'weights_only=True' in err[0]
    assert not pwned.exists()


def test_row29_nan_loss_stops_training_before_saving(tmp_path, tiny_ckpt, synthetic_data):
    work = tmp_path / 'work'
    cfg = tiny_run_cfg(work, synthetic_data, tiny_ckpt, iters=6, interval=1)
    cfg.optim_wrapper.optimizer.lr = 1e6
    with pytest.raises(NonFiniteLossError) as e:
        train(cfg)
    msg = str(e.value)
    assert '\n' not in msg and 'iteration' in msg and "'loss" in msg, msg
    stopped_at = int(msg.split('iteration ')[1].split()[0])
    assert stopped_at < 6
    saved = glob.glob(str(work / '*.pth'))
    for path in saved:  # whatever was saved holds no NaN / inf
        sd = torch.load(path, map_location='cpu', weights_only=True)['state_dict']
        assert all(torch.isfinite(v).all() for v in sd.values() if v.is_floating_point()), path
    assert not (work / f'iter_{stopped_at}.pth').exists()


def blo_sam_cfg(work, ckpt, pool_split, max_epochs) -> Config:
    """The tiny BLO-SAM config (epoch based, RandomFlip, bi-level) on 8 pool images: D1 = 4
    (one batch of 4 an epoch), D2 = 4; both runs decay the lr over 4 epochs."""
    cfg = Config.fromfile(osp.join(REPO, 'configs/blo_sam/blo-sam_tiny_vikram-human.py'))
    cfg.work_dir = str(work)
    cfg.model.sam_checkpoint = ckpt
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.dataset.shots = 8
        loader.dataset.dataset.update(data_root=HUMAN, ann_file=str(pool_split))
    cfg.train_dataloader.batch_size = 4
    cfg.train_cfg.max_epochs = max_epochs
    cfg.param_scheduler[0].end = 4  # the lr of epoch 2 is not 0
    cfg.default_hooks.checkpoint.interval = 1
    cfg.experiment_name = f'blo_{uuid.uuid4().hex[:8]}'
    cfg.visualizer.pop('name', None)
    cfg.log_level = 'WARNING'
    return cfg


@pytest.fixture
def one_thread():
    """Multi-threaded CPU kernels (MKL) may sum in another order from run to run (last-bit
    differences even between two fresh runs); one thread makes the float results reproducible,
    so that what is compared is the training state alone."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_row27_epoch_based_resume_is_bit_exact(tmp_path, tiny_ckpt, one_thread):
    require_shared_data()
    split = tmp_path / 'pool.txt'
    split.write_text('\n'.join(str(i) for i in range(1, 9)) + '\n')
    full, _ = train(blo_sam_cfg(tmp_path / 'full', tiny_ckpt, split, 2))
    train(blo_sam_cfg(tmp_path / 'part', tiny_ckpt, split, 1))
    resumed, ran = train(blo_sam_cfg(tmp_path / 'part', tiny_ckpt, split, 2), resume=True)
    assert ran == 1 and resumed.epoch == 2
    expected, got = full.model.state_dict(), resumed.model.state_dict()
    differ = [k for k in expected if not torch.equal(expected[k], got[k])]
    assert not differ, f'{len(differ)} of {len(expected)} tensors differ, e.g. {differ[:3]}'
    for level in ('lower', 'upper'):  # the optimisers' moments too
        a = full.optim_wrapper[level].optimizer.state_dict()['state']
        b = resumed.optim_wrapper[level].optimizer.state_dict()['state']
        assert all(torch.equal(a[i][k], b[i][k]) for i in a for k in a[i]), level
