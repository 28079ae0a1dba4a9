from .base_prompt_source import BasePromptSource, PromptBatch
from .coop_prompt import CoOpPrompt
from .data_sample_prompt import DataSamplePrompt
from .default_prompt import DefaultPrompt
from .detector_box_prompt import DetectorBoxPrompt
from .grid_point_prompt import GridPointPrompt
from .gt_box_prompt import GTBoxPrompt
from .learned_embedding_prompt import LearnedEmbeddingPrompt
from .locn_prompt import LOCNPrompt
from .prompt_fusion import PromptFusion
from .sem_prompt import SemPrompt
from .spa_prompt import SpaPrompt
from .ssprompt import SSPrompt
from .vspl_prompt import VSPLPrompt

__all__ = [
    'BasePromptSource', 'PromptBatch', 'CoOpPrompt', 'DataSamplePrompt', 'DefaultPrompt',
    'DetectorBoxPrompt', 'GridPointPrompt', 'GTBoxPrompt', 'LearnedEmbeddingPrompt', 'LOCNPrompt',
    'PromptFusion', 'SemPrompt', 'SpaPrompt', 'SSPrompt', 'VSPLPrompt'
]
