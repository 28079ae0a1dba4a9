"""The papers' tables that ``tools/reproduce.py`` runs: which config gives each row.

A :class:`Row` names its config (``{shots}`` in the path is replaced by the shot count, so a
family with one config per shot count uses its own config at each k; a single path is run at
every k of the table: the sweep sets k and the seed of the k-shot draw, D1 and D2 included) and
the paper's number it stands beside: ``PAPER/TABLE/ROW`` in ``paper_numbers.yaml``, column the
shot count unless ``column`` says otherwise (``{shots}`` allowed). ``config=None``: a row of the
paper that this project does not implement, printed with the paper's number only. ``shots=(0,)``:
a zero-shot row (test only, one run).

Configs not written yet (AM-SAM's reference protocol, the AM-SAM baselines on TikTok / ISIC)
are named as their issues announce them; until they exist, a table that needs them stops with one
line listing the missing files (``--skip-missing`` runs the other rows). Rename a path here if
its config lands under another name.
"""
import dataclasses
from typing import Dict, Optional, Sequence, Tuple

#: test metric keys tried in order: the first the run reports is the row's number
BINARY_DICE = ('Dice.foreground', 'mDice')
MIOU = ('mIoU', )
#: the reference protocol's metric: Dice per image at the low resolution, averaged (their code)
REFERENCE_DICE = ('per_image_dice', 'Dice.foreground')


@dataclasses.dataclass(frozen=True)
class Row:
    label: str
    config: Optional[str]
    paper: Optional[str]
    column: Optional[str] = None
    metric: Tuple[str, ...] = BINARY_DICE
    shots: Optional[Tuple[int, ...]] = None
    note: str = ''

    def config_for(self, shots: int) -> Optional[str]:
        return None if self.config is None else self.config.format(shots=shots)

    def column_for(self, shots: int) -> str:
        return str(shots) if self.column is None else self.column.format(shots=shots)


@dataclasses.dataclass(frozen=True)
class Table:
    name: str
    title: str
    metric_label: str
    rows: Tuple[Row, ...]
    shots: Tuple[int, ...]
    seeds: Tuple[int, ...] = (0, 1, 2)
    note: str = ''

    def row_shots(self, row: Row) -> Tuple[int, ...]:
        return row.shots if row.shots is not None else self.shots


BINARY_SETS = {  # short name in config file names: (paper table, title)
    'tiktok-dancing': ('table1', 'TikTok dancing'),
    'vikram-human': ('table2', 'the Vikram Shenoy human set'),
    'isic2018': ('table3', 'ISIC 2018'),
}
NOT_IMPLEMENTED = 'not implemented in mmsam-prompt'


def _am_sam_main(dataset: str) -> Table:
    table, title = BINARY_SETS[dataset]
    shots = (4, 8) if dataset == 'tiktok-dancing' else (4, 8, 16)
    rows = []
    if dataset == 'tiktok-dancing':  # Table 1 also has the baselines
        rows += [
            Row('DeepLab', f'configs/deeplabv3/deeplabv3_r50-d8_16shot_{dataset}.py',
                f'am-sam/{table}/DeepLab', note='DeepLabV3 R50-D8, mmseg'),
            *(Row(m, None, f'am-sam/{table}/{m}', note=NOT_IMPLEMENTED)
              for m in ('SwinUnet', 'HSNet', 'SSP')),
            Row('SAM', f'configs/sam/sam_vit-b_default-prompt_{dataset}.py',
                f'am-sam/{table}/SAM', shots=(0, ), column='4',
                note='zero-shot SAM with its default prompt (our reading: the paper does not '
                'say with which prompts)'),
            Row('Med-SA', None, f'am-sam/{table}/Med-SA', note=NOT_IMPLEMENTED),
            Row('SAMed', f'configs/samed/samed_vit-b_16shot_{dataset}.py',
                f'am-sam/{table}/SAMed'),
        ]
    rows += [
        Row('BLO-SAM', f'configs/blo_sam/blo-sam_vit-b_{{shots}}shot_{dataset}.py',
            f'am-sam/{table}/BLO-SAM'),
        Row('AM-SAM', f'configs/am_sam/am-sam_vit-b_{{shots}}shot_{dataset}.py',
            f'am-sam/{table}/AM-SAM'),
    ]
    return Table(f'am-sam-{table}', f'AM-SAM Table {table[-1]}: test Dice (%) on {title}',
                 'Dice (%)', tuple(rows), shots)


