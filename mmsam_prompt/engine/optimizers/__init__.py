from .bilevel_optim_wrapper import BiLevelOptimWrapper
from .bilevel_optim_wrapper_constructor import BiLevelOptimWrapperConstructor

__all__ = ['BiLevelOptimWrapper', 'BiLevelOptimWrapperConstructor']
