"""A Bi-LSTM text classifier over token ids, returning logits (B, C) — the paper's language model
("word embeddings … passed to a bidirectional LSTM").

Token ids (B, L) go through ``embedding`` (``nn.Embedding``, ``<pad>`` row fixed at zero) to (B, L, E)
and then through :meth:`TextBiLSTM.forward_embedded`, which attribution and saliency guided training
call directly with (perturbed) embeddings. The LSTM runs on packed sequences, so positions beyond
a sample's length never reach the output: appending padding changes no logit. The summary is the
forward direction's state at the last valid token concatenated with the backward direction's state
at the first token (each has read the whole sequence), as the library's Bi-LSTM does.

Checkpoints: :func:`~salience.training.save_checkpoint` writes it like any model (its ``config`` names
it ``bilstm-text`` and stores the vocabulary size as ``n_features``, the size of a one-hot token);
:func:`load_text_checkpoint` reads it back. It is not in the model registry
(:data:`~salience.models.MODELS`), whose models all take float (B, T, F) inputs, so
:func:`~salience.training.load_checkpoint` does not know it. Save the vocabulary beside it
(:meth:`salience.data.Vocabulary.save`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from salience._validation import as_lengths, check_ndim, check_positive_int

if TYPE_CHECKING:
    from salience.models.checkpoint import Checkpoint

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
        self,
        vocab_size: int,
        n_classes: int,
        *,
        embedding_dim: int = 64,
        hidden_size: int = 64,
        dropout: float = 0.2,
        padding_idx: int = 0,
    ) -> None:
        super().__init__()
        check_positive_int(vocab_size, "vocab_size")
        check_positive_int(n_classes, "n_classes")
        check_positive_int(embedding_dim, "embedding_dim")
        check_positive_int(hidden_size, "hidden_size")
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


def build_text_model(config: dict[str, Any]) -> TextBiLSTM:
    """The (untrained) model described by ``config`` (a ``model.config`` of :class:`TextBiLSTM`).

    Example:
        >>> model = TextBiLSTM(vocab_size=20, n_classes=2, hidden_size=6)
        >>> build_text_model(model.config).lstm.hidden_size
        6
    """
    if not isinstance(config, dict) or config.get("name") != NAME:
        found = config.get("name") if isinstance(config, dict) else type(config).__name__
        raise ValueError(f"config: expected the config of a {NAME!r} model, got {found!r}")
    options = config.get("options", {})
    if not isinstance(options, dict):
        raise ValueError("config: expected 'options' to be a mapping")
    try:
        return TextBiLSTM(config["n_features"], config["n_classes"], **options)
    except (KeyError, TypeError) as err:
        raise ValueError(f"config: cannot build {NAME!r} from {config} ({err})") from None


def load_text_checkpoint(directory: str | os.PathLike[str], *, device: str = "cpu") -> Checkpoint:
    """Rebuild a :class:`TextBiLSTM` written by :func:`~salience.training.save_checkpoint`, in eval mode.

    Weights are read with safetensors and must match the rebuilt model exactly; every failure raises
    an error starting with ``checkpoint:``.

    Example:
        >>> import tempfile
        >>> from salience.training import save_checkpoint
        >>> model = TextBiLSTM(vocab_size=20, n_classes=2, hidden_size=6)
        >>> path = save_checkpoint(tempfile.mkdtemp(), model, metadata={"vocabulary": "vocab.json"})
        >>> loaded = load_text_checkpoint(path)
        >>> type(loaded.model).__name__, loaded.metadata
        ('TextBiLSTM', {'vocabulary': 'vocab.json'})
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from salience._device import resolve_device
    from salience.models.checkpoint import CONFIG_FILE, FORMAT, WEIGHTS_FILE, Checkpoint

    source = Path(directory)
    config_path, weights_path = source / CONFIG_FILE, source / WEIGHTS_FILE
    for path in (config_path, weights_path):
        if not path.is_file():
            raise FileNotFoundError(
                f"checkpoint: {source} has no {path.name}; it is not a complete checkpoint"
            )
    try:
        document = json.loads(config_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"checkpoint: {config_path} is not valid JSON ({err})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"checkpoint: {config_path} is not a {FORMAT!r} checkpoint")
    try:
        model = build_text_model(document.get("model"))
    except ValueError as err:
        raise ValueError(f"checkpoint: {config_path} does not describe a text model ({err})") from None
    try:
        tensors = load_file(str(weights_path), device="cpu")
        model.load_state_dict(tensors, strict=True)
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise ValueError(f"checkpoint: {weights_path} does not hold this model's weights ({err})") from None
    model.to(resolve_device(device)).eval()
    metadata = document.get("metadata") or {}
    return Checkpoint(model=model, standardizer=None, config=model.config, metadata=metadata)
