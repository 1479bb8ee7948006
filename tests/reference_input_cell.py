"""Slow, literal reference for input-cell attention and the recurrent classifiers (tests only).

Everything here is a per-step Python loop that follows the paper's equations (and
``original-behaviour.md`` §1.2–1.3) as directly as possible, so that the vectorised library code
can be checked against it. It reads the parameters of the library modules but none of their
forward code: attention scores are recomputed on the whole prefix at every step, the softmax is
``torch.softmax`` over the prefix, the LSTM is an explicit cell loop with gates [i, f, g, o], and
the readouts are written out by hand.

Use it in eval mode (dropout is not modelled) and, for exact comparisons, in float64.
"""

from __future__ import annotations

import torch
from torch import nn


def attention_scores_loop(attention: nn.Module, prefix: torch.Tensor) -> torch.Tensor:
    """S = tanh(X W₁ᵀ + b₁) W₂ᵀ + b₂ for a prefix X (B, t+1, F); returns (B, t+1, r)."""
    w1, b1 = attention.w1.weight, attention.w1.bias
    w2, b2 = attention.w2.weight, attention.w2.bias
    return torch.tanh(prefix @ w1.T + b1) @ w2.T + b2


def input_cell_loop(attention: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The per-step inputs (B, T, D) of the LSTM, one step at a time.

    At step t: A_t = softmax over the t+1 prefix positions of each hop's scores (r × (t+1)),
    M_t = A_t X_{≤t} (r × F), then the hop mean (D = F) or vec(M_t) / ‖vec(M_t)‖₂ (D = r·F).
    With ``partial_steps`` = P, attention covers only the window of the last P steps: steps
    t < T − P use M_t[k] = x_t for every hop k, later steps attend over x_{T−P} … x_t.
    """
    batch, n_steps, n_features = x.shape
    r = attention.w2.weight.shape[0]
    partial = attention.partial_steps
    window_start = 0 if partial is None else max(n_steps - partial, 0)
    outputs = []
    for t in range(n_steps):
        if t < window_start:
            matrix = x[:, t].unsqueeze(1).expand(batch, r, n_features)
        else:
            prefix = x[:, window_start : t + 1]  # (B, t+1, F), or the window's part of it
            scores = attention_scores_loop(attention, prefix)  # (B, t+1, r)
            weights = torch.softmax(scores, dim=1).transpose(1, 2)  # (B, r, t+1), rows sum to 1
            matrix = weights @ prefix  # (B, r, F)
        if attention.pooling == "mean":
            outputs.append(matrix.mean(dim=1))
        elif attention.pooling == "flatten":
            flat = matrix.reshape(batch, r * n_features)
            outputs.append(flat / torch.sqrt((flat * flat).sum(dim=-1, keepdim=True)))
        else:
            raise ValueError(f"unknown pooling {attention.pooling!r}")
    return torch.stack(outputs, dim=1)


def lstm_cell_loop(lstm: nn.LSTM, inputs: torch.Tensor, *, reverse: bool = False) -> torch.Tensor:
    """Hidden states (B, T, H) of one direction of a one-layer ``nn.LSTM``, by an explicit loop.

    z_t = x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh, split [i, f, g, o]; c_t = f c_{t−1} + i g;
    h_t = o tanh(c_t); h₀ = c₀ = 0. ``reverse`` runs the backward direction (from the last step to
    the first) with the ``*_reverse`` parameters; its output at index t has seen x_t … x_{T−1}.
    """
    suffix = "_reverse" if reverse else ""
    w_ih = getattr(lstm, f"weight_ih_l0{suffix}")
    w_hh = getattr(lstm, f"weight_hh_l0{suffix}")
    b_ih = getattr(lstm, f"bias_ih_l0{suffix}")
    b_hh = getattr(lstm, f"bias_hh_l0{suffix}")
    batch, n_steps, _ = inputs.shape
    hidden = w_hh.shape[1]
    h = inputs.new_zeros(batch, hidden)
    c = inputs.new_zeros(batch, hidden)
    states: list[torch.Tensor] = [inputs.new_zeros(0)] * n_steps
    order = range(n_steps - 1, -1, -1) if reverse else range(n_steps)
    for t in order:
        z = inputs[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i = torch.sigmoid(z[:, 0:hidden])
        f = torch.sigmoid(z[:, hidden : 2 * hidden])
        g = torch.tanh(z[:, 2 * hidden : 3 * hidden])
        o = torch.sigmoid(z[:, 3 * hidden : 4 * hidden])
        c = f * c + i * g
        h = o * torch.tanh(c)
        states[t] = h
    return torch.stack(states, dim=1)


def readout_loop(kind: str, h: torch.Tensor, readout: nn.Module | None = None) -> torch.Tensor:
    """Summarise hidden states (B, T, H) into (B, H): ``last``, ``max``, ``mean`` or ``selfattn``.

    ``selfattn`` needs the library's readout module for its W₁ (d_a × H) and W₂ (r × d_a):
    per hop k, a_k = softmax over time of W₂ tanh(W₁ h_tᵀ); the output is (1/r) Σ_k Σ_t a_k[t] h_t.
    """
    batch, n_steps, hidden = h.shape
    if kind == "last":
        return h[:, n_steps - 1]
    if kind == "max":
        best = h[:, 0]
        for t in range(1, n_steps):
            best = torch.maximum(best, h[:, t])
        return best
    if kind == "mean":
        total = h.new_zeros(batch, hidden)
        for t in range(n_steps):
            total = total + h[:, t]
        return total / n_steps
    if kind == "selfattn":
        w1, w2 = readout.w1.weight, readout.w2.weight  # (d_a, H), (r, d_a)
        r = w2.shape[0]
        summary = h.new_zeros(batch, hidden)
        for b in range(batch):
            scores = torch.stack([w2 @ torch.tanh(w1 @ h[b, t]) for t in range(n_steps)])  # (T, r)
            for k in range(r):
                column = scores[:, k]
                exp = torch.exp(column - column.max())
                weights = exp / exp.sum()
                embedding = sum(weights[t] * h[b, t] for t in range(n_steps))
                summary[b] = summary[b] + embedding / r
        return summary
    raise ValueError(f"unknown readout {kind!r}")


def classifier_loop(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Logits (B, C) of a ``RecurrentClassifier`` in eval mode, computed by loops only.

    Unidirectional models with any readout, and Bi-LSTM with the ``last`` readout (forward state
    at the last step, backward state at the first step, concatenated).
    """
    inputs = input_cell_loop(model.attention, x) if model.attention is not None else x
    if model.bidirectional:
        if model.readout_kind != "last":
            raise NotImplementedError("the loop reference covers Bi-LSTM with the 'last' readout only")
        forward = lstm_cell_loop(model.lstm, inputs)
        backward = lstm_cell_loop(model.lstm, inputs, reverse=True)
        summary = torch.cat([forward[:, -1], backward[:, 0]], dim=-1)
    else:
        h = lstm_cell_loop(model.lstm, inputs)
        summary = readout_loop(model.readout_kind, h, model.readout)
    return summary @ model.classifier.weight.T + model.classifier.bias
