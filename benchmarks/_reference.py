"""The original per-step formulation of input-cell attention, kept only as a benchmark baseline.

At every step t the attention MLP runs again on the whole prefix x_0 … x_t, the softmax is taken
over the prefix for each hop, M_t = A_t X_{≤t} is pooled (hop mean, or flattened and L2-normalised)
and fed to an ``nn.LSTMCell``: the cost the vectorised module removes.
"""

from __future__ import annotations

import torch
from torch import nn


def loop_input_cell_lstm(x: torch.Tensor, attention: nn.Module, cell: nn.LSTMCell) -> torch.Tensor:
    """Hidden states (B, T, H) of the per-step input-cell attention LSTM.

    ``attention`` supplies ``w1``, ``w2`` (the ``nn.Linear`` layers) and ``pooling``; ``cell`` takes
    inputs of size F (``mean``) or r·F (``flatten``).
    """
    batch, n_steps, _ = x.shape
    h = x.new_zeros(batch, cell.hidden_size)
    c = x.new_zeros(batch, cell.hidden_size)
    states = []
    for t in range(n_steps):
        prefix = x[:, : t + 1]
        scores = attention.w2(torch.tanh(attention.w1(prefix)))  # (B, t+1, r)
        weights = torch.softmax(scores, dim=1).transpose(1, 2)  # (B, r, t+1)
        matrix = weights @ prefix  # (B, r, F)
        if attention.pooling == "mean":
            step_input = matrix.mean(dim=1)
        else:
            flat = matrix.flatten(start_dim=1)
            step_input = flat / flat.norm(dim=-1, keepdim=True)
        h, c = cell(step_input, (h, c))
        states.append(h)
    return torch.stack(states, dim=1)
