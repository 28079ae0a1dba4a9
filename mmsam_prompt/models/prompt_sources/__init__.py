from .base import BasePromptSource, PromptBatch, PromptContext, PromptModule
from .data_sample_prompt import DataSamplePrompt
from .default_prompt import DefaultPrompt
from .grid_point_prompt import GridPointPrompt
from .gt_box_prompt import GTBoxPrompt
from .learned_embedding_prompt import LearnedEmbeddingPrompt
from .ssprompt import SSPrompt
from .ssprompt_per_class import SSPromptPerClass

__all__ = [
    'BasePromptSource', 'PromptBatch', 'PromptContext', 'PromptModule', 'DataSamplePrompt',
    'DefaultPrompt', 'GridPointPrompt', 'GTBoxPrompt', 'LearnedEmbeddingPrompt', 'SSPrompt',
    'SSPromptPerClass'
]
