"""Reading any torch file with ``weights_only=True`` and one-line errors (SAM checkpoints,
detector checkpoints, cache entries): shared by the model and the data side."""
import os
import re
from typing import Any, Type

import torch


def load_weights_only(path: str, error: Type[Exception], what: str, resave: str,
                      unreadable: str) -> Any:
    """``torch.load(path, weights_only=True)`` on the CPU, with one-line errors.

    A file holding Python objects that ``weights_only`` refuses raises ``error`` naming the
    object and the fix ``resave``; a file torch cannot read (truncated, corrupt) raises ``error``
    with its size and the fix ``unreadable``. ``what`` names the file ('SAM checkpoint', ...).
    """
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:  # zip reader / unpickler errors
        text = str(e)
        msg = text.splitlines()[0] if text else type(e).__name__
        if 'Weights only load failed' in text or 'Unsupported global' in text:
            found = re.search(r'Unsupported global: GLOBAL (\S+)', text)
            obj = found.group(1) if found else 'an object that is not a tensor'
            raise error(f'{what} {path!r} holds Python objects that are not allowed with '
                        f'weights_only=True (e.g. {obj}). {resave}') from None
        raise error(f'{what} {path!r} ({os.stat(path).st_size:,} bytes) is truncated or corrupt '
                    f'and cannot be read ({msg}). {unreadable}') from None
