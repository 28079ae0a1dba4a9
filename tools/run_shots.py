"""Few-shot sweep: train + test a config for each shot count x seed, then tabulate and plot.

    python tools/run_shots.py CONFIG --work-dir DIR [--shots 4 8 16] [--seeds 0 1 2]
                              [--cfg-options k=v ...] [--verbose]

Writes DIR/shots{K}_seed{S}/ per run (finished runs, those with a metrics.json, are skipped when
the command is run again), and DIR/results.csv, summary.csv, summary.md, metric_vs_shots.png.
"""
import argparse
import shlex
import sys
import warnings

# mmengine imports pkg_resources, which setuptools (pinned <81 for mmcv's build) flags
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

from mmengine.config import DictAction  # noqa: E402

from mmsam_prompt.tools.shots_sweep import sweep, write_reports  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train + test a config over shots x seeds')
    parser.add_argument('config', help='config whose train_dataloader.dataset is a KShotDataset')
    parser.add_argument('--work-dir', required=True, help='sweep directory (one subdir per run)')
    parser.add_argument('--shots', type=int, nargs='+', default=[4, 8, 16], help='shot counts')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2], help='seeds')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value pairs')
    parser.add_argument('--verbose', action='store_true',
                        help="show mmengine's log on the console (always in each run's log file)")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    rows = sweep(args.config, args.work_dir, args.shots, args.seeds, args.cfg_options,
                 quiet=not args.verbose)
    given = sys.argv[1:] if argv is None else argv
    command = shlex.join(['python', 'tools/run_shots.py', *given])
    paths = write_reports(rows, args.work_dir, command)
    with open(paths['summary.md']) as f:
        print(f.read())
    print('written: ' + ', '.join(paths.values()))


if __name__ == '__main__':
    main()
