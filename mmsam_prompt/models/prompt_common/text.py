"""CLIP's frozen text transformer run on given token embeddings, and the common base of the
text-side prompt-learning baselines (CoOp, LOCN) that learn some of those embeddings."""
import logging
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.runner.checkpoint import load_checkpoint
from mmseg.models.text_encoder import CLIPTextEncoder
from mmseg.registry import MODELS
from mmseg.utils import tokenizer

from ..prompt_learners.base import BasePromptLearner
from ..prompt_sources.base import PromptContext


@torch.no_grad()
def build_text_encoder(class_names: Sequence[str], text_encoder: dict,
                       checkpoint: Optional[str] = None, seed: int = 0,
                       owner: str = 'SemPrompt') -> CLIPTextEncoder:
    """mmseg's ``CLIPTextEncoder`` for ``class_names``, frozen and in eval mode.

    Weights from ``checkpoint`` (mmseg's format, loaded strictly); without one they are random
    (seeded, N(0, 0.02) for every tensor) and a warning naming ``owner`` says so.
    """
    cfg = dict(type='CLIPTextEncoder', vocabulary=list(class_names), cat_bg=False,
               cache_feature=False)
    cfg.update(text_encoder)
    encoder = MODELS.build(cfg)
    if checkpoint is not None:
        load_checkpoint(encoder, checkpoint, map_location='cpu', strict=True)
    else:
        g = torch.Generator().manual_seed(seed)
        for p in encoder.parameters():  # CLIPTextEncoder leaves some tables uninitialised
            p.copy_(torch.randn(p.shape, generator=g) * 0.02)
        print_log(f'{owner}: no CLIP text checkpoint given, the text encoder is RANDOM.',
                  logger='current', level=logging.WARNING)
    return encoder.requires_grad_(False).eval()


@torch.no_grad()
def class_name_embeddings(class_names: Sequence[str], text_encoder: dict,
                          checkpoint: Optional[str] = None, seed: int = 0) -> torch.Tensor:
    """(K, D) unit-norm CLIP text embeddings of the class names (prompt templates averaged),
    from mmseg's ``CLIPTextEncoder``. The encoder is built, run once and dropped.

    Without ``checkpoint`` its weights are random (seeded) and a warning says so.
    """
    encoder = build_text_encoder(class_names, text_encoder, checkpoint, seed)
    return F.normalize(encoder.template_encode(list(class_names)).float(), dim=-1)


def eos_features(encoder: CLIPTextEncoder, embeddings: torch.Tensor,
                 eos: torch.Tensor) -> torch.Tensor:
    """CLIP text features from token embeddings instead of token ids.

    The same computation as ``CLIPTextEncoder.encode_text`` after its token lookup (positional
    embedding, causal transformer, ``ln_final``, feature at the end-of-text position,
    ``text_projection``), but differentiable with respect to ``embeddings``.

    Shapes: embeddings (N, L, D) with L <= context length, eos (N,) -> (N, output_dims).
    """
    n, length = embeddings.shape[:2]
    x = (embeddings + encoder.positional_embedding[:length]).permute(1, 0, 2)  # (L, N, D)
    mask = encoder.attn_mask[:length, :length]
    for block in encoder.transformer:
        x = block(query=x, attn_masks=mask)
    x = encoder.ln_final(x.permute(1, 0, 2))
    return x[torch.arange(n, device=x.device), eos] @ encoder.text_projection


def encode_words(text: str) -> List[int]:
    """CLIP BPE token ids of ``text`` (lower-cased, no start/end tokens)."""
    return tokenizer._tokenizer.encode(text) if text.strip() else []


