"""Validation metric against epoch for several training runs on one axis (AM-SAM Fig. 5).

    python tools/plot_convergence.py WORK_DIR_A WORK_DIR_B [...] [--labels A B] [--metric mDice]
        [--iters-per-epoch N [N ...]] [--merge-runs] [--out convergence_mDice.png]

Each argument is a work dir (its latest run, ``<work_dir>/<timestamp>/``, that has the metric),
one run's ``<timestamp>`` dir, or a ``scalars.json``. The values come from mmengine's scalar log
``<timestamp>/vis_data/scalars.json`` (``LocalVisBackend``: one JSON object per line; validation
records hold the metrics and ``step``). The x axis of a run is, in this order:
  * the record's ``epoch`` key, if it has one;
  * ``step``, when the run's ``vis_data/config.py`` says ``log_metric_by_epoch=True`` (LoggerHook
    then logs validation at step = epoch: the SAMed, DeepLabV3, BLO-SAM and AM-SAM configs);
  * ``step`` (an iteration) / ``--iters-per-epoch`` (one value, or one per run), if given;
  * otherwise ``step``, labelled as an iteration.
Prints a table of the values (plus each run's highest and last value, with their x) and saves
a PNG.
"""
import argparse
import glob
import json
import os.path as osp
import re
import sys
from dataclasses import dataclass
from typing import List, Optional, Sequence

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

#: keys of scalar records that are bookkeeping, not metrics
BOOKKEEPING = ('step', 'epoch', 'iter', 'time', 'data_time', 'memory', 'lr', 'eta')


class ConvergenceError(RuntimeError):
    """A work dir without a scalar log, or without the metric asked for."""


@dataclass
class Curve:
    """One run's metric values: x (epochs or iterations) and y, sorted by x."""
    label: str
    source: str
    unit: str  # 'epoch' or 'iteration'
    x: List[float]
    y: List[float]


def scalar_logs(path: str) -> List[str]:
    """The ``scalars.json`` files ``path`` stands for, oldest run first."""
    if osp.isfile(path):
        return [path]
    own = osp.join(path, 'vis_data', 'scalars.json')
    if osp.isfile(own):
        return [own]
    found = sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    if not found:
        what = 'is not a directory' if not osp.isdir(path) else 'has no mmengine scalar log'
        raise ConvergenceError(f'{path} {what} (expected {path}/<timestamp>/vis_data/'
                               'scalars.json, written by the LocalVisBackend of tools/train.py).')
    return found


def read_records(path: str) -> List[dict]:
    records = []
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ConvergenceError(f'{path}, line {i}: not JSON ({e}).') from None
    return records


def metric_names(records: Sequence[dict]) -> List[str]:
    """Metrics of the validation records (records without a learning rate)."""
    names = {k for r in records if 'lr' not in r for k in r if k not in BOOKKEEPING}
    return sorted(names)


def metric_key(records: Sequence[dict], metric: str) -> Optional[str]:
    for key in (metric, f'val/{metric}'):
        if any(key in r and 'lr' not in r for r in records):
            return key
    return None


def steps_are_epochs(scalars: str) -> Optional[bool]:
    """What the run's LoggerHook logged validation ``step`` as (None: no config beside it)."""
    config = osp.join(osp.dirname(scalars), 'config.py')
    if not osp.isfile(config):
        return None
    with open(config) as f:
        found = re.search(r'log_metric_by_epoch\s*=\s*(True|False)', f.read())
    return True if found is None else found.group(1) == 'True'  # mmengine's default: True


def load_curve(path: str, metric: str, label: str, iters_per_epoch: Optional[float] = None,
               merge_runs: bool = False) -> Curve:
    """The validation values of ``metric`` of the run(s) ``path`` stands for."""
    logs = scalar_logs(path)
    runs = [(log, read_records(log)) for log in logs]
    with_metric = [(log, recs) for log, recs in runs if metric_key(recs, metric)]
    if not with_metric:
        have = sorted({m for _, recs in runs for m in metric_names(recs)})
        listed = ', '.join(have) if have else 'none (no validation records)'
        raise ConvergenceError(f'{path}: no record of {metric!r} in {", ".join(logs)}; '
                               f'metrics it has: {listed}.')
    chosen = with_metric if merge_runs else with_metric[-1:]
    points, unit = {}, None
    for log, recs in chosen:
        key = metric_key(recs, metric)
        by_epoch = steps_are_epochs(log)
        for r in recs:
            if key not in r or 'lr' in r:
                continue
            if 'epoch' in r:
                x, u = r['epoch'], 'epoch'
            elif by_epoch:
                x, u = r['step'], 'epoch'
            elif iters_per_epoch:
                x, u = r['step'] / iters_per_epoch, 'epoch'
            else:
                x, u = r['step'], 'iteration'
            if unit not in (None, u):
                raise ConvergenceError(f'{path}: runs log {metric} by {unit} and by {u}; pass '
                                       '--iters-per-epoch.')
            unit = u
            points[x] = float(r[key])  # a later run replaces an earlier value at the same x
    xs = sorted(points)
    source = ', '.join(_short(osp.dirname(osp.dirname(log))) for log, _ in chosen)
    return Curve(label, source, unit, xs, [points[x] for x in xs])