def _am_sam_ablation() -> Table:
    rows = []
    for dataset, col in (('isic2018', 'isic2018'), ('tiktok-dancing', 'tiktok')):
        rows += [
            Row(f'BLO-SAM ({dataset})', f'configs/blo_sam/blo-sam_vit-b_{{shots}}shot_{dataset}.py',
                'am-sam/table4/BLO-SAM', column=f'{col}-{{shots}}'),
            Row(f'calibration only ({dataset})',
                f'configs/am_sam/am-sam-calibration-only_vit-b_8shot_{dataset}.py',
                'am-sam/table4/AM-SAM calibration only', column=f'{col}-{{shots}}'),
            Row(f'detector only ({dataset})',
                f'configs/am_sam/am-sam-detector-only_vit-b_8shot_{dataset}.py',
                'am-sam/table4/AM-SAM detector only', column=f'{col}-{{shots}}'),
            Row(f'AM-SAM ({dataset})', f'configs/am_sam/am-sam_vit-b_{{shots}}shot_{dataset}.py',
                'am-sam/table4/AM-SAM', column=f'{col}-{{shots}}'),
        ]
    return Table('am-sam-table4', 'AM-SAM Table 4: ablation of detector prompts and mask '
                 'calibration, test Dice (%) on ISIC 2018 and TikTok', 'Dice (%)', tuple(rows),
                 (4, 8), note='The ablation configs are the 8-shot ones, run at 4 and 8 shots.')


def _reference_protocol() -> Table:
    rows = []
    for dataset, (table, _) in BINARY_SETS.items():
        for method, family in (('BLO-SAM', 'blo_sam/blo-sam'), ('AM-SAM', 'am_sam/am-sam')):
            rows.append(Row(f'{method} reference ({dataset})',
                            f'configs/{family}-reference_vit-b_{{shots}}shot_{dataset}.py',
                            f'am-sam/{table}/{method}', metric=REFERENCE_DICE))
    return Table('blo-sam-reference', "BLO-SAM / AM-SAM reference protocol (the authors' "
                 'code: 256 px, batch 1, per-image Dice): test Dice (%), paper numbers from '
                 'AM-SAM Tables 1-3', 'Dice (%)', tuple(rows), (4, 8, 16),
                 note='TikTok has no 16-shot number in the paper.')


SSPROMPT_SETS = ('cityscapes', 'bdd100k', 'mapillary', 'ade20k', 'pascal-context-59')
SEEM_NOTE = ("paper: SEEM Focal-T; ours: SAM vit-b. The paper's SAM numbers (App. B, Table 9) "
             'were lost in the text extraction; it says prompt learning on the released SAM '
             '"does not work well".')


def _default_prompts(dataset: str, paper: str, column: Optional[str] = None) -> Row:
    return Row('default prompts', f'configs/ssprompt/ssprompt-default-prompts_vit-b_16shot_{dataset}.py',
               paper, column=column, metric=MIOU,
               note="SAM with SSPrompt's default prompts (Eq. 2), only the token-to-text map "
               "trained: SEEM-T's place")


def _ssprompt_table2(dataset: str) -> Table:
    rows = [_default_prompts(dataset, 'ssprompt/table2-tiny/SEEM-T', dataset)]
    for label, stem in (('CoOp', 'coop'), ('LOCN', 'locn'), ('SSPrompt', 'ssprompt')):
        rows.append(Row(label, f'configs/ssprompt/{stem}_vit-b_16shot_{dataset}.py',
                        f'ssprompt/table2-tiny/{label}', column=dataset, metric=MIOU))
    return Table(f'ssprompt-table2-{dataset}', f'SSPrompt Table 2: test mIoU (%) on {dataset}, '
                 '16 shots', 'mIoU (%)', tuple(rows), (16, ), note=SEEM_NOTE)


def _ssprompt_table3() -> Table:
    rows = []
    methods = (('default prompts', 'ssprompt-default-prompts', 'SEEM-T'),
               ('CoOp', 'coop', 'CoOp'), ('LOCN', 'locn', 'LOCN'),
               ('SSPrompt', 'ssprompt', 'SSPrompt'))
    for cond, key in (('fog', 'fog/mIoU'), ('night', 'night/mIoU'), ('rain', 'rain/mIoU'),
                      ('snow', 'snow/mIoU'), ('mean', 'mIoU')):
        for label, stem, paper in methods:
            rows.append(Row(f'{label} ({cond})', f'configs/ssprompt/{stem}_vit-b_16shot_acdc.py',
                            f'ssprompt/table3-tiny/{paper}', column=cond, metric=(key, )))
    return Table('ssprompt-table3-acdc', 'SSPrompt Table 3: test mIoU (%) on ACDC per condition, '
                 '16 shots', 'mIoU (%)', tuple(rows), (16, ), note=SEEM_NOTE)


