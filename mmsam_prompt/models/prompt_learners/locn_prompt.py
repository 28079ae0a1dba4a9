"""LOCN ("Learning to Name Classes for Vision and Language Models") as a semantic prompt source
for SSPrompt: learnable class-name token embeddings inside a fixed hand-written template."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmseg.registry import MODELS

from ..prompt_common.text import LearnedTextPrompt, encode_words, sequence_ids


@MODELS.register_module()
class LOCNPrompt(LearnedTextPrompt):
    """K semantic tokens from ``template.format(name)`` through the frozen CLIP text transformer
    on every forward; only the class-name token embeddings learn, each initialised from that
    name's own token embeddings.

    Names have different token counts: the learnable embeddings of all names are stored
    concatenated in class order, ``name_embeddings`` (S, D) with S = sum of ``name_lengths``,
    so every row is used (:meth:`name_tokens` gives one class's rows). At initialisation the
    features equal CLIP's for the plain sentence (zero-shot CLIP with one template).

    A drop-in alternative to :class:`SemPrompt` in ``SSPrompt(semantic=...)``; see
    :class:`LearnedTextPrompt` for the mapping to SAM's prompt space.

    Args:
        class_names: the K classes, in the data set's order.
        template: fixed text with one '{}' for the class name.
        text_encoder: overrides for ``CLIPTextEncoder``; text_checkpoint: its weights.

    Shapes: name_embeddings (S, D); forward(ctx) -> (K, 256).
    """

    def __init__(self, class_names: Sequence[str], template: str = 'a photo of a {}.',
                 text_encoder: dict = dict(), text_checkpoint: Optional[str] = None,
                 seed: int = 0, **kwargs) -> None:
        super().__init__(class_names, text_encoder, text_checkpoint, seed, **kwargs)
        if template.count('{}') != 1:
            raise ValueError(f'template needs exactly one {{}} for the class name: {template!r}.')
        before, after = (encode_words(t) for t in template.split('{}'))
        names = [encode_words(name) for name in self.class_names]
        if not all(names):
            raise ValueError('LOCNPrompt: a class name has no tokens.')
        seqs = [sequence_ids(before, ids, after, self.context_length, name)
                for name, ids in zip(self.class_names, names)]
        self.set_sequences(torch.stack([s[0] for s in seqs]), torch.stack([s[1] for s in seqs]))
        self.name_lengths = tuple(len(ids) for ids in names)
        self.name_embeddings = nn.Parameter(
            self.word_embeddings([i for ids in names for i in ids]).clone())

    def name_tokens(self, k: int) -> torch.Tensor:
        """(n_k, D) the learned embeddings of class k's name."""
        start = sum(self.name_lengths[:k])
        return self.name_embeddings[start:start + self.name_lengths[k]]

    def learned_tokens(self) -> torch.Tensor:
        """(S, D): the names' embeddings, class after class."""
        return self.name_embeddings
