"""Few-shot sweeps: train + test one config over shot counts x seeds and tabulate the results.

Each run lives in ``WORK_DIR/shots{K}_seed{S}``; its ``metrics.json`` marks it finished, so a
sweep started again skips finished runs (and an unfinished run resumes from its last checkpoint).
"""
import contextlib
import csv
import dataclasses
import gc
import io
import json
import logging
import math
import os
import os.path as osp
import statistics
import warnings
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from mmengine.config import Config
from mmengine.logging import print_log

from ..datasets.kshot_dataset import find_kshot_cfg
from ..utils import load_config

METRICS = ('mDice', 'mIoU')
RESULT_FIELDS = ('shots', 'seed', 'mIoU', 'mDice', 'aAcc', 'work_dir')
KSHOT_FIX = ("wrap the training set in a KShotDataset, e.g. train_dataloader = dict(dataset=dict("
             "_delete_=True, type='KShotDataset', shots=16, seed=0, dataset=<the training set>)); "
             "see configs/sam/sam_tiny_gt-box_vikram-human.py")


def run_name(shots: int, seed: int) -> str:
    return f'shots{shots}_seed{seed}'


def run_config(config: str, cfg_options: Optional[dict], shots: int, seed: int,
               work_dir: str, experiment_name: Optional[str] = None) -> Config:
    """The config of one run: k-shot size and seed, global seed, its own work dir.

    The validation set gets the same k and seed when it is a ``KShotDataset`` too: bi-level
    configs draw D1 (training) and D2 (validation) as the two halves of one draw, so both must
    come from the same (k, seed) or D2 would overlap D1.
    """
    cfg = load_config(config, cfg_options, work_dir)
    if shots == 0:  # zero-shot: a test-only config, nothing drawn, nothing trained
        if cfg.get('train_dataloader') is not None:
            raise ValueError(f'{config}: shots=0 (zero-shot) needs a test-only config '
                             '(train_dataloader = None), this one trains.')
    else:
        kshot = find_kshot_cfg((cfg.get('train_dataloader') or {}).get('dataset'))
        if kshot is None:
            raise ValueError(f'{config}: no KShotDataset in train_dataloader.dataset, so there '
                             f'is no shot count to sweep; {KSHOT_FIX}.')
        kshot.shots, kshot.seed = shots, seed
        val_kshot = find_kshot_cfg((cfg.get('val_dataloader') or {}).get('dataset'))
        if val_kshot is not None:
            val_kshot.shots, val_kshot.seed = shots, seed
    cfg.randomness = dict(cfg.get('randomness') or {}, seed=seed)
    # mmengine keeps one logger / visualizer per name: give each run its own (name + timestamp)
    cfg.experiment_name = experiment_name or run_name(shots, seed)
    if cfg.get('visualizer'):
        cfg.visualizer.pop('name', None)
    # an interrupted run continues from its latest checkpoint
    cfg.resume = osp.isfile(osp.join(work_dir, 'last_checkpoint'))
    return cfg


class _Discard(io.TextIOBase):
    """A stream that drops what is written (mmengine's console log while the bar runs)."""

    def write(self, s: str) -> int:
        return len(s)


def _log_warning(message: Warning, category: type, filename: str, lineno: int, *args) -> None:
    print_log(f'{category.__name__}: {message} ({filename}:{lineno})', logger='current',
              level=logging.WARNING)


@contextlib.contextmanager
def _console_to_log_file() -> Iterator[None]:
    """Keep mmengine's console output and Python warnings off the terminal (the run's log file
    still gets both)."""
    with contextlib.redirect_stdout(_Discard()), warnings.catch_warnings():
        warnings.showwarning = _log_warning
        yield


def train_and_test(cfg: Config, quiet: bool = True) -> Dict[str, float]:
    """Train with ``Runner.from_cfg(cfg)``, then test the trained model; return the metrics.
    A config without ``train_dataloader`` (zero-shot) is only tested.

    ``quiet``: mmengine's console log and warnings go to the run's log file only.
    """
    from mmengine.runner import Runner

    with _console_to_log_file() if quiet else contextlib.nullcontext():
        runner = Runner.from_cfg(cfg)
        if cfg.get('train_dataloader') is not None:  # else a zero-shot (test-only) config
            runner.train()
        metrics = runner.test()
    del runner
    gc.collect()
    return {k: float(v) for k, v in metrics.items()}


def iter_runs(shots: Sequence[int], seeds: Sequence[int]) -> Iterator[Tuple[int, int]]:
    """(shots, seed) pairs in sweep order, duplicates dropped."""
    return ((k, s) for k in dict.fromkeys(shots) for s in dict.fromkeys(seeds))


@dataclasses.dataclass
class SweepRun:
    """One train + test run: ``config`` at ``shots`` / ``seed`` in ``work_dir``.

    ``name`` is how messages call it (default ``shots{K}_seed{S}``); its ``metrics.json`` in
    ``work_dir`` marks it finished.
    """
    config: str
    shots: int
    seed: int
    work_dir: str
    cfg_options: Optional[dict] = None
    name: str = ''

    def __post_init__(self) -> None:
        self.name = self.name or run_name(self.shots, self.seed)

    @property
    def metrics_file(self) -> str:
        return osp.join(self.work_dir, 'metrics.json')

    @property
    def finished(self) -> bool:
        return osp.isfile(self.metrics_file)

    def read_row(self) -> dict:
        with open(self.metrics_file) as f:
            return json.load(f)


BAR_FORMAT = '{desc}{n_fmt}/{total_fmt} runs [{elapsed} elapsed, ETA {remaining}]{postfix}'


