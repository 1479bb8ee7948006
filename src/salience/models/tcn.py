"""Temporal convolutional network (Bai et al. 2018) as used by the time-series saliency benchmark.

Residual blocks of two dilated causal convolutions (dilations 1, 2, 4, ...), global max over time,
then a linear layer to logits (B, C).

Sizes: the benchmark's channels were ``[hidden] × (levels − 1) + [T]`` = [5, 5, 50]; the last width
equals the sequence length only because of how the original passed its arguments. Here the last width
is its own option, ``last_channels`` (50 by default), so the defaults reproduce the benchmark at
T = F = 50 and any T works. The original's ``MaxPool1d(T)`` hard-coded T; here the max runs over
whatever steps there are (only the valid ones with ``lengths``).

Initialisation: ``conv_init="normal"`` (default) draws every conv weight from N(0, 0.01), the
original's intent. In the original, the draw on the two weight-normed convs of each block was
overwritten by weight normalisation's forward hook (locuslab/TCN#1), so they kept PyTorch's default
initialisation and only the 1×1 residual conv was N(0, 0.01); ``conv_init="benchmark"`` reproduces
that.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from salience._validation import (
    check_choice,
    check_fraction,
    check_positive_ints,
)
from salience.models.heads import TemporalPooling, checked_lengths, valid_steps

CONV_INITS = ("normal", "benchmark")
_WEIGHT_STD = 0.01


def _conv(in_channels: int, out_channels: int, kernel_size: int, dilation: int = 1) -> nn.Conv1d:
    return nn.Conv1d(in_channels, out_channels, kernel_size, dilation=dilation)


def _normal_(conv: nn.Conv1d) -> nn.Conv1d:
    nn.init.normal_(conv.weight, 0.0, _WEIGHT_STD)
    return conv


class TemporalBlock(nn.Module):
    """Two weight-normed dilated causal convolutions with ReLU and dropout, plus a residual, then ReLU.

    Each convolution pads (k − 1)·dilation zeros on the left only, so output step t depends on input
    steps t − 2·(k − 1)·dilation ... t and never on the future. The residual is a 1×1 conv when the
    channel counts differ.

    Args:
        in_channels, out_channels: channel counts of the block's input (B, C_in, T) and output.
        kernel_size, dilation: of both convolutions.
        dropout: after each convolution's ReLU.
        conv_init: ``normal`` or ``benchmark`` (see the module docstring).

    Example:
        >>> block = TemporalBlock(3, 4, kernel_size=2, dilation=2, dropout=0.0)
        >>> block(torch.randn(2, 3, 7)).shape
        torch.Size([2, 4, 7])
    """

    def __init__(
        self, in_channels: int, out_channels: int, *, kernel_size: int, dilation: int, dropout: float,
        conv_init: str = "normal",
    ) -> None:
        super().__init__()
        check_choice(conv_init, "conv_init", CONV_INITS)
        self.padding = (kernel_size - 1) * dilation
        first = _conv(in_channels, out_channels, kernel_size, dilation)
        second = _conv(out_channels, out_channels, kernel_size, dilation)
        if conv_init == "normal":  # before weight_norm, so that g = ‖v‖ and the weight itself is N(0, σ)
            _normal_(first)
            _normal_(second)
        self.conv1 = weight_norm(first)
        self.relu1, self.dropout1 = nn.ReLU(), nn.Dropout(dropout)
        self.conv2 = weight_norm(second)
        self.relu2, self.dropout2 = nn.ReLU(), nn.Dropout(dropout)
        self.downsample = (
            _normal_(_conv(in_channels, out_channels, 1)) if in_channels != out_channels else None
        )
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C_in, T) → (B, C_out, T)."""
        pad = (self.padding, 0)
        out = self.dropout1(self.relu1(self.conv1(nn.functional.pad(x, pad))))
        out = self.dropout2(self.relu2(self.conv2(nn.functional.pad(out, pad))))
        residual = x if self.downsample is None else self.downsample(x)
        return self.relu(out + residual)


class TCNClassifier(nn.Module):
    """Temporal convolutional network → max over time → Linear, returning logits.

    Channels are ``[hidden_size] × (levels − 1) + [last_channels]``; block i has dilation 2^i. The
    defaults are the benchmark's network at T = F = 50 (channels [5, 5, 50], kernel 4, dropout 0.1,
    receptive field 43 steps).

    Args:
        n_features, n_classes: F and C.
        hidden_size: channels of every block but the last.
        levels: number of residual blocks.
        last_channels: channels of the last block (the original set it to T; see the module docstring).
        kernel_size: of every convolution.
        dropout: inside every block.
        conv_init: ``normal`` (every conv weight N(0, 0.01)) or ``benchmark`` (as the original ran).

    Example:
        >>> model = TCNClassifier(n_features=6, n_classes=2, hidden_size=4, last_channels=8)
        >>> model(torch.randn(5, 9, 6)).shape, model.receptive_field
        (torch.Size([5, 2]), 43)
    """

    def __init__(
        self, n_features: int, n_classes: int, *, hidden_size: int = 5, levels: int = 3,
        last_channels: int = 50, kernel_size: int = 4, dropout: float = 0.1, conv_init: str = "normal",
    ) -> None:
        super().__init__()
        check_positive_ints(
            n_features=n_features, n_classes=n_classes, hidden_size=hidden_size, levels=levels,
            last_channels=last_channels, kernel_size=kernel_size,
        )  # fmt: skip
        check_fraction(dropout, "dropout")
        check_choice(conv_init, "conv_init", CONV_INITS)
        self.n_features, self.n_classes, self.kernel_size = n_features, n_classes, kernel_size
        self.channels = [hidden_size] * (levels - 1) + [last_channels]
        widths = [n_features, *self.channels]
        self.blocks = nn.ModuleList(
            TemporalBlock(
                widths[i],
                widths[i + 1],
                kernel_size=kernel_size,
                dilation=2**i,
                dropout=dropout,
                conv_init=conv_init,
            )
            for i in range(levels)
        )
        self.pooling = TemporalPooling("max")
        self.classifier = nn.Linear(last_channels, n_classes)

    @property
    def dilations(self) -> list[int]:
        """The dilation of each block: 1, 2, 4, ..."""
        return [2**i for i in range(len(self.blocks))]

    @property
    def receptive_field(self) -> int:
        """Input steps that one output step sees: 1 + 2·(k − 1)·Σ dilations."""
        return 1 + 2 * (self.kernel_size - 1) * sum(self.dilations)

    def encode(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Per-step features (B, T, last_channels) before the max over time.

        Causal: step t depends on x at steps max(0, t − receptive_field + 1) ... t only, so steps
        inside a sample's length never see its padding. With ``lengths``, padded steps are zeroed
        first anyway, so that any padding value (even NaN) leaves the gradients of the weights finite.
        """
        return self._encode(x, checked_lengths(x, lengths, self.n_features))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (B, C) for x (B, T, F); with ``lengths`` (B,) the max ignores padded steps."""
        lengths = checked_lengths(x, lengths, self.n_features)
        return self.classifier(self.pooling(self._encode(x, lengths), lengths))

    def _encode(self, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        valid = valid_steps(lengths, x.shape[1], x.device)
        if valid is not None:
            x = x.masked_fill(~valid.unsqueeze(-1), 0.0)
        h = x.transpose(1, 2)  # (B, F, T): channels first for Conv1d
        for block in self.blocks:
            h = block(h)
        return h.transpose(1, 2)
