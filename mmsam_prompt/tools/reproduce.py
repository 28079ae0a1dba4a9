"""``tools/reproduce.py``: run a paper's table (configs x shots x seeds) and print it beside the
paper's numbers.

The runs go through the few-shot sweep (:mod:`.shots_sweep`: ``Runner.from_cfg`` train + test,
as ``tools/train.py`` / ``tools/test.py`` do; a finished run, one with ``metrics.json``, is
skipped, an interrupted one resumes from its last checkpoint). Each run lives in
``WORK_DIR/runs/<config name>/shots{K}_seed{S}``, so tables that share a config share its runs.
Each table writes ``WORK_DIR/<table>/table.md``, ``table.csv`` and ``table.png``.
"""
import argparse
import copy
import csv
import math
import os
import os.path as osp
import shlex
import sys
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

from .reproduce_tables import TABLES, Row, Table, tiny_counterpart
from .shots_sweep import SweepRun, mean_std, run_all, run_name

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(HERE))
PAPER_NUMBERS = osp.join(HERE, 'paper_numbers.yaml')
LOST = "n/a (lost in the paper's text extraction)"
NOT_REPORTED = '— (not in the paper)'
TINY_TEXT = dict(embed_dims=64, num_layers=1, num_heads=2, output_dims=64)
DRY_RUN_TEST_IMAGES = 1
DRY_RUN_ITERS = 2


def repo_path(path: str) -> str:
    """Config paths in the tables are relative to the repository root."""
    return path if osp.isabs(path) else osp.join(REPO, path)


class ReproduceError(Exception):
    """Bad input: printed as one line, exit status 2."""


# ----------------------------------------------------------------------------- paper numbers
def load_paper_numbers(path: str = PAPER_NUMBERS) -> dict:
    with open(path) as f:
        return yaml.safe_load(f)


def paper_value(numbers: dict, ref: Optional[str], column: str) -> Tuple[Optional[float], str]:
    """(value, text) of ``PAPER/TABLE/ROW`` at ``column``: text is the value as printed,
    :data:`LOST` where the extraction lost it, :data:`NOT_REPORTED` where the paper has none."""
    if ref is None:
        return None, NOT_REPORTED
    paper, table, row = ref.split('/', 2)
    entry = numbers[paper]['tables'][table]['rows'][row]
    values = entry.get('values')
    if values is None:
        return None, LOST
    values = {str(k): v for k, v in values.items()}
    if column not in values:
        return None, NOT_REPORTED
    if values[column] is None:
        return None, LOST
    return float(values[column]), f'{float(values[column]):.1f}'


def paper_source(numbers: dict, ref: Optional[str]) -> str:
    """'AM-SAM table2, row "AM-SAM" (line 153)' and, for a lost value, why."""
    if ref is None:
        return ''
    paper, table, row = ref.split('/', 2)
    t = numbers[paper]['tables'][table]
    text = f'{paper} {table}, row "{row}" ({numbers[paper]["file"]}, line {t["line"]})'
    entry = t['rows'][row]
    if entry.get('missing'):
        text += f'; {entry["missing"]}'
    return text


# ----------------------------------------------------------------------------- settings
SETTING_KEYS = ('sam_checkpoint', 'clip_checkpoint', 'detector_checkpoint', 'data_roots',
                'work_dir', 'seeds')


def read_settings(path: Optional[str]) -> dict:
    if path is None:
        return {}
    if not osp.isfile(path):
        raise ReproduceError(f'settings file {path} not found')
    with open(path) as f:
        settings = yaml.safe_load(f) or {}
    if not isinstance(settings, dict):
        raise ReproduceError(f'{path}: expected a mapping of {", ".join(SETTING_KEYS)}')
    unknown = sorted(set(settings) - set(SETTING_KEYS))
    if unknown:
        raise ReproduceError(f'{path}: unknown key(s) {", ".join(unknown)}; '
                             f'known: {", ".join(SETTING_KEYS)}')
    return settings


