"""Helpers for the benchmark tools: one process per measured mode, peak memory, medians."""
import json
import os
import resource
import subprocess
import sys
import threading
import time
from typing import Dict, List, Sequence


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    """Current resident memory of this process (MiB), from /proc."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


class RSSSampler:
    """Samples the resident memory every ``interval`` s inside a ``with`` block: ``peak``
    (MiB) and ``start``, the memory when the block began."""

    def __init__(self, interval: float = 0.002) -> None:
        self.interval = interval
        self.start = self.peak = 0.0
        self._stop = threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mib())
            time.sleep(self.interval)

    def __enter__(self) -> 'RSSSampler':
        self.start = self.peak = rss_mib()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib())


def median(xs: Sequence[float]) -> float:
    return sorted(xs)[len(xs) // 2]


def emit(result: dict) -> None:
    """Print a mode's result for :func:`run_modes` to pick up."""
    print('RESULT ' + json.dumps(result), flush=True)


def run_modes(script: str, modes: Sequence[str], args: List[str]) -> Dict[str, dict]:
    """Run ``script --mode M *args`` in a fresh process per mode (so each peak memory is its
    own) and collect what each printed with :func:`emit`."""
    results = {}
    for mode in modes:
        print(f'running {mode} ...', flush=True)
        proc = subprocess.run([sys.executable, script, '--mode', mode, *args],
                              capture_output=True, text=True, env=dict(os.environ))
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT ')]
        if proc.returncode or not lines:
            sys.exit(f'{mode} failed:\n' + proc.stdout[-3000:] + proc.stderr[-3000:])
        results[mode] = json.loads(lines[-1][len('RESULT '):])
    return results
