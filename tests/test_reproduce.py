"""tools/reproduce.py: the papers' numbers as quoted, the tables' plans and errors, and a dry run
of one AM-SAM and one SSPrompt table on tiny random weights (resumed: the second call skips)."""
import csv
import json
import os
import os.path as osp
import re

import pytest

from conftest import REPO, require_shared_data
from helpers import run_tool
from mmsam_prompt.tools import reproduce as rp
from mmsam_prompt.tools.reproduce_tables import (TABLES, TINY_OVERRIDES, Row, Table,
                                                 table_configs, tiny_counterpart)
from mmsam_prompt.tools.shots_sweep import run_config

PAPERS = osp.normpath(osp.join(REPO, '..', 'shared', 'papers'))
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def test_every_paper_number_is_quoted_from_the_paper_text():
    numbers = rp.load_paper_numbers()
    checked = 0
    for paper in numbers.values():
        with open(osp.join(PAPERS, paper['file']), encoding='utf-8') as f:
            lines = f.read().splitlines()
        for name, table in paper['tables'].items():
            assert 1 <= table['line'] <= len(lines), name
            for row, entry in table['rows'].items():
                values = entry.get('values') or {}
                if entry.get('values') is None or any(v is None for v in values.values()):
                    assert entry.get('missing'), f'{name}/{row}: a null needs its reason'
                known = [v for v in values.values() if v is not None]
                if not known:
                    continue
                quote = entry['quote']
                # the quote is a line of the paper's text, and every number is in the quote
                assert any(quote in ln for ln in lines), f'{name}/{row}: {quote!r} not in text'
                printed = re.findall(r'\d+\.\d', quote)
                for v in known:
                    assert f'{v:.1f}' in printed, f'{name}/{row}: {v} not in {quote!r}'
                    checked += 1
    assert checked >= 100  # AM-SAM Tables 1-4 and SSPrompt Tables 2, 3, 5, 6, 8


def test_tables_resolve_to_paper_numbers_and_tiny_counterparts():
    numbers = rp.load_paper_numbers()
    for t in TABLES.values():
        for row in t.rows:
            for k in t.row_shots(row):
                value, text = rp.paper_value(numbers, row.paper, row.column_for(k))
                assert (value is None) == (text in (rp.LOST, rp.NOT_REPORTED))
        for config in table_configs(t):
            tiny, _ = tiny_counterpart(config)
            assert osp.isfile(osp.join(REPO, tiny)), (config, tiny)
    assert all(osp.isfile(osp.join(REPO, c)) for c, _ in TINY_OVERRIDES.values())
    # the nearest tiny config of the same method, or of a shorter method name
    assert tiny_counterpart('configs/ssprompt/ssprompt-spatial-average_vit-b_16shot_x.py') == (
        'configs/ssprompt/ssprompt-spatial-average_tiny_camvid.py', {})
    assert tiny_counterpart('configs/am_sam/am-sam-nothing-like-it_vit-b_4shot_x.py') == (
        'configs/am_sam/am-sam_tiny_vikram-human.py', {})
    with pytest.raises(ValueError, match='no tiny counterpart'):
        tiny_counterpart('configs/nope/nope_vit-b_4shot_x.py')
    # the lost values print as such: SSPrompt Table 5's rows whose check marks were lost
    lost = rp.paper_value(numbers, 'ssprompt/table5/semantic embedding only', 'cityscapes')
    assert lost == (None, rp.LOST)
    assert rp.paper_value(numbers, 'am-sam/table1/AM-SAM', '16') == (None, rp.NOT_REPORTED)
    assert rp.paper_value(numbers, 'am-sam/table4/AM-SAM detector only', 'tiktok-8') == (
        85.2, '85.2')