def walk(node, path: str = '') -> Iterable[Tuple[str, object, object]]:
    """(dotted path, key, value) of every entry of nested dicts / lists of a config."""
    items = node.items() if isinstance(node, dict) else (
        enumerate(node) if isinstance(node, (list, tuple)) else ())
    for key, value in items:
        p = f'{path}.{key}' if path else str(key)
        yield p, key, value
        yield from walk(value, p)


def _is_detector(node) -> bool:
    kind = node.get('type') if isinstance(node, dict) else None
    return isinstance(kind, str) and 'Detector' in kind and 'checkpoint' in node


class ConfigInfo:
    """What a config needs (weights, data roots), read once."""

    def __init__(self, path: str) -> None:
        from mmengine.config import Config
        self.path = path
        self.cfg = Config.fromfile(repo_path(path))
        full = self.cfg.to_dict()
        # only what a run uses: helper variables of the config files (e.g. a pipeline kept for
        # other configs) do not count
        d = {k: full.get(k) for k in ('model', 'train_dataloader', 'val_dataloader',
                                      'test_dataloader')}
        self.sam_keys = [p for p, k, _ in walk(d) if k == 'sam_checkpoint']
        self.text_keys = [p for p, k, _ in walk(d) if k == 'text_checkpoint']
        self.semantic_keys = [p for p, k, v in walk(d) if isinstance(v, dict)
                              and 'class_names' in v]
        self.detector_keys = [f'{p}.checkpoint' for p, _, v in walk(d) if _is_detector(v)]
        self.num_points_keys = [p for p, k, v in walk(d) if k == 'num_points'
                                and isinstance(v, int)]
        self.data_roots = {p: v for p, k, v in walk(d) if k == 'data_root' and isinstance(v, str)}
        self.train = d.get('train_dataloader') is not None
        self.by_epoch = 'max_epochs' in (full.get('train_cfg') or {})


def _match_root(default: str, given: Dict[str, str]) -> Optional[str]:
    norm = default.rstrip('/')
    for key, value in given.items():
        if key.rstrip('/') in (norm, osp.basename(norm)):
            return value
    return None


def weights_options(info: ConfigInfo, settings: dict) -> Tuple[dict, List[str]]:
    """cfg-options that set the weights and data roots given; what is still missing."""
    opts: dict = {}
    missing: List[str] = []
    for keys, name, flag in ((info.sam_keys, 'sam_checkpoint', '--sam-checkpoint'),
                             (info.text_keys or ([] if not info.semantic_keys else
                                                 [f'{p}.text_checkpoint'
                                                  for p in info.semantic_keys]),
                              'clip_checkpoint', '--clip-checkpoint'),
                             (info.detector_keys, 'detector_checkpoint',
                              '--detector-checkpoint')):
        if not keys:
            continue
        value = settings.get(name)
        if value is None:
            missing.append(flag)
        else:
            opts.update({k: value for k in keys})
    roots = settings.get('data_roots') or {}
    for key, default in info.data_roots.items():
        root = _match_root(default, roots)
        if root is not None:
            opts[key] = root
        elif not osp.isdir(default):
            missing.append(f'--data-root {osp.basename(default.rstrip("/"))}=PATH '
                           f'({default} not found)')
    return opts, missing