def _short(path: str) -> str:
    rel = osp.relpath(path)
    return osp.abspath(path) if rel.startswith('..') else rel


def default_label(path: str) -> str:
    path = osp.normpath(path)
    if osp.isfile(path):  # .../<work_dir>/<timestamp>/vis_data/scalars.json
        path = osp.dirname(osp.dirname(path))
    if osp.isfile(osp.join(path, 'vis_data', 'scalars.json')):  # a <timestamp> dir
        return f'{osp.basename(osp.dirname(path))}/{osp.basename(path)}'
    return osp.basename(path)


def _num(v: float) -> str:
    return f'{v:g}'


def table(curves: Sequence[Curve], metric: str) -> str:
    """Values by x, one column per run, then each run's highest and last value ('v @x')."""
    xs = sorted({x for c in curves for x in c.x})
    head = [curves[0].unit] + [c.label for c in curves]
    rows = [[_num(x)] + [_num(dict(zip(c.x, c.y))[x]) if x in c.x else '-' for c in curves]
            for x in xs]
    for name, pick in (('max', max), ('last', lambda pairs: pairs[-1])):
        cells = []
        for c in curves:
            pairs = list(zip(c.y, c.x))
            y, x = pick(pairs)
            cells.append(f'{_num(y)} @{_num(x)}')
        rows.append([name] + cells)
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    lines = [f'validation {metric}'] + [
        '  '.join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in [head] + rows]
    lines.insert(2, '  '.join('-' * w for w in widths))
    return '\n'.join(lines)


def plot(curves: Sequence[Curve], metric: str, out: str) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for c in curves:
        ax.plot(c.x, c.y, marker='o', markersize=3, label=c.label)
    ax.set_xlabel(curves[0].unit)
    ax.set_ylabel(metric)
    ax.set_title(f'Validation {metric}')
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=150)
    plt.close(fig)


def collect(paths: Sequence[str], metric: str, labels: Optional[Sequence[str]] = None,
            iters_per_epoch: Optional[Sequence[float]] = None,
            merge_runs: bool = False) -> List[Curve]:
    if labels and len(labels) != len(paths):
        raise ConvergenceError(f'{len(labels)} labels for {len(paths)} runs.')
    ipe: Sequence[Optional[float]] = iters_per_epoch or [None]
    if len(ipe) not in (1, len(paths)):
        raise ConvergenceError(f'--iters-per-epoch takes one value or one per run ({len(paths)}).')
    ipe = list(ipe) * len(paths) if len(ipe) == 1 else ipe
    curves = [load_curve(p, metric, labels[i] if labels else default_label(p), ipe[i],
                         merge_runs) for i, p in enumerate(paths)]
    units = {c.unit for c in curves}
    if len(units) > 1:
        got = ', '.join(f'{c.label}: {c.unit}' for c in curves)
        raise ConvergenceError(f'the runs have different x axes ({got}); pass --iters-per-epoch '
                               '(one value per run) to put them all in epochs.')
    return curves


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('runs', nargs='+', metavar='WORK_DIR',
                   help='work dir (latest run), <timestamp> dir or scalars.json')
    p.add_argument('--labels', nargs='+', help='legend names, one per run (default: dir names)')
    p.add_argument('--metric', default='mDice', help='validation metric (default: mDice)')
    p.add_argument('--iters-per-epoch', nargs='+', type=float,
                   help='turn iteration steps into epochs (one value, or one per run)')
    p.add_argument('--merge-runs', action='store_true',
                   help='join all runs of a work dir (a resumed training), not only the latest')
    p.add_argument('--out', help='PNG to write (default: convergence_<metric>.png)')
    return p.parse_args(argv)


def main(argv=None) -> List[Curve]:
    args = parse_args(argv)
    out = args.out or f"convergence_{re.sub(r'[^A-Za-z0-9_.-]', '_', args.metric)}.png"
    try:
        curves = collect(args.runs, args.metric, args.labels, args.iters_per_epoch,
                         args.merge_runs)
    except ConvergenceError as e:
        sys.exit(f'plot_convergence: error: {e}')
    for c in curves:
        print(f'{c.label}: {c.source} ({len(c.x)} values)')
    print(table(curves, args.metric))
    plot(curves, args.metric, out)
    print(f'saved {out}')
    return curves


if __name__ == '__main__':
    main()
