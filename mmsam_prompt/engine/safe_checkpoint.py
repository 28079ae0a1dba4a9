"""Let mmengine's own checkpoints load with ``torch.load(weights_only=True)``.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True`` and refuses to unpickle any
global it has not been told is safe, so mmengine 0.10.7's ``--resume`` fails (mmengine issue
#1655). Its checkpoints hold the ``MessageHub`` state, whose ``HistoryBuffer`` objects carry numpy
arrays and, through ``HistoryBuffer.__getstate__``, the *class-level* table of statistic functions,
pickled as ``getattr(HistoryBuffer, 'min')``. Allowing ``getattr`` would let a checkpoint call
methods of any allowed object, so instead of turning ``weights_only`` off we:

1. stop pickling that table (it is class state: every process rebuilds it when mmengine, and any
   code registering custom statistics, is imported; ``__setstate__`` already handles its
   absence), and
2. allow-list the plain-data classes left: ``HistoryBuffer`` and numpy arrays / dtypes / scalars.

Checkpoints written by plain mmengine before this fix still need ``getattr`` and are refused by
``weights_only=True``; re-save them with this package imported.
"""
import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

try:  # numpy 2 names the module numpy._core.multiarray
    from numpy._core.multiarray import _reconstruct, scalar
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import _reconstruct, scalar

_NUMPY_TYPES = (np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8,
                np.uint8, np.bool_)


def _history_buffer_state(self: HistoryBuffer) -> dict:
    """Instance data only (logged values, counts, max length)."""
    state = dict(self.__dict__)
    state.pop('statistics_methods', None)
    return state


def mmengine_checkpoint_globals() -> list:
    """The classes and functions (beyond tensors and builtins) an mmengine checkpoint pickles."""
    dtypes = [type(np.dtype(t)) for t in _NUMPY_TYPES]
    return [HistoryBuffer, _reconstruct, scalar, np.ndarray, np.dtype, *dtypes]


def allow_mmengine_checkpoint_objects() -> None:
    """Make checkpoints written from now on loadable with ``weights_only=True`` (see above)."""
    HistoryBuffer.__getstate__ = _history_buffer_state
    torch.serialization.add_safe_globals(mmengine_checkpoint_globals())