def _ssprompt_table5() -> Table:
    city = 'cityscapes'
    ablation = (
        ('spatial embedding only', 'ssprompt-spatial-average'),
        ('spatial embedding + weight (SpaPrompt)', 'ssprompt-spatial-weighted'),
        ('semantic embedding only', 'ssprompt-semantic-average'),
        ('semantic embedding + weight (SemPrompt)', 'ssprompt-semantic-weighted'),
        ('SSPrompt', 'ssprompt'),
    )
    rows = [_default_prompts(city, 'ssprompt/table5/SEEM-T', city)]
    rows += [Row(label, f'configs/ssprompt/{stem}_vit-b_16shot_{city}.py',
                 f'ssprompt/table5/{label}', column=city, metric=MIOU)
             for label, stem in ablation]
    return Table('ssprompt-table5', 'SSPrompt Table 5: ablation on Cityscapes, test mIoU (%), '
                 '16 shots', 'mIoU (%)', tuple(rows), (16, ), note=SEEM_NOTE)


def _ssprompt_table6() -> Table:
    city = 'cityscapes'
    rows = (Row('default prompts', None, 'ssprompt/table6/SEEM-T', shots=(0, ), metric=MIOU,
                note='no prompt learning: the default-prompts row of ssprompt-table2-cityscapes'),
            Row('SSPrompt', f'configs/ssprompt/ssprompt_vit-b_{{shots}}shot_{city}.py',
                'ssprompt/table6/SSPrompt', metric=MIOU))
    return Table('ssprompt-table6', 'SSPrompt Table 6: fewer shots on Cityscapes, test mIoU (%)',
                 'mIoU (%)', rows, (4, 8, 12, 16), note=SEEM_NOTE)


def _ssprompt_table8() -> Table:
    city = 'cityscapes'
    rows = [_default_prompts(city, 'ssprompt/table8/SEEM-T', city)]
    rows += [Row(label, f'configs/ssprompt/{stem}_vit-b_16shot_{city}.py',
                 f'ssprompt/table8/{label}', column=city, metric=MIOU)
             for label, stem in (('VSPL', 'vspl'), ('SpaPrompt', 'ssprompt-spatial-weighted'),
                                 ('SSPrompt', 'ssprompt'))]
    return Table('ssprompt-table8', 'SSPrompt Table 8: VSPL (2-D point learning) on Cityscapes, '
                 'test mIoU (%), 16 shots', 'mIoU (%)', tuple(rows), (16, ), note=SEEM_NOTE)


def all_tables() -> Dict[str, Table]:
    tables = [_am_sam_main(d) for d in BINARY_SETS]
    tables += [_am_sam_ablation(), _reference_protocol()]
    tables += [_ssprompt_table2(d) for d in SSPROMPT_SETS]
    tables += [_ssprompt_table3(), _ssprompt_table5(), _ssprompt_table6(), _ssprompt_table8()]
    return {t.name: t for t in tables}


TABLES: Dict[str, Table] = all_tables()

#: --dry-run: each paper config ``<dir>/<method>_vit-b..._<set>.py`` runs as its tiny CPU
#: counterpart ``<dir>/<method>_tiny_<set>.py`` (tiny SAM at 256 px, random weights, real data
#: from ../shared/data); a method without one uses the nearest shorter method name
#: (am-sam-reference -> am-sam). These methods need options on top (or another config):
TINY_OVERRIDES: Dict[str, Tuple[str, dict]] = {
    'am-sam-detector-only': ('configs/am_sam/am-sam_tiny_vikram-human.py',
                             {'model.decode_head.mask_decoder.calibration': None}),
    'am-sam-calibration-only': ('configs/blo_sam/blo-sam_tiny_vikram-human.py', {
        'model.decode_head.mask_decoder.calibration':
        dict(_delete_=True, alpha=0.7, mode='channel_weights')
    }),
    'deeplabv3': ('configs/deeplabv3/deeplabv3_r50-d8_16shot_vikram-human.py',
                  {'model.pretrained': None}),
}


def tiny_counterpart(config: str, repo: Optional[str] = None) -> Tuple[str, dict]:
    """The tiny CPU config (and options) that stands in for ``config`` in a dry run."""
    import glob
    import os.path as osp
    repo = repo or osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    folder = osp.dirname(config)
    method = osp.basename(config).split('_')[0]
    parts = method.split('-')
    for n in range(len(parts), 0, -1):
        name = '-'.join(parts[:n])
        if name in TINY_OVERRIDES:
            return TINY_OVERRIDES[name]
        found = sorted(glob.glob(osp.join(repo, folder, f'{name}_tiny_*.py')))
        if found:
            return osp.relpath(found[0], repo), {}
    raise ValueError(f'{config}: no tiny counterpart ({folder}/{method}_tiny_*.py) for a dry '
                     'run; add one, or an entry in TINY_OVERRIDES '
                     '(mmsam_prompt/tools/reproduce_tables.py)')


def table_configs(table: Table) -> Sequence[str]:
    """Every config path the table runs, in order, without repeats."""
    out = []
    for row in table.rows:
        for k in table.row_shots(row):
            c = row.config_for(k)
            if c is not None and c not in out:
                out.append(c)
    return out
