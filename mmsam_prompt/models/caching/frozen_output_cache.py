"""Memoise what a frozen part of the model computes from each image.

SAM's image encoder is frozen while prompts (and small adapters) train; re-encoding the same k
images every step costs ~99% of the time (vit-b: ~14 s per 1024² image on a CPU against ~45 ms
for the mask decoder). This cache encodes each distinct input once.

Stale outputs are impossible by construction: the key of a sample is a hash of
 * its network input (after resize, flip, normalisation and padding: the geometric transform is
   part of the content, so both orientations of a flipped image are cached), and
 * the weights of the cached modules (re-hashed whenever any parameter or buffer changes in
   place, which torch tracks with version counters; ``load_state_dict`` and optimiser steps both
   count).
A module with trainable parameters (e.g. LoRA inside the encoder, as SAMed does) switches the cache
off, with one log line; so does ``EmbeddingCacheHook`` when the training pipeline holds a
transform that changes pixels randomly (photometric augmentation).
"""
import hashlib
import logging
import os
import os.path as osp
from collections import OrderedDict
from typing import Any, Callable, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log


def _tensor_bytes(t: torch.Tensor) -> memoryview:
    """The tensor's bytes without a copy (a CPU, contiguous tensor is viewed in place)."""
    t = t.detach().reshape(-1).contiguous().cpu()  # 0-d tensors have no byte view
    return memoryview(t.view(torch.uint8).numpy()) if t.numel() else memoryview(b'')


