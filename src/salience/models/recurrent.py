"""Recurrent classifiers of the input-cell attention paper: LSTM and Bi-LSTM with a readout, each
optionally reading its input through :class:`InputCellAttention`. They return logits (B, C).

Bi-LSTM reads the forward direction at the last valid step and the backward direction at the first
step, where it has seen the whole sequence. The original read both at the last step, so its
backward half had seen only x_{T−1}: that bug explains its near-chance accuracy on the earlier box.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from salience._validation import as_lengths, check_choice, check_ndim, check_positive_ints
from salience.models.heads import READOUTS, SelfAttentionPooling, TemporalPooling
from salience.models.input_cell import POOLINGS, InputCellAttention


class RecurrentClassifier(nn.Module):
    """(Input-cell attention →) LSTM or Bi-LSTM → readout → Linear, returning logits.

    Args:
        n_features, n_classes: F and C.
        hidden_size: H per direction (5 in the paper).
        bidirectional: Bi-LSTM instead of LSTM.
        readout: ``last``, ``max``, ``mean`` or ``selfattn`` (structured self-attention).
        input_cell: use input-cell attention in place of the raw input.
        r, d_a, hop_pooling, partial_steps: input-cell attention options.
        attn_r, attn_d_a: self-attention readout options.
        dropout: dropout on the input and on the hidden states (0.1 in the paper).

    Example:
        >>> model = RecurrentClassifier(n_features=6, n_classes=2, input_cell=True, r=3, d_a=4)
        >>> model(torch.randn(5, 9, 6)).shape
        torch.Size([5, 2])
    """

    def __init__(
        self, n_features: int, n_classes: int, *, hidden_size: int = 5, bidirectional: bool = False,
        readout: str = "last", input_cell: bool = False, r: int = 20, d_a: int = 50,
        hop_pooling: str = "flatten", partial_steps: int | None = None, attn_r: int = 20,
        attn_d_a: int = 50, dropout: float = 0.1,
    ) -> None:
        super().__init__()
        check_positive_ints(n_features=n_features, n_classes=n_classes, hidden_size=hidden_size)
        check_choice(readout, "readout", READOUTS)
        check_choice(hop_pooling, "hop_pooling", POOLINGS)
        self.n_features, self.n_classes = n_features, n_classes
        self.bidirectional, self.readout_kind = bidirectional, readout
        self.input_dropout = nn.Dropout(dropout)
        self.attention = (
            InputCellAttention(n_features, r=r, d_a=d_a, pooling=hop_pooling, partial_steps=partial_steps)
            if input_cell
            else None
        )
        lstm_input = self.attention.output_size if self.attention is not None else n_features
        self.lstm = nn.LSTM(lstm_input, hidden_size, batch_first=True, bidirectional=bidirectional)
        if self.attention is not None:
            _xavier_zero_init(self.lstm)  # the original cell's initialisation
        self.hidden_dropout = nn.Dropout(dropout)
        directions = 2 if bidirectional else 1
        self.readout = (
            SelfAttentionPooling(hidden_size * directions, r=attn_r, d_a=attn_d_a)
            if readout == "selfattn"
            else TemporalPooling(readout)
        )
        self.classifier = nn.Linear(hidden_size * directions, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        check_ndim(x, "x", 3, "(B, T, F)")
        if x.shape[-1] != self.n_features:
            raise ValueError(f"x: expected {self.n_features} features, got {x.shape[-1]}")
        if lengths is not None:
            lengths = as_lengths(lengths, x.shape[0], x.shape[1])
        inputs = self.input_dropout(x)
        if self.attention is not None:
            inputs = self.attention(inputs, lengths)
        h = self._run_lstm(inputs, lengths)
        h = self.hidden_dropout(h)
        if self.bidirectional and self.readout_kind == "last":
            size = h.shape[-1] // 2
            forward_last = self.readout(h[..., :size], lengths)
            summary = torch.cat([forward_last, h[:, 0, size:]], dim=-1)
        else:
            summary = self.readout(h, lengths)
        return self.classifier(summary)

    def _run_lstm(self, inputs: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        if lengths is None:
            return self.lstm(inputs)[0]
        packed = pack_padded_sequence(inputs, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        return pad_packed_sequence(out, batch_first=True, total_length=inputs.shape[1])[0]


def _xavier_zero_init(module: nn.Module) -> None:
    for name, parameter in module.named_parameters():
        if parameter.dim() >= 2:
            nn.init.xavier_uniform_(parameter)
        elif "bias" in name:
            nn.init.zeros_(parameter)


def recurrent_options(name: str) -> dict[str, Any]:
    """The constructor options implied by a registry name such as ``ica-lstm-max``."""
    parts = name.split("-")
    options: dict[str, Any] = {"input_cell": parts[0] == "ica"}
    if options["input_cell"]:
        parts = parts[1:]
    options["bidirectional"] = parts[0] == "bilstm"
    options["readout"] = parts[1] if len(parts) > 1 else "last"
    return options
