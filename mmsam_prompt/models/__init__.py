from .adapters import *  # noqa: F401,F403
from .backbones import *  # noqa: F401,F403
from .decode_heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .prompt_learners import *  # noqa: F401,F403
from .prompt_sources import *  # noqa: F401,F403
from .sam import *  # noqa: F401,F403
from .segmentors import *  # noqa: F401,F403
