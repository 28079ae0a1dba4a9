"""mmsam_prompt: few-shot prompt learning for Segment Anything as an MMSegmentation plugin.

Importing the package registers its models, datasets, transforms and engine parts in mmseg's
registries (``custom_imports = dict(imports=['mmsam_prompt'])``).
"""
from . import datasets, engine, evaluation, models, utils, visualization  # noqa: F401

__version__ = '0.1.0'