# ----------------------------------------------------------------------------- dry run
class DryRun:
    """Tiny random weights, tiny text encoder, 1 epoch / 2 iterations, 1 test image."""

    def __init__(self, work_dir: str) -> None:
        self.dir = osp.join(work_dir, 'dry_run_inputs')
        self._ckpt: Optional[str] = None
        self._info: Dict[str, ConfigInfo] = {}

    def checkpoint(self) -> str:
        if self._ckpt is None:
            import torch
            from ..models.sam.reference_sam import random_sam_state_dict
            os.makedirs(self.dir, exist_ok=True)
            path = osp.join(self.dir, 'sam_tiny_random.pth')
            if not osp.isfile(path):
                torch.save(random_sam_state_dict('tiny', seed=0), path + '.tmp')
                os.replace(path + '.tmp', path)
            self._ckpt = path
        return self._ckpt

    def info(self, config: str) -> ConfigInfo:
        if config not in self._info:
            self._info[config] = ConfigInfo(config)
        return self._info[config]

    def small_split(self, dataset: dict) -> Optional[str]:
        """A split file with the first test images of ``dataset`` (None: not a file split)."""
        ann, root = dataset.get('ann_file'), dataset.get('data_root') or ''
        if not ann:
            return None
        src = ann if osp.isabs(ann) else osp.join(root, ann)
        if not osp.isfile(src):
            return None
        with open(src) as f:
            stems = [ln.strip() for ln in f if ln.strip()][:DRY_RUN_TEST_IMAGES]
        name = osp.basename(osp.normpath(root)) + '_' + osp.basename(src)
        dst = osp.join(self.dir, name)
        os.makedirs(self.dir, exist_ok=True)
        with open(dst, 'w') as f:
            f.write('\n'.join(stems) + '\n')
        return osp.abspath(dst)

    def run_for(self, config: str) -> Tuple[str, dict]:
        """The tiny config that stands in for ``config`` and its options."""
        tiny, extra = tiny_counterpart(config)
        info = self.info(tiny)
        opts = copy.deepcopy(extra)  # merging pops '_delete_' from the dicts it is given
        for key in info.sam_keys:
            opts[key] = self.checkpoint()
        for key in info.semantic_keys:
            opts[f'{key}.text_encoder'] = TINY_TEXT
        for key in info.num_points_keys:
            opts[key] = 16
        if info.train:
            # the shortest training; no validation (val_begin past the end), no checkpoints
            if info.by_epoch:
                opts.update({'train_cfg.max_epochs': 1, 'train_cfg.val_begin': 2})
            else:
                opts.update({'train_cfg.max_iters': DRY_RUN_ITERS,
                             'train_cfg.val_begin': DRY_RUN_ITERS + 1})
            opts.update({'default_hooks.checkpoint.interval': 10**9,
                         'default_hooks.checkpoint.save_best': None,
                         'default_hooks.checkpoint.save_last': False})
        from .shots_sweep import find_kshot_cfg
        for loader in ('val_dataloader', 'test_dataloader'):
            ds = (info.cfg.get(loader) or {}).get('dataset')
            if ds is None or find_kshot_cfg(ds) is not None:
                continue
            split = self.small_split(ds)
            if split is not None:
                opts[f'{loader}.dataset.ann_file'] = split
        return tiny, opts


# ----------------------------------------------------------------------------- planning
class PlannedRun:
    def __init__(self, row: Row, shots: int, seed: int, config: str, work_dir: str) -> None:
        self.row, self.shots, self.seed, self.config = row, shots, seed, config
        self.work_dir = work_dir

    @property
    def name(self) -> str:
        return f'{osp.splitext(osp.basename(self.config))[0]}/{run_name(self.shots, self.seed)}'

    @property
    def finished(self) -> bool:
        return osp.isfile(osp.join(self.work_dir, 'metrics.json'))


def runs_folder(work_dir: str, dry_run: bool = False) -> str:
    """Where the runs live: dry runs apart, so that their results never enter a real table."""
    return osp.join(work_dir, 'runs_dry_run' if dry_run else 'runs')


def plan(table: Table, work_dir: str, seeds: Sequence[int], shots: Optional[Sequence[int]],
         rows: Optional[Sequence[str]], dry_run: bool = False) -> List[PlannedRun]:
    """Every (row, shots, seed) run the table needs, in order (rows sharing a config share
    its runs)."""
    out = []
    for row in selected_rows(table, rows):
        for k in row_shots(table, row, shots):
            config = row.config_for(k)
            if config is None:
                continue
            stem = osp.splitext(osp.basename(config))[0]
            for s in (seeds if k > 0 else seeds[:1]):
                out.append(PlannedRun(row, k, s, config, osp.join(
                    runs_folder(work_dir, dry_run), stem, run_name(k, s))))
    return out


