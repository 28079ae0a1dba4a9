from .config import load_config
from .errors import (CheckpointError, ConfigMismatchError, DataError, MissingPromptInputError,
                     MMSAMError, NonFiniteLossError)

__all__ = ['load_config', 'CheckpointError', 'ConfigMismatchError', 'DataError',
           'MissingPromptInputError', 'MMSAMError', 'NonFiniteLossError']
