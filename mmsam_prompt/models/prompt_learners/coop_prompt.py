"""CoOp (Zhou et al., "Learning to Prompt for Vision-Language Models", IJCV 2022) as a semantic
prompt source for SSPrompt: learnable context tokens shared by all classes."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmseg.registry import MODELS

from ..prompt_common.text import LearnedTextPrompt, encode_words, sequence_ids


@MODELS.register_module()
class CoOpPrompt(LearnedTextPrompt):
    """K semantic tokens from ``[SOS, ctx_1..ctx_M, class-name tokens, '.', EOS]`` through the
    frozen CLIP text transformer on every forward; only the M context embeddings learn.

    Context initialisation: the last min(M, n) context vectors are the token embeddings of
    ``context_init`` (n tokens; "a photo of a" is 4), so the words sit right before the class
    name; the remaining leading vectors are N(0, 0.02) (CoOp's random initialisation, seeded).
    ``context_init=None`` makes all M random.

    A drop-in alternative to :class:`SemPrompt` in ``SSPrompt(semantic=...)``; see
    :class:`LearnedTextPrompt` for the mapping to SAM's prompt space.

    Args:
        class_names: the K classes, in the data set's order.
        num_context: M.
        context_init: words whose embeddings initialise the last context vectors, or None.
        text_encoder: overrides for ``CLIPTextEncoder``; text_checkpoint: its weights.

    Shapes: context (M, D); forward(ctx) -> (K, 256).
    """

    def __init__(self, class_names: Sequence[str], num_context: int = 16,
                 context_init: Optional[str] = 'a photo of a', text_encoder: dict = dict(),
                 text_checkpoint: Optional[str] = None, seed: int = 0, **kwargs) -> None:
        super().__init__(class_names, text_encoder, text_checkpoint, seed, **kwargs)
        if num_context < 1:
            raise ValueError(f'num_context must be positive, got {num_context}.')
        seqs = [sequence_ids([], [0] * num_context, encode_words(f'{name}.'),
                             self.context_length, name) for name in self.class_names]
        self.set_sequences(torch.stack([s[0] for s in seqs]), torch.stack([s[1] for s in seqs]))
        dims = self.text_encoder.token_embedding.embedding_dim
        g = torch.Generator().manual_seed(seed + 1)  # not the stream of the random text encoder
        context = torch.randn(num_context, dims, generator=g) * 0.02
        words = encode_words(context_init or '')[-num_context:]
        if words:
            context[num_context - len(words):] = self.word_embeddings(words).cpu()
        self.context = nn.Parameter(context)

    def learned_tokens(self) -> torch.Tensor:
        """(K * M, D): the shared context, once per class."""
        return self.context.repeat(len(self.class_names), 1)
