from .base_prompt_source import BasePromptSource, PromptBatch
from .data_sample_prompt import DataSamplePrompt
from .grid_point_prompt import GridPointPrompt
from .gt_box_prompt import GTBoxPrompt

__all__ = ['BasePromptSource', 'PromptBatch', 'DataSamplePrompt', 'GridPointPrompt', 'GTBoxPrompt']