def selected_rows(table: Table, rows: Optional[Sequence[str]]) -> List[Row]:
    """The table's rows whose labels are in ``rows`` (all when ``rows`` is empty)."""
    if not rows:
        return list(table.rows)
    chosen = [r for r in table.rows if r.label in rows]
    if not chosen:
        raise ReproduceError(f'{table.name} has none of the rows {", ".join(map(repr, rows))}; '
                             f'its rows: {", ".join(repr(r.label) for r in table.rows)}')
    return chosen


def check_rows(tables: Sequence[Table], rows: Optional[Sequence[str]]) -> None:
    """Every label of ``--rows`` names a row of some table, and every table keeps one."""
    if not rows:
        return
    labels = {r.label for t in tables for r in t.rows}
    unknown = [r for r in rows if r not in labels]
    if unknown:
        raise ReproduceError(f'no row {", ".join(map(repr, unknown))} in '
                             f'{", ".join(t.name for t in tables)} (--list TABLE shows the rows)')
    for t in tables:
        selected_rows(t, rows)


def row_shots(table: Table, row: Row, shots: Optional[Sequence[int]]) -> Tuple[int, ...]:
    own = table.row_shots(row)
    if shots is None or own == (0, ):  # zero-shot rows have no k to choose
        return own
    return tuple(k for k in own if k in shots)


def missing_configs(table: Table, rows: Optional[Sequence[str]] = None,
                    shots: Optional[Sequence[int]] = None) -> List[str]:
    """The configs the (selected part of the) table needs that do not exist, in order."""
    wanted = [r.config for r in plan(table, '', (0, ), shots, rows)]
    return [c for c in dict.fromkeys(wanted) if not osp.isfile(repo_path(c))]


# ----------------------------------------------------------------------------- results
def row_metric(result: dict, keys: Sequence[str], dry_run: bool = False) -> float:
    """The row's number from a run's test metrics: the first of ``keys`` present. A dry run's
    stand-in data may lack a set's own keys (CamVid has no ACDC conditions): 'fog/mIoU' is
    then read as 'mIoU'."""
    if dry_run:
        keys = list(keys) + [k.split('/')[-1] for k in keys]
    for k in keys:
        if k in result:
            return float(result[k])
    raise ReproduceError(f'{result.get("work_dir")}: the test metrics have none of '
                         f'{", ".join(keys)} (they have {", ".join(sorted(result))})')


def table_rows(table: Table, runs: Sequence[PlannedRun], results: Dict[str, dict],
               numbers: dict, shots: Optional[Sequence[int]],
               rows: Optional[Sequence[str]], skipped: Sequence[str] = (),
               dry_run: bool = False) -> List[dict]:
    """One line per (row, shots): paper, ours (mean ± std over seeds), difference."""
    out = []
    for row in selected_rows(table, rows):
        for k in row_shots(table, row, shots):
            paper, paper_text = paper_value(numbers, row.paper, row.column_for(k))
            config = row.config_for(k)
            mine = [r for r in runs if r.row is row and r.shots == k]
            values = [row_metric(results[r.work_dir], row.metric, dry_run) for r in mine
                      if r.work_dir in results]
            line = dict(table=table.name, method=row.label, shots=k, paper=paper,
                        paper_text=paper_text, paper_source=paper_source(numbers, row.paper),
                        ours_mean=None, ours_std=None, seeds=len(values), difference=None,
                        metric=row.metric[0], config=config or '', note=row.note)
            if values:
                line['ours_mean'], line['ours_std'] = mean_std(values)
                if paper is not None:
                    line['difference'] = line['ours_mean'] - paper
                line['ours_text'] = f"{line['ours_mean']:.2f} ± {line['ours_std']:.2f}"
            elif config is None:
                line['ours_text'] = f'not run ({row.note or NOT_IMPLEMENTED_TEXT})'
            elif config in skipped:
                line['ours_text'] = f'not run (config missing: {config})'
            else:
                line['ours_text'] = 'not run'
            out.append(line)
    return out


NOT_IMPLEMENTED_TEXT = 'no config in this project'
CSV_FIELDS = ('table', 'method', 'shots', 'metric', 'paper', 'ours_mean', 'ours_std', 'seeds',
              'difference', 'paper_source', 'config', 'note')


def _fmt_diff(d: Optional[float]) -> str:
    return '' if d is None else f'{d:+.2f}'


