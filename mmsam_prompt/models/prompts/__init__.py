from .base_prompt_source import BasePromptSource, PromptBatch
from .data_sample_prompt import DataSamplePrompt
from .grid_point_prompt import GridPointPrompt
from .gt_box_prompt import GTBoxPrompt
from .prompt_fusion import PromptFusion
from .sem_prompt import SemPrompt
from .spa_prompt import SpaPrompt
from .ssprompt import SSPrompt

__all__ = [
    'BasePromptSource', 'PromptBatch', 'DataSamplePrompt', 'GridPointPrompt', 'GTBoxPrompt',
    'PromptFusion', 'SemPrompt', 'SpaPrompt', 'SSPrompt'
]
