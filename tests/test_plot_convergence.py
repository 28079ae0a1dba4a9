"""tools/plot_convergence.py on work dirs written in mmengine's own scalar-log format."""
import os.path as osp
import sys

import pytest
from mmengine.config import Config
from mmengine.visualization import LocalVisBackend

from conftest import REPO

sys.path.insert(0, osp.join(REPO, 'tools'))
import plot_convergence  # noqa: E402


def make_run(work_dir, timestamp, val, by_epoch=True, iters_per_epoch=8, extra=None):
    """A run as tools/train.py leaves it: ``<work_dir>/<timestamp>/vis_data/{scalars.json,
    config.py}`` written by mmengine's LocalVisBackend, with the records LoggerHook makes
    (training: lr, loss, epoch, iter; validation: the metrics at step = epoch, or iteration)."""
    backend = LocalVisBackend(save_dir=osp.join(str(work_dir), timestamp, 'vis_data'))
    backend.add_config(Config(dict(default_hooks=dict(
        logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=by_epoch)))))
    for epoch, dice in enumerate(val, 1):
        it = epoch * iters_per_epoch
        backend.add_scalars(dict(lr=1e-3, loss=1.0 / epoch, epoch=epoch, iter=it), step=it)
        metrics = dict(aAcc=90.0, mIoU=dice - 10, mDice=dice, data_time=0.01, time=0.1)
        backend.add_scalars(dict(metrics, **(extra or {})), step=epoch if by_epoch else it)
    return osp.join(str(work_dir), timestamp)


def rows(out):
    """The printed table as {first cell: other cells}."""
    lines = out[out.index('validation '):].splitlines()[3:]
    return {ln.split()[0]: ln.split()[1:] for ln in lines if ln and not ln.startswith('saved')}


def test_two_runs_by_epoch_table_and_png(tmp_path, capsys):
    a, b = tmp_path / 'samed', tmp_path / 'am_sam'
    make_run(a, '20260101_000000', [70.5, 75.25, 74.0])
    make_run(b, '20260101_000000', [10.0, 20.0])  # an older run of B: not plotted
    make_run(b, '20260102_000000', [80.0, 85.5, 86.75])
    out_png = tmp_path / 'fig.png'
    curves = plot_convergence.main([str(a), str(b), '--labels', 'SAMed', 'AM-SAM',
                                    '--out', str(out_png)])
    assert out_png.is_file() and out_png.stat().st_size > 1000
    assert out_png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert [c.unit for c in curves] == ['epoch', 'epoch']
    out = capsys.readouterr().out
    assert 'validation mDice' in out and '20260102_000000' in out
    table = rows(out)
    assert table['1'] == ['70.5', '80'] and table['2'] == ['75.25', '85.5']
    assert table['3'] == ['74', '86.75']
    assert table['max'] == ['75.25', '@2', '86.75', '@3']
    assert table['last'] == ['74', '@3', '86.75', '@3']
    # header: the x unit and the labels
    assert out[out.index('validation '):].splitlines()[1].split() == ['epoch', 'SAMed', 'AM-SAM']


def test_iteration_steps_epoch_keys_and_timestamp_dirs(tmp_path, capsys):
    it_run = make_run(tmp_path / 'iters', '20260101_000000', [50.0, 60.0], by_epoch=False)
    # validation steps are iterations: labelled so, or turned into epochs when asked
    (c, ) = plot_convergence.main([it_run, '--out', str(tmp_path / 'a.png')])
    assert c.unit == 'iteration' and c.x == [8, 16] and c.label == 'iters/20260101_000000'
    (c, ) = plot_convergence.main([it_run, '--iters-per-epoch', '8', '--metric', 'mIoU',
                                   '--out', str(tmp_path / 'b.png')])
    assert c.unit == 'epoch' and c.x == [1, 2] and c.y == [40.0, 50.0]
    # an 'epoch' key in the validation record wins over the step
    keyed = make_run(tmp_path / 'keyed', '20260101_000000', [1.0, 2.0], by_epoch=False,
                     extra=dict(epoch=7))
    (c, ) = plot_convergence.main([keyed, '--out', str(tmp_path / 'c.png')])
    assert c.unit == 'epoch' and c.x == [7]  # both records at epoch 7: the later one is kept
    assert c.y == [2.0]
    # a timestamp dir picks that run; --merge-runs joins all runs of a work dir
    old = make_run(tmp_path / 'resumed', '20260101_000000', [1.0, 2.0])
    make_run(tmp_path / 'resumed', '20260102_000000', [5.0, 6.0, 7.0])
    (c, ) = plot_convergence.main([old, '--out', str(tmp_path / 'd.png')])
    assert c.y == [1.0, 2.0]
    (c, ) = plot_convergence.main([str(tmp_path / 'resumed'), '--merge-runs',
                                   '--out', str(tmp_path / 'e.png')])
    assert c.y == [5.0, 6.0, 7.0]
    capsys.readouterr()


def test_clear_errors(tmp_path):
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(SystemExit, match=r'empty has no mmengine scalar log .*scalars\.json'):
        plot_convergence.main([str(empty)])
    with pytest.raises(SystemExit, match='is not a directory'):
        plot_convergence.main([str(tmp_path / 'missing')])
    run = make_run(tmp_path / 'run', '20260101_000000', [1.0])
    with pytest.raises(SystemExit, match=r"no record of 'Dice\.foreground'.*metrics it has: "
                                         r'aAcc, mDice, mIoU\.'):
        plot_convergence.main([run, '--metric', 'Dice.foreground'])
    iters = make_run(tmp_path / 'iters', '20260101_000000', [1.0], by_epoch=False)
    with pytest.raises(SystemExit, match=r'different x axes \(run/20260101_000000: epoch, '
                                         r'iters/20260101_000000: iteration\)'):
        plot_convergence.main([run, iters])
    with pytest.raises(SystemExit, match='1 labels for 2 runs'):
        plot_convergence.main([run, iters, '--labels', 'A'])
