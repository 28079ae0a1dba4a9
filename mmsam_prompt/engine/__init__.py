from .hooks import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
from .schedulers import *  # noqa: F401,F403
from .safe_checkpoint import allow_mmengine_checkpoint_objects

allow_mmengine_checkpoint_objects()

__all__ = ['allow_mmengine_checkpoint_objects']