def test_lost_unreported_and_paper_only_rows_say_so(tmp_path):
    numbers = rp.load_paper_numbers()
    t5 = TABLES['ssprompt-table5']
    runs = rp.plan(t5, str(tmp_path), (0, 1), None, None)
    results = {r.work_dir: {'mIoU': 40.0 + r.seed} for r in runs}
    lines = rp.table_rows(t5, runs, results, numbers, None, None)
    by = {ln['method']: ln for ln in lines}
    lost = by['semantic embedding only']
    assert (lost['paper'], lost['paper_text'], lost['difference']) == (None, rp.LOST, None)
    assert lost['ours_text'] == '40.50 ± 0.71' and 'lost in the text extraction' in \
        lost['paper_source']
    ok = by['SSPrompt']
    assert (ok['paper'], ok['difference']) == (55.2, pytest.approx(40.5 - 55.2))
    md = rp.table_markdown(t5, lines, False, 'cmd', str(tmp_path))
    assert "| semantic embedding only | 16 | n/a (lost in the paper's text extraction) | " \
        '40.50 ± 0.71 | 2 |  |' in md
    assert '| SSPrompt | 16 | 55.2 | 40.50 ± 0.71 | 2 | -14.70 |' in md
    t1 = TABLES['am-sam-table1']
    lines = rp.table_rows(t1, [], {}, numbers, None, ['SSP', 'AM-SAM'],
                          skipped=['configs/am_sam/am-sam_vit-b_4shot_tiktok-dancing.py'])
    assert [ln['ours_text'] for ln in lines] == [
        'not run (not implemented in mmsam-prompt)', 'not run (not implemented in mmsam-prompt)',
        'not run (config missing: configs/am_sam/am-sam_vit-b_4shot_tiktok-dancing.py)',
        'not run']
    assert rp.paper_value(numbers, 'am-sam/table1/AM-SAM', '16')[1] == rp.NOT_REPORTED
    # ACDC's per-condition numbers; a dry run's CamVid stand-in only has the plain mIoU
    acdc = TABLES['ssprompt-table3-acdc']
    runs = rp.plan(acdc, str(tmp_path), (0, ), None, ['SSPrompt (fog)'])
    lines = rp.table_rows(acdc, runs, {runs[0].work_dir: {'fog/mIoU': 44.0, 'mIoU': 30.0}},
                          numbers, None, ['SSPrompt (fog)'])
    assert (lines[0]['ours_mean'], lines[0]['paper']) == (44.0, 47.5)
    plain = {runs[0].work_dir: {'mIoU': 30.0, 'work_dir': 'w'}}
    with pytest.raises(rp.ReproduceError, match='none of fog/mIoU'):
        rp.table_rows(acdc, runs, plain, numbers, None, ['SSPrompt (fog)'])
    assert rp.table_rows(acdc, runs, plain, numbers, None, ['SSPrompt (fog)'],
                         dry_run=True)[0]['ours_mean'] == 30.0