class FrozenOutputCache:
    """Per-sample memo of ``fn(inputs)`` for frozen ``modules``.

    Args:
        enabled: start switched on.
        fp16: store floating outputs in float16 (half the memory; outputs then differ from a
            fresh pass by float16 rounding).
        max_bytes: memory budget of the in-memory store; least recently used entries go first.
        disk_dir: also keep entries as ``<key>.pt`` files there (written to a temporary file and
            renamed; read back with ``weights_only=True``; an entry that cannot be read, cut off or
            refused, is removed and recomputed, logged once); ``EmbeddingCacheHook(on_disk=True)``
            points it into the work dir.
    """

    def __init__(self, enabled: bool = True, fp16: bool = False, max_bytes: int = 4 << 30,
                 disk_dir: Optional[str] = None, name: str = 'embedding cache') -> None:
        self.enabled = enabled
        self.fp16 = fp16
        self.max_bytes = max_bytes
        self.disk_dir = disk_dir
        self.name = name
        self.store: 'OrderedDict[str, Any]' = OrderedDict()
        self.nbytes = 0
        self.hits = self.misses = 0
        self.discarded = 0  # unreadable on-disk entries removed and recomputed
        self._weights_version: Optional[tuple] = None
        self._weights_hash = ''
        self._said_off = False
        #: part of every key besides input and weights: how the output is computed (e.g. the
        #: segmentor's 'autocast=bf16'), so outputs of another precision are never mixed in
        self.salt = ''


    # -- switching ---------------------------------------------------------------------------
    def disable(self, reason: str) -> None:
        if self.enabled:
            print_log(f'{self.name} off: {reason}', logger='current', level=logging.WARNING)
        self.enabled = False
        self.clear()

    def clear(self) -> None:
        self.store.clear()
        self.nbytes = 0

    def usable(self, modules: Sequence[nn.Module]) -> bool:
        if not self.enabled:
            return False
        trainable = [n for m in modules for n, p in m.named_parameters() if p.requires_grad]
        if trainable:
            if not self._said_off:
                print_log(f'{self.name} off: the cached part has trainable parameters '
                          f'(e.g. {trainable[0]}), so its output changes every step.',
                          logger='current', level=logging.WARNING)
                self._said_off = True
            return False
        return True

    # -- keys --------------------------------------------------------------------------------
    def weights_hash(self, modules: Sequence[nn.Module]) -> str:
        tensors = [t for m in modules for t in list(m.parameters()) + list(m.buffers())]
        version = tuple((id(t), t._version) for t in tensors)
        if version != self._weights_version:
            h = hashlib.sha256()
            for t in tensors:
                h.update(str((tuple(t.shape), t.dtype)).encode())
                h.update(_tensor_bytes(t))
            self._weights_version, self._weights_hash = version, h.hexdigest()
        return self._weights_hash

    def keys(self, modules: Sequence[nn.Module], inputs: torch.Tensor) -> List[str]:
        w = self.weights_hash(modules)
        keys = []
        for x in inputs:
            h = hashlib.sha256((w + self.salt).encode())
            h.update(str((tuple(x.shape), x.dtype)).encode())
            h.update(_tensor_bytes(x))
            keys.append(h.hexdigest())
        return keys

    # -- storage -----------------------------------------------------------------------------
    def _pack(self, out: Any) -> Any:
        if isinstance(out, torch.Tensor):
            out = out.detach().clone()
            return out.half() if self.fp16 and out.is_floating_point() else out
        if isinstance(out, (tuple, list)):
            return type(out)(self._pack(o) for o in out)
        return out

    def _unpack(self, out: Any, like: Optional[torch.Tensor]) -> Any:
        if isinstance(out, torch.Tensor):
            dtype = like.dtype if (like is not None and out.is_floating_point()) else out.dtype
            device = like.device if like is not None else out.device
            return out.to(device=device, dtype=dtype)
        if isinstance(out, (tuple, list)):
            return type(out)(self._unpack(o, like) for o in out)
        return out

    @staticmethod
    def _size(out: Any) -> int:
        if isinstance(out, torch.Tensor):
            return out.numel() * out.element_size()
        if isinstance(out, (tuple, list)):
            return sum(FrozenOutputCache._size(o) for o in out)
        return 0

    def _get(self, key: str) -> Any:
        if key in self.store:
            self.store.move_to_end(key)
            return self.store[key]
        if self.disk_dir:
            path = osp.join(self.disk_dir, key + '.pt')
            if osp.isfile(path):
                try:
                    value = torch.load(path, map_location='cpu', weights_only=True)
                except Exception as e:  # noqa: BLE001  (cut off, corrupt or refused pickle)
                    self._discard(path, e)
                    return None
                self._put(key, value, write=False)
                return value
        return None

    def _discard(self, path: str, error: Exception) -> None:
        """Remove an on-disk entry that cannot be read (it is recomputed); logged once."""
        try:
            os.remove(path)
        except OSError:
            pass
        self.discarded += 1
        if self.discarded == 1:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            print_log(f'{self.name}: discarded the unreadable entry {path} ({reason}); it is '
                      'recomputed (later ones are counted in the statistics).',
                      logger='current', level=logging.WARNING)

    def _put(self, key: str, value: Any, write: bool = True) -> None:
        if write and self.disk_dir:
            os.makedirs(self.disk_dir, exist_ok=True)
            path = osp.join(self.disk_dir, key + '.pt')
            tmp = osp.join(self.disk_dir, f'.{key}.{os.getpid()}.part')
            torch.save(value, tmp)
            os.replace(tmp, path)  # a killed run never leaves a cut-off entry under the key
        self.store[key] = value
        self.nbytes += self._size(value)
        while self.nbytes > self.max_bytes and len(self.store) > 1:
            _, old = self.store.popitem(last=False)
            self.nbytes -= self._size(old)

    # -- use ---------------------------------------------------------------------------------
    def per_sample(self, modules: Sequence[nn.Module], inputs: torch.Tensor,
                   fn: Callable[[torch.Tensor], List[Any]]) -> List[Any]:
        """``fn`` maps a batch (B, ...) to a list of B per-sample outputs; run it only on the
        samples not seen before."""
        if not self.usable(modules):
            return fn(inputs)
        keys = self.keys(modules, inputs)
        found = [self._get(k) for k in keys]
        missing = [i for i, v in enumerate(found) if v is None]
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        if missing:
            index = torch.tensor(missing, device=inputs.device)
            fresh = fn(inputs.index_select(0, index) if len(missing) < len(keys) else inputs)
            for i, out in zip(missing, fresh):
                found[i] = out
                self._put(keys[i], self._pack(out))
            return [self._unpack(v, inputs) if i not in missing else v
                    for i, v in enumerate(found)]
        return [self._unpack(v, inputs) for v in found]

    def batched(self, modules: Sequence[nn.Module], inputs: torch.Tensor,
                fn: Callable[[torch.Tensor], Tuple[torch.Tensor, ...]]) -> Tuple[torch.Tensor, ...]:
        """As :meth:`per_sample` for an ``fn`` returning a tuple of batched tensors
        (a backbone's feature maps)."""

        def split(x):
            outs = fn(x)
            return [tuple(o[i] for o in outs) for i in range(x.shape[0])]

        samples = self.per_sample(modules, inputs, split)
        return tuple(torch.stack(level) for level in zip(*samples))

    def stats(self) -> str:
        total = self.hits + self.misses
        rate = 100.0 * self.hits / total if total else 0.0
        return (f'{self.name}: {len(self.store)} entries, {self.nbytes / 2**20:.1f} MiB, '
                f'{self.hits} hits / {self.misses} misses ({rate:.1f}% hits)'
                + (f', {self.discarded} unreadable disk entries recomputed'
                   if self.discarded else ''))
