"""Error reporting of the command-line tools: known errors as one line, ``--debug`` for tracebacks.

:func:`run_cli` runs a tool's ``main(argv)``. An error that names its own problem and fix is
printed as ``error: <one line>`` on stderr and the tool exits with status 1:

* the project's errors (:class:`~mmsam_prompt.utils.errors.MMSAMError` and its subclasses),
* ``ValueError`` / ``TypeError`` / ``RuntimeError`` raised by this package's own code (its
  config checks), also when mmengine's registry re-raises them while building a component,
* OS errors (work dir not writable, disk full, file missing), with the fix for the errno,
* checkpoints that ``torch.load(weights_only=True)`` refuses or cannot read.

Anything else is a bug and keeps its traceback. ``--debug`` (or ``MMSAM_DEBUG=1``) always shows
the traceback.
"""
import errno
import os
import os.path as osp
import pickle
import sys
from typing import Callable, List, Optional, Sequence

from .errors import MMSAMError

DEBUG_ENV = 'MMSAM_DEBUG'
_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
_TOOLS_DIR = osp.join(osp.dirname(_PACKAGE_DIR), 'tools')

_OS_FIXES = {
    errno.ENOSPC: 'no space left on the device: free some space or choose another --work-dir',
    errno.EROFS: 'the file system is read-only: choose another --work-dir',
    errno.EACCES: 'permission denied: fix the permissions or choose another --work-dir',
    errno.EPERM: 'permission denied: fix the permissions or choose another --work-dir',
    errno.ENOTDIR: 'a part of the path is a file, not a directory: choose another path',
    errno.ENOENT: 'no such file or directory: check the path',
    errno.EDQUOT: 'disk quota exceeded: free some space or choose another --work-dir',
}


def _chain(exc: BaseException) -> List[BaseException]:
    """``exc`` and the exceptions it was raised from or while handling, outermost first."""
    out: List[BaseException] = []
    while exc is not None and all(exc is not e for e in out):
        out.append(exc)
        exc = exc.__cause__ or exc.__context__
    return out


def _raised_in_package(exc: BaseException) -> bool:
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    path = osp.abspath(tb.tb_frame.f_code.co_filename)
    return path.startswith(_PACKAGE_DIR + os.sep) or path.startswith(_TOOLS_DIR + os.sep)


def _one_line(text: str) -> str:
    return ' '.join(str(text).split())


def _os_error(e: OSError) -> str:
    what = e.strerror or str(e)
    where = f'{e.filename}: ' if e.filename else ''
    fix = _OS_FIXES.get(e.errno)
    return _one_line(f'{where}{what}' + (f' ({fix})' if fix else ''))


def one_line_error(exc: BaseException) -> Optional[str]:
    """The one-line message for a known error, or None for anything else (a bug)."""
    chain = _chain(exc)
    ours = [e for e in chain if isinstance(e, MMSAMError)]
    if ours:  # the innermost: mmengine's registry prefixes the outer copies
        return _one_line(ours[-1])
    for e in reversed(chain):
        if isinstance(e, (ValueError, TypeError, RuntimeError)) and _raised_in_package(e):
            return _one_line(e)
    for e in chain:
        if isinstance(e, pickle.UnpicklingError):
            detail = [line for line in str(e).splitlines() if 'Unsupported global' in line]
            return _one_line(
                'a checkpoint holds Python objects that torch.load(weights_only=True) refuses '
                f"to unpickle{' (' + detail[0].strip() + ')' if detail else ''}: it was not "
                'written by this package or has been altered. Use a checkpoint written by '
                'tools/train.py or an official SAM file.')
        if isinstance(e, RuntimeError) and 'PytorchStreamReader' in str(e):
            return _one_line('a checkpoint file is truncated or corrupt '
                             f'({str(e).splitlines()[0]}); use another checkpoint.')
        if isinstance(e, OSError):
            return _os_error(e)
    return None


def run_cli(main: Callable[[Optional[Sequence[str]]], object],
            argv: Optional[Sequence[str]] = None) -> int:
    """Run ``main(argv)``; return the exit status (0, or 1 after a known error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = '--debug' in argv or os.environ.get(DEBUG_ENV, '') not in ('', '0')
    try:
        main(argv)
    except Exception as exc:  # noqa: BLE001  (known errors become one line, others re-raise)
        msg = None if debug else one_line_error(exc)
        if msg is None:
            raise
        print(f'error: {msg}  [--debug shows the traceback]', file=sys.stderr, flush=True)
        return 1
    return 0