def run_all(runs: Sequence[SweepRun], quiet: bool = True) -> List[dict]:
    """Train + test every run not finished yet, one progress bar (with ETA) over all of them;
    return one row per run (``shots``, ``seed``, the test metrics, ``work_dir``), in order.

    Finished runs are read back, not run again; an unfinished one resumes from its last
    checkpoint (see :func:`run_config`).
    """
    from tqdm import tqdm

    rows: Dict[int, dict] = {}
    for i, r in enumerate(runs):
        if r.finished:
            rows[i] = r.read_row()
            print(f'skip {r.name}: finished ({r.metrics_file} exists)')
    pending = [i for i in range(len(runs)) if i not in rows]
    with tqdm(total=len(pending), unit='run', dynamic_ncols=True, disable=not pending,
              bar_format=BAR_FORMAT) as bar:
        for i in pending:
            r = runs[i]
            bar.set_description(r.name)
            try:
                cfg = run_config(r.config, r.cfg_options, r.shots, r.seed, r.work_dir,
                                 experiment_name=r.name.replace('/', '_'))
                metrics = train_and_test(cfg, quiet)
            except Exception:
                bar.write(f'{r.name} failed; its log is under {r.work_dir}')
                raise
            row = rows[i] = dict(shots=r.shots, seed=r.seed, **metrics, work_dir=r.work_dir)
            _write_json_atomic(r.metrics_file, row)
            bar.write(f'{r.name}: ' + ', '.join(
                f'{m}={row[m]:.2f}' for m in METRICS if m in row))
            bar.set_postfix(mDice=f"{row.get('mDice', math.nan):.2f}")
            bar.update()
    print(f'{len(pending)} run(s) trained, {len(runs) - len(pending)} skipped (already finished)')
    return [rows[i] for i in range(len(runs))]


def sweep(config: str, work_dir: str, shots: Sequence[int], seeds: Sequence[int],
          cfg_options: Optional[dict] = None, quiet: bool = True) -> List[dict]:
    """Run every (shots, seed) pair not finished yet, with a progress bar; one row per run."""
    run_config(config, cfg_options, shots[0], seeds[0], work_dir)  # fail early on a bad config
    return run_all([SweepRun(config, k, s, osp.join(work_dir, run_name(k, s)), cfg_options)
                    for k, s in iter_runs(shots, seeds)], quiet)


def _write_json_atomic(path: str, data: dict) -> None:
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)


def mean_std(values: Iterable[float]) -> Tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    values = list(values)
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def summarize(rows: Sequence[dict]) -> List[dict]:
    """Per shot count: number of runs and mean / std of each metric in :data:`METRICS`."""
    out = []
    for k in sorted({int(r['shots']) for r in rows}):
        group = [r for r in rows if int(r['shots']) == k]
        entry: dict = dict(shots=k, runs=len(group))
        for m in METRICS:
            entry[f'{m}_mean'], entry[f'{m}_std'] = mean_std(
                float(r.get(m, math.nan)) for r in group)
        out.append(entry)
    return out


def _write_csv(path: str, rows: Sequence[dict], fields: Sequence[str]) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(fields), extrasaction='ignore')
        writer.writeheader()
        writer.writerows(rows)


def summary_markdown(summary: Sequence[dict], command: Optional[str] = None) -> str:
    """A Markdown table: mean ± std of mDice and mIoU per shot count."""
    lines = ['| shots | runs | ' + ' | '.join(METRICS) + ' |',
             '|---:|---:|' + '---:|' * len(METRICS)]
    for e in summary:
        cells = [f"{e[f'{m}_mean']:.2f} ± {e[f'{m}_std']:.2f}" for m in METRICS]
        lines.append(f"| {e['shots']} | {e['runs']} | " + ' | '.join(cells) + ' |')
    text = '\n'.join(lines) + '\n\nmean ± sample std over seeds.\n'
    if command:
        text += f'\nCommand:\n\n```bash\n{command}\n```\n'
    return text


def plot_metric_vs_shots(rows: Sequence[dict], summary: Sequence[dict], path: str) -> None:
    """Mean ± std of each metric against shots (log2 axis), individual seeds as points."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullLocator

    fig = Figure(figsize=(5.5, 3.8))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    shots = [e['shots'] for e in summary]
    for m, color in zip(METRICS, ('tab:blue', 'tab:orange')):
        ax.errorbar(shots, [e[f'{m}_mean'] for e in summary], yerr=[e[f'{m}_std'] for e in summary],
                    color=color, marker='o', capsize=4, label=f'{m} (mean ± std)')
        # seeds drawn just right of their mean so the error bar does not hide them
        ax.scatter([r['shots'] * 1.06 for r in rows], [r.get(m, math.nan) for r in rows],
                   color=color, alpha=0.5, s=16, edgecolors='none', label=f'{m} (each seed)')
    ax.set_xscale('log', base=2)
    ax.set_xticks(shots, [str(k) for k in shots])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel('shots (labelled images)')
    ax.set_ylabel('metric (%)')
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def write_reports(rows: Sequence[dict], work_dir: str,
                  command: Optional[str] = None) -> Dict[str, str]:
    """Write results.csv, summary.csv, summary.md and metric_vs_shots.png; return their paths."""
    summary = summarize(rows)
    paths = {name: osp.join(work_dir, name) for name in
             ('results.csv', 'summary.csv', 'summary.md', 'metric_vs_shots.png')}
    _write_csv(paths['results.csv'], sorted(rows, key=lambda r: (r['shots'], r['seed'])),
               RESULT_FIELDS)
    _write_csv(paths['summary.csv'], [{k: round(v, 4) for k, v in e.items()} for e in summary],
               list(summary[0]))
    with open(paths['summary.md'], 'w') as f:
        f.write(summary_markdown(summary, command))
    plot_metric_vs_shots(rows, summary, paths['metric_vs_shots.png'])
    return paths
