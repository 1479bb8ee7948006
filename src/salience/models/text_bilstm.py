"""A Bi-LSTM text classifier over token ids, returning logits (B, C) — the paper's language model
("word embeddings … passed to a bidirectional LSTM").

Token ids (B, L) go through ``embedding`` (``nn.Embedding``, ``<pad>`` row fixed at zero) to (B, L, E)
and then through :meth:`TextBiLSTM.forward_embedded`, which attribution and saliency guided training
call directly with (perturbed) embeddings. The LSTM runs on packed sequences, so positions beyond
a sample's length never reach the output: appending padding changes no logit. The summary is the
forward direction's state at the last valid token concatenated with the backward direction's state
at the first token (each has read the whole sequence), as the library's Bi-LSTM does.

It is the registered model ``bilstm-text`` (inputs ``tokens``): ``build_model("bilstm-text",
n_features=len(vocab), n_classes=C)`` builds it, and its ``config`` stores the vocabulary size as
``n_features`` (the size of a one-hot token), so :func:`~salience.models.save_checkpoint` and
:func:`~salience.models.load_checkpoint` handle it like any model. Save the vocabulary beside it
(:meth:`salience.data.Vocabulary.save`).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from salience._validation import as_lengths, check_ndim, check_positive_int, check_positive_ints

NAME = "bilstm-text"


class TextBiLSTM(nn.Module):
    """Embedding → dropout → Bi-LSTM (packed) → [h_fwd(last valid), h_bwd(first)] → dropout → Linear.

    Args:
        vocab_size: number of token ids (``len(vocab)``).
        n_classes: C.
        embedding_dim: E.
        hidden_size: H per direction.
        dropout: on the embeddings and on the summary.
        padding_idx: the ``<pad>`` id, whose embedding stays zero.

    Example:
        >>> model = TextBiLSTM(vocab_size=20, n_classes=2, embedding_dim=8, hidden_size=6)
        >>> tokens = torch.tensor([[4, 5, 6], [7, 8, 0]])
        >>> model(tokens, lengths=torch.tensor([3, 2])).shape
        torch.Size([2, 2])
    """

    def __init__(
        self, vocab_size: int, n_classes: int, *, embedding_dim: int = 64, hidden_size: int = 64,
        dropout: float = 0.2, padding_idx: int = 0,
    ) -> None:
        super().__init__()
        check_positive_ints(
            vocab_size=vocab_size, n_classes=n_classes, embedding_dim=embedding_dim, hidden_size=hidden_size
        )
        check_positive_int(padding_idx, "padding_idx", allow_zero=True)
        if padding_idx >= vocab_size:
            raise ValueError(f"padding_idx: expected an id in [0, {vocab_size}), got {padding_idx}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"dropout: expected a number in [0, 1), got {dropout!r}")
        self.vocab_size, self.n_classes = vocab_size, n_classes
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        self.embedding_dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True, bidirectional=True)
        self.summary_dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(2 * hidden_size, n_classes)
        options = {
            "embedding_dim": embedding_dim,
            "hidden_size": hidden_size,
            "dropout": float(dropout),
            "padding_idx": padding_idx,
        }
        self.config: dict[str, Any] = {
            "name": NAME,
            "n_features": vocab_size,
            "n_classes": n_classes,
            "options": options,
        }

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (B, C) for token ids (B, L); without ``lengths`` every position is read."""
        check_ndim(tokens, "tokens", 2, "(B, L)")
        if tokens.is_floating_point() or tokens.dtype == torch.bool:
            raise TypeError(f"tokens: expected integer token ids, got dtype {tokens.dtype}")
        return self.forward_embedded(self.embedding(tokens), lengths)

    def forward_embedded(self, embedded: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (B, C) for embedded tokens (B, L, E), e.g. ``self.embedding(tokens)``."""
        check_ndim(embedded, "embedded", 3, "(B, L, E)")
        if embedded.shape[-1] != self.embedding.embedding_dim:
            raise ValueError(
                f"embedded: expected {self.embedding.embedding_dim} features, got {embedded.shape[-1]}"
            )
        batch, n_steps = embedded.shape[0], embedded.shape[1]
        if lengths is None:
            lengths = torch.full((batch,), n_steps, dtype=torch.int64)
        else:
            lengths = as_lengths(lengths, batch, n_steps)
        inputs = self.embedding_dropout(embedded)
        packed = pack_padded_sequence(inputs, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)
        # h_n (2, B, H): the forward state after the last valid token, the backward state after
        # reading back to the first token (in the batch's original order).
        summary = torch.cat([h_n[0], h_n[1]], dim=-1)
        return self.classifier(self.summary_dropout(summary))
