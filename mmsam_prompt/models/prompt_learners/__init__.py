from .base import BasePromptLearner
from .coop_prompt import CoOpPrompt
from .locn_prompt import LOCNPrompt
from .sem_prompt import SemPrompt
from .spa_prompt import SpaPrompt
from .vspl_prompt import VSPLPrompt

__all__ = ['BasePromptLearner', 'CoOpPrompt', 'LOCNPrompt', 'SemPrompt', 'SpaPrompt', 'VSPLPrompt']
