"""The small MNIST CNN of saliency guided training (Ismail et al., NeurIPS 2021), returning logits.

conv 1→32 3×3, ReLU, conv 32→64 3×3, ReLU, max-pool 2, dropout 0.25, flatten, Linear → 128, ReLU,
dropout 0.5, Linear 128 → C. The original ended in log-softmax; this model returns the logits (the
attribution wrapper's ``output="log_probability"`` gives the original's attributed score).

Inputs follow the library's contract (B, T, F) with the image layout of :mod:`salience.data.images`
(time = image column, features = image row), viewed inside as one-channel images (B, 1, H = F, W = T).
The spatial size is fixed at build time (``n_features`` rows, ``n_steps`` columns, 28 by default), so
that the first linear layer (64 · ⌊(H − 4)/2⌋ · ⌊(W − 4)/2⌋ = 9216 inputs for 28 × 28) exists before any
data is seen and checkpoints rebuild it exactly.
"""

from __future__ import annotations

import torch
from torch import nn

from salience._validation import check_fraction, check_ndim, check_positive_int

_MIN_SIZE = 6  # two 3×3 valid convolutions and a 2×2 pool need at least 6 × 6 pixels


class CNNClassifier(nn.Module):
    """Two 3×3 convolutions, a 2×2 max-pool and two linear layers, on (B, T, F) images; logits (B, C).

    Every nonlinearity is its own ``nn.ReLU`` module, so DeepLIFT's rescale rule applies to each.

    Args:
        n_features: image rows H (the F of the (B, T, F) input).
        n_classes: C.
        n_steps: image columns W (the T of the input), 28 by default.
        channels: output channels of the two convolutions.
        hidden_size: width of the hidden linear layer.
        conv_dropout: dropout after the max-pool (0.25).
        dropout: dropout after the hidden linear layer (0.5).

    Example:
        >>> model = CNNClassifier(n_features=28, n_classes=10)
        >>> model(torch.zeros(2, 28, 28)).shape, model.fc1.in_features
        (torch.Size([2, 10]), 9216)
    """

    def __init__(
        self, n_features: int, n_classes: int, *, n_steps: int = 28,
        channels: tuple[int, int] | list[int] = (32, 64), hidden_size: int = 128,
        conv_dropout: float = 0.25, dropout: float = 0.5,
    ) -> None:
        super().__init__()
        for value, name in [(n_features, "n_features"), (n_steps, "n_steps")]:
            check_positive_int(value, name)
            if value < _MIN_SIZE:
                raise ValueError(f"{name}: expected at least {_MIN_SIZE} pixels, got {value}")
        check_positive_int(n_classes, "n_classes")
        check_positive_int(hidden_size, "hidden_size")
        if not isinstance(channels, (tuple, list)) or len(channels) != 2:
            raise ValueError(f"channels: expected two channel counts, got {channels!r}")
        for value in channels:
            check_positive_int(value, "channels")
        check_fraction(conv_dropout, "conv_dropout")
        check_fraction(dropout, "dropout")
        self.n_features, self.n_steps, self.n_classes = n_features, n_steps, n_classes
        first, second = (int(c) for c in channels)
        self.conv1 = nn.Conv2d(1, first, 3)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(first, second, 3)
        self.relu2 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.dropout1 = nn.Dropout(conv_dropout)
        self.fc1 = nn.Linear(second * ((n_features - 4) // 2) * ((n_steps - 4) // 2), hidden_size)
        self.relu3 = nn.ReLU()
        self.dropout2 = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden_size, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (B, C) for images x (B, T = W, F = H); ``lengths`` is accepted and ignored."""
        check_ndim(x, "x", 3, "(B, T, F)")
        if tuple(x.shape[1:]) != (self.n_steps, self.n_features):
            raise ValueError(
                f"x: expected (B, T, F) = (B, {self.n_steps}, {self.n_features}) images, got {tuple(x.shape)}"
            )
        h = x.transpose(1, 2).unsqueeze(1)  # (B, 1, H = F, W = T)
        h = self.relu2(self.conv2(self.relu1(self.conv1(h))))
        h = self.dropout1(self.pool(h)).flatten(1)
        return self.fc2(self.dropout2(self.relu3(self.fc1(h))))
