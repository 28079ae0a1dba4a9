"""``--launcher pytorch`` on machines without a GPU (``tools/dist_train.sh`` on a CPU)."""
from datetime import timedelta

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def prepare_cpu_distributed(cfg: Config) -> bool:
    """On a machine without CUDA, start torchrun's process group with gloo and let mmengine wrap
    the model in DDP without ``device_ids``; return True if it did.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` (no NVIDIA driver: an error), and it
    gives DDP ``device_ids=[LOCAL_RANK]`` unless ``model_wrapper_cfg`` names them, which DDP
    refuses for CPU modules. The runner skips ``init_dist`` when a process group exists, and
    builds ``model_wrapper_cfg`` (here with ``device_ids=None``) when the config has one, so
    nothing of mmengine is patched. With a GPU nothing changes.
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return False
    if not torch_dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout', 1800)
        torch_dist.init_process_group(backend='gloo', timeout=timedelta(seconds=timeout))
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    return True