def sequence_ids(before: Sequence[int], slots: Sequence[int], after: Sequence[int],
                 context_length: int, name: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """``[SOS, before, slots, after, EOS]`` padded with 0 as CLIP's tokenizer pads.

    Returns ids (L,) and a bool mask (L,) that is True at the ``slots`` positions (the tokens
    whose embeddings are learned). ``name`` is only for the error message.
    """
    ids = [tokenizer._tokenizer.encoder['<start_of_text>'], *before, *slots, *after,
           tokenizer._tokenizer.encoder['<end_of_text>']]
    if len(ids) > context_length:
        raise ValueError(f'The prompt for {name!r} has {len(ids)} tokens, more than the text '
                         f'encoder\'s context length {context_length}.')
    out = torch.zeros(context_length, dtype=torch.long)
    out[:len(ids)] = torch.tensor(ids)
    mask = torch.zeros(context_length, dtype=torch.bool)
    mask[1 + len(before):1 + len(before) + len(slots)] = True
    return out, mask


class LearnedTextPrompt(BasePromptLearner):
    """One semantic token per class from the frozen CLIP text encoder, run on every forward on
    token sequences some of whose embeddings are learnable (subclasses say which).

    The features are returned as SemPrompt's embeddings are: unit norm, in the text encoder's
    output space (D), so a prompt source uses both the same way (SSPrompt: as the classifier of
    the masks; SSPromptPerClass: mapped to SAM's prompt space).
    The text encoder is a frozen submodule, kept in eval mode and left alone by
    :meth:`init_weights` (it comes from ``text_checkpoint``, or seeded random weights).

    Subclasses call :meth:`set_sequences` and implement :meth:`learned_tokens`. ``truncate``:
    see :meth:`set_sequences`.

    Attributes: ``embed_dim`` D. Shapes: forward(ctx) -> (K, D).
    """

    def __init__(self, class_names: Sequence[str], text_encoder: dict = dict(),
                 text_checkpoint: Optional[str] = None, seed: int = 0,
                 truncate: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        if not class_names:
            raise ValueError(f'{type(self).__name__} needs the class names of the data set.')
        self.class_names = tuple(class_names)
        self.truncate = truncate
        self.text_encoder = build_text_encoder(self.class_names, text_encoder, text_checkpoint,
                                               seed, owner=type(self).__name__)
        self.embed_dim = self.text_encoder.text_projection.shape[1]

    @property
    def context_length(self) -> int:
        return self.text_encoder.positional_embedding.shape[0]

    def set_sequences(self, ids: torch.Tensor, slots: torch.Tensor) -> None:
        """Store the token ids (K, L) and the bool mask (K, L) of the learned positions.

        With ``truncate`` (default) the sequences are cut right after the longest one's
        end-of-text token: under CLIP's causal mask the positions after it cannot change any
        feature read at an end-of-text token, so the features are exactly those of the full
        context length (77), for less work. ``truncate=False`` runs all 77 positions, as the
        reference implementations of CoOp and LOCN do."""
        eos = ids.argmax(dim=1)  # EOS: the largest id
        length = int(eos.max()) + 1 if self.truncate else ids.shape[1]
        self.register_buffer('token_ids', ids[:, :length].clone(), persistent=False)
        self.register_buffer('slots', slots[:, :length].clone(), persistent=False)
        self.register_buffer('eos', eos, persistent=False)

    @torch.no_grad()
    def word_embeddings(self, ids: Sequence[int]) -> torch.Tensor:
        """(n, D) the frozen token embeddings of ``ids``."""
        table = self.text_encoder.token_embedding
        return table(torch.tensor(list(ids), dtype=torch.long, device=table.weight.device))

    def learned_tokens(self) -> torch.Tensor:
        """(S, D) the embeddings for the S learned positions, in row-major order of ``slots``."""
        raise NotImplementedError

    def init_weights(self) -> None:
        """Nothing to do: the learned embeddings are set at construction and the text encoder
        must keep its (checkpoint or seeded) weights."""

    def train(self, mode: bool = True) -> 'LearnedTextPrompt':
        super().train(mode)
        self.text_encoder.eval()
        return self

    def text_features(self) -> torch.Tensor:
        """(K, D') CLIP features of the K sequences with the learned embeddings in place."""
        with torch.no_grad():
            embeddings = self.text_encoder.token_embedding(self.token_ids)  # (K, L, D)
        embeddings = embeddings.masked_scatter(self.slots[..., None], self.learned_tokens())
        return eos_features(self.text_encoder, embeddings, self.eos)

    def forward(self, ctx: Optional[PromptContext] = None) -> torch.Tensor:
        return F.normalize(self.text_features(), dim=-1)