def test_list_and_one_line_errors(capsys, monkeypatch, tmp_path):
    assert rp.main(['--list']) == 0
    out = capsys.readouterr().out
    for name in ('am-sam-table1', 'am-sam-table2', 'am-sam-table3', 'am-sam-table4',
                 'blo-sam-reference', 'ssprompt-table2-cityscapes', 'ssprompt-table3-acdc',
                 'ssprompt-table5', 'ssprompt-table6', 'ssprompt-table8'):
        assert name in out
    assert rp.main(['--list', 'am-sam-table2', '--seeds', '0']) == 0
    out = capsys.readouterr().out
    assert out.count('[pending]') + out.count('[done]') == 6  # 2 rows x 3 shots x 1 seed
    assert 'am-sam_vit-b_16shot_vikram-human.py' in out

    bogus = Table('bogus-table', 'a table whose configs do not exist', 'Dice (%)',
                  (Row('X', 'configs/nope/nope_vit-b_{shots}shot_x.py', 'am-sam/table2/AM-SAM'),
                   Row('Y', 'configs/am_sam/am-sam_vit-b_{shots}shot_vikram-human.py',
                       'am-sam/table2/BLO-SAM')), (4, 8))
    monkeypatch.setitem(TABLES, 'bogus-table', bogus)
    assert rp.main(['--list', 'bogus-table']) == 0
    assert capsys.readouterr().out.count('[MISSING CONFIG]') == 6
    cases = [
        (['bogus-table'], 'bogus-table: 2 config(s) missing: configs/nope/nope_vit-b_4shot_x.py, '
         'configs/nope/nope_vit-b_8shot_x.py (--skip-missing runs the other rows)'),
        (['no-such-table'], 'unknown table(s) no-such-table'),
        (['am-sam-table2', '--rows', 'Nope'], "no row 'Nope' in am-sam-table2"),
        (['am-sam-table2', '--data-root', 'isic2018'], '--data-root isic2018: expected NAME=PATH'),
        (['am-sam-table2'], 'needs --sam-checkpoint (for 6 configs, e.g. '
         'am-sam_vit-b_16shot_vikram-human.py); --detector-checkpoint (for 3 configs, e.g. '
         'am-sam_vit-b_16shot_vikram-human.py) (or --dry-run'),
        ([], 'name a table'),
        (['am-sam-table2', '--settings', str(tmp_path / 'typo.yaml')],
         'typo.yaml: unknown key(s) sam_chekpoint; known: sam_checkpoint,'),
        (['am-sam-table2', '--sam-checkpoint', str(tmp_path / 'none.pth')],
         f'sam checkpoint {tmp_path / "none.pth"} not found'),
    ]
    (tmp_path / 'typo.yaml').write_text('sam_chekpoint: x.pth\n')
    for argv, message in cases:
        assert rp.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count('\n') == 1 and err.startswith('reproduce: '), err
        assert message in err, (argv, err)


def test_weights_and_data_roots_reach_every_part_of_a_run(tmp_path):
    """The checkpoints and data roots given once land in the model, in every pipeline's detector
    step and in every loader of a real (not dry) AM-SAM run's config."""
    config = 'configs/am_sam/am-sam_vit-b_4shot_tiktok-dancing.py'
    info = rp.ConfigInfo(config)
    data = tmp_path / 'tiktok'
    data.mkdir()
    opts, missing = rp.weights_options(info, dict(data_roots={}))
    assert '--sam-checkpoint' in missing and '--detector-checkpoint' in missing
    assert any(m.startswith('--data-root tiktok_dancing=PATH') for m in missing)
    settings = dict(sam_checkpoint='sam.pth', detector_checkpoint='det.pth',
                    data_roots={'tiktok_dancing': str(data)})
    opts, missing = rp.weights_options(info, settings)
    assert missing == []
    cfg = run_config(osp.join(REPO, config), opts, 8, 2, str(tmp_path / 'run'))
    assert cfg.model.sam_checkpoint == 'sam.pth'
    loaders = (cfg.train_dataloader.dataset.dataset, cfg.val_dataloader.dataset.dataset,
               cfg.test_dataloader.dataset)
    for ds in loaders:
        assert ds.data_root == str(data)
        steps = [t for t in ds.pipeline if t['type'] == 'DetectorBoxes']
        assert len(steps) == 1 and steps[0]['checkpoint'] == 'det.pth'
    assert (cfg.train_dataloader.dataset.shots, cfg.train_dataloader.dataset.seed) == (8, 2)