def table_markdown(table: Table, lines: Sequence[dict], dry_run: bool, command: str,
                   work_dir: str) -> str:
    out = [f'# {table.title}', '']
    if dry_run:
        out += ['**DRY RUN**: every config ran as its tiny CPU counterpart (docs/reproduce.md) '
                f'with random weights, trained for 1 epoch or {DRY_RUN_ITERS} iterations and '
                f'tested on {DRY_RUN_TEST_IMAGES} image(s). "ours" shows that the machinery '
                "works, not what the method can do: it is not comparable with the paper's "
                'numbers.', '']
    out += [f'| method | shots | paper {table.metric_label} | ours (mean ± std) | seeds | '
            'difference |', '|---|---:|---:|---:|---:|---:|']
    for ln in lines:
        shots = 'zero-shot' if ln['shots'] == 0 else ln['shots']
        out.append(f"| {ln['method']} | {shots} | {ln['paper_text']} | {ln['ours_text']} | "
                   f"{ln['seeds']} | {_fmt_diff(ln['difference'])} |")
    out += ['', 'ours: mean ± sample std over seeds of the test metric '
            f"(`{lines[0]['metric'] if lines else ''}`); difference: ours - paper.", '']
    if table.note:
        out += [table.note, '']
    sources = dict.fromkeys(ln['paper_source'] for ln in lines if ln['paper_source'])
    out += ['Paper numbers (`mmsam_prompt/tools/paper_numbers.yaml`):', '']
    out += [f'- {s}' for s in sources]
    out += ['', f'Runs: `{runs_folder(work_dir, dry_run)}`', '', 'Command:', '', '```bash',
            command, '```', '']
    return '\n'.join(out)


