from .sam_head import SAMHead

__all__ = ['SAMHead']