def test_sweep_draws_d1_and_d2_from_the_same_shots_and_seed(tmp_path):
    cfg = run_config(osp.join(REPO, 'configs/blo_sam/blo-sam_tiny_vikram-human.py'), None, 4, 1,
                     str(tmp_path))
    train, val = cfg.train_dataloader.dataset, cfg.val_dataloader.dataset
    assert (train.subset, train.shots, train.seed) == ('d1', 4, 1)
    assert (val.subset, val.shots, val.seed) == ('d2', 4, 1)
    zero = osp.join(REPO, 'configs/sam/sam_vit-b_gt-box_vikram-human.py')  # zero-shot
    assert run_config(zero, None, 0, 0, str(tmp_path)).get('train_dataloader') is None
    with pytest.raises(ValueError, match='no KShotDataset'):
        run_config(zero, None, 4, 0, str(tmp_path))
    with pytest.raises(ValueError, match='zero-shot.*this one trains'):
        run_config(osp.join(REPO, 'configs/ssprompt/ssprompt_tiny_camvid.py'), None, 0, 0,
                   str(tmp_path))


def reproduce(args):
    return run_tool('reproduce.py', args, timeout=600)


def test_dry_run_am_sam_and_ssprompt_tables_then_skip(tmp_path, capsys, monkeypatch):
    require_shared_data()
    work = tmp_path / 'repro'
    args = ['am-sam-table2', 'ssprompt-table6', '--dry-run', '--work-dir', str(work),
            '--shots', '4', '--seeds', '0', '1', '--rows', 'BLO-SAM', 'SSPrompt']
    out = reproduce(args)
    assert '4 run(s) for am-sam-table2, ssprompt-table6' in out
    assert '4 run(s) trained, 0 skipped' in out
    assert 'ETA' in out  # the progress bar

    expected = {('am-sam-table2', 'BLO-SAM'): ('blo-sam_vit-b_4shot_vikram-human', 89.1),
                ('ssprompt-table6', 'SSPrompt'): ('ssprompt_vit-b_4shot_cityscapes', 50.1)}
    for table in ('am-sam-table2', 'ssprompt-table6'):
        with open(work / table / 'table.csv') as f:
            lines = list(csv.DictReader(f))
        assert len(lines) == 1
        md = (work / table / 'table.md').read_text()
        assert 'DRY RUN' in md and 'paper_numbers.yaml' in md
        for ln in lines:
            stem, paper = expected[table, ln['method']]
            runs = [json.loads((work / 'runs_dry_run' / stem / f'shots4_seed{s}' /
                                'metrics.json').read_text()) for s in (0, 1)]
            key = 'Dice.foreground' if table == 'am-sam-table2' else 'mIoU'
            ours = [r[key] for r in runs]
            mean = sum(ours) / 2
            assert ln['shots'] == '4' and ln['seeds'] == '2' and ln['metric'] == key
            assert float(ln['paper']) == paper
            assert float(ln['ours_mean']) == pytest.approx(mean, abs=1e-3)
            assert float(ln['ours_std']) == pytest.approx(abs(ours[0] - ours[1]) / 2**0.5,
                                                          abs=1e-3)
            assert float(ln['difference']) == pytest.approx(mean - paper, abs=1e-3)
            assert ln['paper_source'].startswith(table.split('-table')[0])
            row = (f"| {ln['method']} | 4 | {paper:.1f} | {mean:.2f} ± "
                   f"{float(ln['ours_std']):.2f} | 2 | {mean - paper:+.2f} |")
            assert row in md, (row, md)
        png = (work / table / 'table.png').read_bytes()
        assert png.startswith(PNG_MAGIC) and len(png) > 1024

    stamps = {p: os.stat(p).st_mtime for p in work.glob('runs_dry_run/*/*/metrics.json')}
    assert len(stamps) == 4
    # again, in this process (nothing is trained, so no runner is built): all skipped
    monkeypatch.chdir(REPO)  # the configs' data roots are relative to the repository
    assert rp.main(args) == 0
    again = capsys.readouterr().out
    assert '0 run(s) trained, 4 skipped' in again
    assert again.count('skip ') == 4
    assert {p: os.stat(p).st_mtime for p in work.glob('runs_dry_run/*/*/metrics.json')} == stamps
    assert not (work / 'runs').exists()  # dry runs never mix with real ones
