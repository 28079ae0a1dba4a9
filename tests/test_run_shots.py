"""tools/run_shots.py: aggregation, reports, the KShotDataset check, and a resumable sweep."""
import csv
import os

import pytest

from conftest import REPO, require_shared_data
from helpers import run_tool
from mmsam_prompt.tools.shots_sweep import run_config, summarize, summary_markdown, write_reports

PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def hand_made_rows():
    rows = [dict(shots=4, seed=s, mDice=d, mIoU=i, aAcc=90.0, work_dir=f'w/shots4_seed{s}')
            for s, d, i in [(0, 60.0, 40.0), (1, 70.0, 50.0), (2, 80.0, 60.0)]]
    rows.append(dict(shots=8, seed=0, mDice=75.5, mIoU=61.0, aAcc=91.0, work_dir='w/shots8_seed0'))
    return rows


def test_summary_mean_and_sample_std():
    four, eight = summarize(hand_made_rows())
    assert (four['shots'], four['runs']) == (4, 3)
    assert four['mDice_mean'] == pytest.approx(70.0) and four['mDice_std'] == pytest.approx(10.0)
    assert four['mIoU_mean'] == pytest.approx(50.0) and four['mIoU_std'] == pytest.approx(10.0)
    assert (eight['runs'], eight['mDice_mean'], eight['mDice_std']) == (1, 75.5, 0.0)
    md = summary_markdown([four, eight], 'python tools/run_shots.py X')
    assert '| 4 | 3 | 70.00 ± 10.00 | 50.00 ± 10.00 |' in md
    assert '| 8 | 1 | 75.50 ± 0.00 | 61.00 ± 0.00 |' in md
    assert 'python tools/run_shots.py X' in md


def test_reports_written(tmp_path):
    paths = write_reports(hand_made_rows(), str(tmp_path), 'cmd')
    with open(paths['results.csv']) as f:
        results = list(csv.DictReader(f))
    assert [r['shots'] for r in results] == ['4', '4', '4', '8']
    assert list(results[0]) == ['shots', 'seed', 'mIoU', 'mDice', 'aAcc', 'work_dir']
    with open(paths['summary.csv']) as f:
        summary = list(csv.DictReader(f))
    assert float(summary[0]['mDice_std']) == pytest.approx(10.0)
    png = open(paths['metric_vs_shots.png'], 'rb').read()
    assert png.startswith(PNG_MAGIC) and len(png) > 1024


def test_config_without_kshot_names_the_fix(tmp_path):
    with pytest.raises(ValueError, match="no KShotDataset.*type='KShotDataset'"):
        run_config(os.path.join(REPO, 'configs/sam/sam_vit-b_gt-box_vikram-human.py'), None, 4, 0,
                   str(tmp_path))


def run_sweep(args):
    return run_tool('run_shots.py', args, timeout=300)


def test_sweep_end_to_end_and_resume(tmp_path, tiny_ckpt):
    require_shared_data()
    split = tmp_path / 'test.txt'
    split.write_text('191\n192\n')
    work = tmp_path / 'sweep'
    # val_begin past max_iters: no validation at the end of training (the sweep tests anyway)
    args = ['configs/sam/sam_tiny_gt-box_vikram-human.py', '--work-dir', str(work),
            '--shots', '2', '4', '--seeds', '0', '1', '--cfg-options',
            f'model.sam_checkpoint={tiny_ckpt}', 'train_cfg.max_iters=2',
            'train_cfg.val_interval=100', 'train_cfg.val_begin=3',
            'default_hooks.checkpoint.interval=2', f'test_dataloader.dataset.ann_file={split}',
            f'val_dataloader.dataset.ann_file={split}']
    out = run_sweep(args)
    runs = [f'shots{k}_seed{s}' for k in (2, 4) for s in (0, 1)]
    for run in runs:
        assert (work / run / 'metrics.json').is_file(), out[-2000:]
        assert (work / run / 'iter_2.pth').is_file()
    assert '4 run(s) trained, 0 skipped' in out
    with open(work / 'results.csv') as f:
        results = list(csv.DictReader(f))
    assert [(r['shots'], r['seed']) for r in results] == [('2', '0'), ('2', '1'), ('4', '0'),
                                                          ('4', '1')]
    assert all(0 <= float(r['mDice']) <= 100 and 0 <= float(r['mIoU']) <= 100 for r in results)
    md = (work / 'summary.md').read_text()
    assert '±' in md and '| 2 | 2 |' in md and '| 4 | 2 |' in md and 'run_shots.py' in md
    png = (work / 'metric_vs_shots.png').read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 1024

    before = {run: sorted(os.listdir(work / run)) for run in runs}
    again = run_sweep(args)
    assert '0 run(s) trained, 4 skipped' in again
    assert all(f'skip {run}' in again for run in runs)
    assert {run: sorted(os.listdir(work / run)) for run in runs} == before  # nothing re-ran
    assert (work / 'summary.md').read_text().split('Command')[0] == md.split('Command')[0]
