"""Readouts that turn per-step hidden states (B, T, H) into one vector (B, H) per sequence.

All honour optional ``lengths`` (B,): steps at or beyond a sample's length are ignored.
"""

from __future__ import annotations

import torch
from torch import nn

from salience._validation import as_lengths, check_choice, check_ndim, check_positive_int

READOUTS = ("last", "max", "mean", "selfattn")


def valid_steps(lengths: torch.Tensor | None, n_steps: int, device: torch.device) -> torch.Tensor | None:
    """Bool (B, T) that is True inside each sample's length, or None when all steps are valid."""
    if lengths is None:
        return None
    steps = torch.arange(n_steps, device=device)
    return steps.unsqueeze(0) < lengths.to(device).unsqueeze(1)


def checked_lengths(x: torch.Tensor, lengths: object, n_features: int) -> torch.Tensor | None:
    """Check a (B, T, F) input against the model's feature count; ``lengths`` as a (B,) tensor or None.

    Example:
        >>> checked_lengths(torch.zeros(2, 4, 3), torch.tensor([4, 2]), n_features=3).tolist()
        [4, 2]
    """
    check_ndim(x, "x", 3, "(B, T, F)")
    if x.shape[-1] != n_features:
        raise ValueError(f"x: expected {n_features} features, got {x.shape[-1]}")
    return None if lengths is None else as_lengths(lengths, x.shape[0], x.shape[1])


class TemporalPooling(nn.Module):
    """``last`` (state at the last valid step), ``max`` or ``mean`` over time.

    Example:
        >>> h = torch.arange(6.0).reshape(1, 3, 2)
        >>> TemporalPooling("mean")(h).tolist()
        [[2.0, 3.0]]
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        check_choice(kind, "readout", ("last", "max", "mean"))
        self.kind = kind

    def forward(self, h: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        valid = valid_steps(lengths, h.shape[1], h.device)
        if self.kind == "last":
            if lengths is None:
                return h[:, -1]
            index = (lengths.to(h.device) - 1).view(-1, 1, 1).expand(-1, 1, h.shape[-1])
            return h.gather(1, index).squeeze(1)
        if self.kind == "max":
            if valid is not None:
                h = h.masked_fill(~valid.unsqueeze(-1), float("-inf"))
            return h.amax(dim=1)
        if valid is None:
            return h.mean(dim=1)
        weights = valid.unsqueeze(-1).to(h.dtype)
        return (h * weights).sum(dim=1) / weights.sum(dim=1)

    def extra_repr(self) -> str:
        return repr(self.kind)


class SelfAttentionPooling(nn.Module):
    """Structured self-attention over hidden states (Lin et al. 2017), averaged over hops.

    A = softmax_T(W₂ tanh(W₁ hᵀ)) ∈ R^{r × T}; output = mean over hops of A h ∈ R^{r × H}.

    Example:
        >>> pool = SelfAttentionPooling(hidden_size=4, r=3, d_a=5)
        >>> pool(torch.randn(2, 7, 4)).shape
        torch.Size([2, 4])
    """

    def __init__(self, hidden_size: int, r: int = 20, d_a: int = 50) -> None:
        super().__init__()
        check_positive_int(r, "attn_r")
        check_positive_int(d_a, "attn_d_a")
        self.w1 = nn.Linear(hidden_size, d_a, bias=False)
        self.w2 = nn.Linear(d_a, r, bias=False)

    def forward(self, h: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        scores = self.w2(torch.tanh(self.w1(h)))  # (B, T, r)
        valid = valid_steps(lengths, h.shape[1], h.device)
        if valid is not None:
            scores = scores.masked_fill(~valid.unsqueeze(-1), float("-inf"))
        weights = torch.softmax(scores, dim=1)  # over time
        return torch.einsum("btk,bth->bh", weights, h) / weights.shape[-1]
