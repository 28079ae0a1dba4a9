"""Token learners: modules that return prompt *embeddings* (tokens), not prompt batches.

They follow rules 1 and 2 of the prompt-source contract (``prompt_sources/base.py``): built
complete in ``__init__`` from the head's build arguments (reading starting values from the
prompt encoder, keeping no reference to it), and called with the :class:`PromptContext`. A prompt
source that uses them (``SSPrompt``) builds them with ``build_part`` and turns their tokens
into prompts.
"""
import torch

from ..prompt_sources.base import PromptContext, PromptModule


class BasePromptLearner(PromptModule):
    """Base class: ``forward(ctx) -> (K, C)`` tokens (K prompts of SAM's embedding size C).

    SSPrompt's learners: spatial ones (SpaPrompt, VSPLPrompt) return (B, N, 256), N tokens per
    image (their defaults lie on each image's valid region); semantic ones (SemPrompt, CoOpPrompt,
    LOCNPrompt) return (K, D) embeddings in the text encoder's space and say D in ``embed_dim``.
    """

    def forward(self, ctx: PromptContext) -> torch.Tensor:
        raise NotImplementedError
