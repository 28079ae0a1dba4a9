"""Reproduce a paper's table: every config x shots x seed it needs, trained and tested, then
written beside the paper's numbers (table.md / table.csv / table.png).

    python tools/reproduce.py --list                       # the tables
    python tools/reproduce.py --list am-sam-table2         # the runs of one table
    python tools/reproduce.py am-sam-table2 --sam-checkpoint sam_vit_b_01ec64.pth \\
        [--detector-checkpoint yolox_s.pth] [--clip-checkpoint clip_text.pth] \\
        [--data-root tiktok_dancing=/data/tiktok ...] [--settings my.yaml] [--work-dir DIR]
    python tools/reproduce.py am-sam-table2 ssprompt-table6 --dry-run   # tiny, CPU, minutes

Finished runs are skipped when the command is run again; see docs/reproduce.md.
"""
import sys
import warnings

# mmengine imports pkg_resources, which setuptools (pinned <81 for mmcv's build) flags
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

from mmsam_prompt.tools.reproduce import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