def plot_table(table: Table, lines: Sequence[dict], path: str, dry_run: bool = False) -> None:
    """Paper (hatched) and ours (mean ± std) side by side for each row and shot count."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n = len(lines)
    fig = Figure(figsize=(max(5.0, 0.55 * n + 2), 4.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xs = list(range(n))
    paper = [ln['paper'] if ln['paper'] is not None else math.nan for ln in lines]
    ours = [ln['ours_mean'] if ln['ours_mean'] is not None else math.nan for ln in lines]
    err = [ln['ours_std'] or 0.0 for ln in lines]
    ax.bar([x - 0.2 for x in xs], paper, width=0.4, color='white', edgecolor='tab:gray',
           hatch='//', label='paper')
    ax.bar([x + 0.2 for x in xs], ours, width=0.4, yerr=err, capsize=3, color='tab:blue',
           label='ours (mean ± std)')
    for x, p in zip(xs, paper):
        if math.isnan(p):
            ax.text(x - 0.2, 1, 'n/a', ha='center', va='bottom', fontsize=7, rotation=90)
    ax.set_xticks(xs, [f"{ln['method']}\n{'0' if ln['shots'] == 0 else ln['shots']}-shot"
                       for ln in lines], rotation=60, ha='right', fontsize=7)
    ax.set_ylabel(table.metric_label)
    ax.set_title(table.name + (' (DRY RUN: tiny random weights)' if dry_run else ''), fontsize=9)
    ax.grid(axis='y', alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def write_table(table: Table, lines: Sequence[dict], out_dir: str, dry_run: bool,
                command: str, work_dir: str) -> Dict[str, str]:
    os.makedirs(out_dir, exist_ok=True)
    paths = {k: osp.join(out_dir, f'table.{k}') for k in ('md', 'csv', 'png')}
    with open(paths['md'], 'w') as f:
        f.write(table_markdown(table, lines, dry_run, command, work_dir))
    with open(paths['csv'], 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction='ignore')
        writer.writeheader()
        for ln in lines:
            writer.writerow({k: ('' if ln.get(k) is None else
                                 round(ln[k], 4) if isinstance(ln[k], float) else ln[k])
                             for k in CSV_FIELDS})
    plot_table(table, lines, paths['png'], dry_run)
    return paths


# ----------------------------------------------------------------------------- listing
def list_tables(names: Sequence[str], work_dir: str, seeds, shots, rows, dry_run: bool) -> str:
    out = []
    if not names:
        out.append('tables (python tools/reproduce.py --list TABLE shows its runs):')
        for t in TABLES.values():
            runs = plan(t, work_dir, seeds or t.seeds, shots, None)
            miss = missing_configs(t)
            state = f', {len(miss)} config(s) missing' if miss else ''
            out.append(f'  {t.name:<32} {len(runs):>3} runs{state}  {t.title}')
        return '\n'.join(out)
    for name in names:
        t = TABLES[name]
        runs = plan(t, work_dir, seeds or t.seeds, shots, rows, dry_run)
        out.append(f'{t.name}: {t.title}')
        out.append(f'  {len(runs)} runs; results in {osp.join(work_dir, t.name)}')
        for r in runs:
            state = ('MISSING CONFIG' if not osp.isfile(repo_path(r.config)) else
                     'done' if r.finished else 'pending')
            line = (f'  [{state}] {r.row.label} | shots {r.shots} | seed {r.seed} | '
                    f'{r.config} -> {r.work_dir}')
            if dry_run and osp.isfile(repo_path(r.config)):
                line += f' (dry run as {tiny_counterpart(r.config)[0]})'
            out.append(line)
        for row in selected_rows(t, rows):
            if row.config is None:
                out.append(f'  [paper only] {row.label}: {row.note or NOT_IMPLEMENTED_TEXT}')
    return '\n'.join(out)


# ----------------------------------------------------------------------------- main
def parse_args(argv=None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        prog='tools/reproduce.py',
        description="Run a paper's table (configs x shots x seeds) and write it beside the "
        "paper's numbers: WORK_DIR/<table>/table.md, table.csv, table.png.")
    parser.add_argument('tables', nargs='*', metavar='TABLE',
                        help='table name(s); --list without a name lists them all')
    parser.add_argument('--list', action='store_true', help='print the runs and exit')
    parser.add_argument('--dry-run', action='store_true',
                        help='run every config as its tiny CPU counterpart on random weights, '
                        '1 epoch / 2 iterations, 1 test image (checks the machinery)')
    parser.add_argument('--settings', help='YAML with any of: ' + ', '.join(SETTING_KEYS))
    parser.add_argument('--sam-checkpoint', help='official SAM checkpoint (sam_vit_b_01ec64.pth)')
    parser.add_argument('--clip-checkpoint', help='CLIP text encoder weights, mmseg format')
    parser.add_argument('--detector-checkpoint', help='mmdet detector weights (AM-SAM)')
    parser.add_argument('--data-root', nargs='+', default=[], metavar='NAME=PATH',
                        help="data set folders: NAME is the config's default data_root or its "
                        'last folder, e.g. tiktok_dancing=/data/tiktok')
    parser.add_argument('--work-dir', help='default work_dirs/reproduce (dry run: '
                        'work_dirs/reproduce_dry_run)')
    parser.add_argument('--seeds', type=int, nargs='+', help="default: the table's (0 1 2)")
    parser.add_argument('--shots', type=int, nargs='+',
                        help="only these of the table's shot counts")
    parser.add_argument('--rows', nargs='+', metavar='LABEL',
                        help='only the rows with these labels (in each table named)')
    parser.add_argument('--skip-missing', action='store_true',
                        help='run the rows whose configs exist, mark the others not run')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='extra options for every run, key=value')
    parser.add_argument('--verbose', action='store_true', help="mmengine's log on the console")
    return parser.parse_args(argv)


def _settings(args) -> dict:
    settings = read_settings(args.settings)
    for key in ('sam_checkpoint', 'clip_checkpoint', 'detector_checkpoint'):
        value = getattr(args, key)
        if value is not None:
            settings[key] = value
        if settings.get(key) is not None and not osp.isfile(settings[key]):
            raise ReproduceError(f'{key.replace("_", " ")} {settings[key]} not found')
    roots = dict(settings.get('data_roots') or {})
    for item in args.data_root:
        if '=' not in item:
            raise ReproduceError(f'--data-root {item}: expected NAME=PATH')
        name, path = item.split('=', 1)
        roots[name] = path
    for name, path in roots.items():
        if not osp.isdir(path):
            raise ReproduceError(f'data root {name}={path}: no such folder')
    settings['data_roots'] = roots
    return settings


def run(argv=None) -> int:
    args = parse_args(argv)
    settings = _settings(args)
    unknown = [t for t in args.tables if t not in TABLES]
    if unknown:
        raise ReproduceError(f'unknown table(s) {", ".join(unknown)}; known: '
                             f'{", ".join(TABLES)} (--list shows them)')
    work_dir = (args.work_dir or settings.get('work_dir') or
                ('work_dirs/reproduce_dry_run' if args.dry_run else 'work_dirs/reproduce'))
    seeds = args.seeds or settings.get('seeds')
    dry = DryRun(work_dir) if args.dry_run else None
    check_rows([TABLES[t] for t in args.tables], args.rows)
    if args.list:
        print(list_tables(args.tables, work_dir, seeds, args.shots, args.rows, args.dry_run))
        return 0
    if not args.tables:
        raise ReproduceError('name a table (python tools/reproduce.py --list shows them)')

    numbers = load_paper_numbers()
    plans: Dict[str, List[PlannedRun]] = {}
    skipped: Dict[str, List[str]] = {}
    for name in args.tables:
        t = TABLES[name]
        miss = missing_configs(t, args.rows, args.shots)
        if miss and not args.skip_missing:
            raise ReproduceError(f'{name}: {len(miss)} config(s) missing: {", ".join(miss)} '
                                 '(--skip-missing runs the other rows)')
        skipped[name] = miss
        plans[name] = [r for r in plan(t, work_dir, seeds or t.seeds, args.shots, args.rows,
                                       args.dry_run) if r.config not in miss]

    # one SweepRun per distinct run directory, weights / data / dry-run options resolved once
    sweep_runs: Dict[str, SweepRun] = {}
    infos: Dict[str, ConfigInfo] = {}
    problems: Dict[str, List[str]] = {}
    for name, runs in plans.items():
        for r in runs:
            if r.work_dir in sweep_runs:
                continue
            if dry is not None:
                config, opts = dry.run_for(r.config)
            else:
                info = infos.get(r.config) or infos.setdefault(r.config, ConfigInfo(r.config))
                config = r.config
                opts, missing = weights_options(info, settings)
                for m in missing:
                    problems.setdefault(m, []).append(osp.basename(r.config))
            opts.update(args.cfg_options or {})
            sweep_runs[r.work_dir] = SweepRun(repo_path(config), r.shots, r.seed, r.work_dir, opts,
                                              name=r.name)
    if problems:
        def which(configs):
            configs = sorted(set(configs))
            return configs[0] if len(configs) == 1 else f'{len(configs)} configs, e.g. {configs[0]}'
        raise ReproduceError('needs ' + '; '.join(
            f'{m} (for {which(c)})' for m, c in problems.items()) +
            ' (or --dry-run to check the machinery on tiny random weights)')

    ordered = list(sweep_runs.values())
    print(f'{len(ordered)} run(s) for {", ".join(args.tables)} in {work_dir}'
          + (' (DRY RUN: tiny random weights)' if dry else ''))
    rows = run_all(ordered, quiet=not args.verbose)
    results = {r.work_dir: row for r, row in zip(ordered, rows)}

    given = sys.argv[1:] if argv is None else list(argv)
    command = shlex.join(['python', 'tools/reproduce.py', *given])
    for name in args.tables:
        t = TABLES[name]
        lines = table_rows(t, plans[name], results, numbers, args.shots, args.rows,
                           skipped[name], dry_run=bool(dry))
        paths = write_table(t, lines, osp.join(work_dir, name), bool(dry), command, work_dir)
        with open(paths['md']) as f:
            print(f.read())
        print('written: ' + ', '.join(paths.values()))
    return 0


def main(argv=None) -> int:
    try:
        return run(argv)
    except ReproduceError as e:
        print(f'reproduce: {e}', file=sys.stderr)
        return 2
