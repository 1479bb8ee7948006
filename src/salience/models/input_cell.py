"""Input-cell attention (Ismail et al., NeurIPS 2019), vectorised over time.

At step t the LSTM input is built from attention over the prefix x_0 … x_t:

    s_j = W₂ tanh(W₁ x_j + b₁) + b₂ ∈ R^r          (one score per hop, depends on x_j only)
    A_t[k, j] = exp(s_jk) / Σ_{j' ≤ t} exp(s_j'k)   (softmax over time, per hop, j ≤ t)
    M_t = A_t X_{≤t} ∈ R^{r × F}

``pooling="flatten"`` feeds vec(M_t) / ‖vec(M_t)‖₂ (r·F values; the version behind the paper's
Table 1), ``pooling="mean"`` feeds the hop average (1/r) Σ_k M_t[k] (F values; the benchmark's
version). The original recomputes attention over the whole prefix at every step (O(T²) work in a
Python loop). Because s_j depends only on x_j, every M_t is a ratio of prefix sums:

    M_t[k] = Σ_{j≤t} e^{s_jk − μ_k} x_j / Σ_{j≤t} e^{s_jk − μ_k}

for any constant μ_k, so all steps are computed at once. We take μ_k = max_j s_jk (detached; the
result does not depend on it). This is exact in floating point as long as the spread of a hop's
scores stays well inside the exponent range (always, for ordinary weights, since tanh bounds the
scores); when it does not, a blockwise path with a per-row running maximum is used, which is stable
for any scores. Memory and time are linear in T: the mean pooling works on blocks of
``block_size`` steps and carries an (r × F) prefix sum from block to block, never a T × T matrix.

Example:
    >>> import torch
    >>> attention = InputCellAttention(n_features=6, r=4, d_a=8, pooling="mean")
    >>> attention(torch.randn(2, 10, 6)).shape
    torch.Size([2, 10, 6])
"""

from __future__ import annotations

import math

import torch
from torch import nn

from salience._validation import check_choice, check_ndim, check_positive_int

POOLINGS = ("flatten", "mean")


class InputCellAttention(nn.Module):
    """Map x (B, T, F) to the per-step LSTM inputs (B, T, D) by attention over each prefix.

    Args:
        n_features: F.
        r: attention hops.
        d_a: hidden size of the attention MLP.
        pooling: ``"flatten"`` (D = r·F, L2-normalised per step) or ``"mean"`` (D = F).
        partial_steps: if given, attention is applied only to the last ``partial_steps`` steps
            and covers only them: step t of that window attends over the window's steps up to t,
            and earlier steps see only their own input (every hop puts weight 1 on x_t). This is
            the supplement's partial-attention experiment (Figure 3); early inputs then reach the
            output only through the LSTM's recurrence, so their saliency still vanishes.
        block_size: steps per block of the linear-memory computation.

    Attributes:
        w1: ``nn.Linear(F, d_a)``; w2: ``nn.Linear(d_a, r)``. Weights Xavier-uniform, biases zero.
    """

    def __init__(
        self,
        n_features: int,
        r: int = 20,
        d_a: int = 50,
        pooling: str = "flatten",
        partial_steps: int | None = None,
        block_size: int = 128,
    ) -> None:
        super().__init__()
        check_positive_int(n_features, "n_features")
        check_positive_int(r, "r")
        check_positive_int(d_a, "d_a")
        check_choice(pooling, "pooling", POOLINGS)
        check_positive_int(block_size, "block_size")
        if partial_steps is not None:
            check_positive_int(partial_steps, "partial_steps")
        self.n_features, self.r, self.d_a = n_features, r, d_a
        self.pooling = pooling
        self.partial_steps = partial_steps
        self.block_size = block_size
        self.w1 = nn.Linear(n_features, d_a)
        self.w2 = nn.Linear(d_a, r)
        for layer in (self.w1, self.w2):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    @property
    def output_size(self) -> int:
        """D, the size of each step's output."""
        return self.r * self.n_features if self.pooling == "flatten" else self.n_features

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """Attention scores s (B, T, r); s[:, j] depends on x[:, j] only."""
        return self.w2(torch.tanh(self.w1(x)))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Per-step LSTM inputs (B, T, D) for x (B, T, F).

        ``lengths`` (B,) matters only with ``partial_steps``: the attention window is then the last
        ``partial_steps`` valid steps of each sample. (Attention is causal, so padding after a
        sample's end never changes its valid steps.)
        """
        check_ndim(x, "x", 3, "(B, T, F)")
        if x.shape[-1] != self.n_features:
            raise ValueError(f"x: expected {self.n_features} features, got {x.shape[-1]}")
        s = self.scores(x)
        window = self._window(x, lengths)
        scores = s.detach()
        highest = scores.amax(dim=1, keepdim=True)  # (B, 1, r): the shift of the fast path
        spread = float((highest - scores.amin(dim=1, keepdim=True)).max()) if s.numel() else 0.0
        if spread <= _safe_spread(s.dtype):
            pooled = _prefix_attention_shifted(s, x, self.pooling, self.block_size, window, highest)
        else:
            pooled = _prefix_attention_running_max(s, x, self.block_size, window)
            if self.pooling == "mean":
                pooled = pooled.mean(dim=2)
            else:
                pooled = pooled.flatten(start_dim=2)
                pooled = pooled / pooled.norm(dim=-1, keepdim=True).clamp_min(1e-12)
        if window is not None:
            pooled = self._only_self_before(window, pooled, x)
        return pooled

    def _window(self, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor | None:
        """Bool (B, T, 1), True on each sample's last ``partial_steps`` valid steps (None: all)."""
        if self.partial_steps is None:
            return None
        n_steps = x.shape[1]
        ends = (
            torch.full((x.shape[0],), n_steps, device=x.device) if lengths is None else lengths.to(x.device)
        )
        steps = torch.arange(n_steps, device=x.device).unsqueeze(0)
        return (steps >= (ends - self.partial_steps).unsqueeze(1)).unsqueeze(-1)

    def _only_self_before(self, window: torch.Tensor, pooled: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Steps before the window attend only to themselves (M_t[k] = x_t for every hop k)."""
        own = x
        if self.pooling == "flatten":
            # vec of r copies of x_t, L2-normalised like every other flattened step
            own = x.repeat(1, 1, self.r) / (math.sqrt(self.r) * x.norm(dim=-1, keepdim=True)).clamp_min(1e-12)
        return torch.where(window, pooled, own)

    def extra_repr(self) -> str:
        window = f", partial_steps={self.partial_steps}" if self.partial_steps else ""
        return f"n_features={self.n_features}, r={self.r}, d_a={self.d_a}, pooling={self.pooling!r}{window}"


def _safe_spread(dtype: torch.dtype) -> float:
    """Largest score spread for which e^{s − max s} stays far from underflow in ``dtype``."""
    return 0.5 * -math.log(torch.finfo(dtype).tiny)


def _prefix_attention_shifted(
    s: torch.Tensor,
    x: torch.Tensor,
    pooling: str,
    block_size: int,
    window: torch.Tensor | None = None,
    highest: torch.Tensor | None = None,
) -> torch.Tensor:
    """Prefix attention with one shift per (sample, hop), pooled.

    Returns (B, T, r·F), L2-normalised per step, for flatten; (B, T, F) for mean. ``highest``
    (B, 1, r), the detached per-hop maximum score, is computed here unless the caller has it.
    """
    if highest is None:
        highest = s.detach().amax(dim=1, keepdim=True)
    e = torch.exp(s - highest)  # (B, T, r), in (0, 1]
    if window is not None:  # prefixes start at the window: steps before it weigh nothing
        e = e * window
    denominator = torch.cumsum(e, dim=1)  # (B, T, r); zero only before a window
    positive = denominator > 0
    inverse_d = torch.where(positive, 1.0 / torch.where(positive, denominator, 1.0), 0.0)
    if pooling == "flatten":
        # vec(M_t) / ||vec(M_t)|| with M_t[k] = N_tk / D_tk: one scale 1 / (D_tk ||M_t||) per (t, k),
        # applied once to the (B, T, r, F) prefix sums N, instead of dividing twice.
        numerator = torch.cumsum(e.unsqueeze(-1) * x.unsqueeze(2), dim=1)  # (B, T, r, F)
        norm_sq = (numerator.square().sum(dim=-1) * inverse_d.square()).sum(dim=-1, keepdim=True)
        scale = inverse_d * torch.rsqrt(norm_sq.clamp_min(1e-24))  # (B, T, r)
        return (numerator * scale.unsqueeze(-1)).flatten(start_dim=2)
    # Mean over hops: m_t = Σ_j [Σ_k e_jk / (r D_tk)] x_j, computed block by block so that no
    # T × T matrix is ever formed; `carry` holds Σ_{j < block} e_jk x_j for every hop k.
    inverse = inverse_d / s.shape[-1]  # (B, T, r)
    # `split` rather than slicing: the backward of a slice materialises a zero tensor of the whole
    # sequence per block (quadratic in T); the backward of split concatenates once.
    blocks = list(
        zip(
            e.split(block_size, dim=1),
            x.split(block_size, dim=1),
            inverse.split(block_size, dim=1),
            strict=True,
        )
    )
    carry = None
    outputs = []
    for index, (e_block, x_block, inv_block) in enumerate(blocks):
        weights = torch.tril(inv_block @ e_block.transpose(1, 2))  # (B, L, L), row t, column j ≤ t
        out = weights @ x_block if carry is None else torch.baddbmm(weights @ x_block, inv_block, carry)
        outputs.append(out)
        if index + 1 < len(blocks):  # the last block's sum would carry into nothing
            block_sum = e_block.transpose(1, 2) @ x_block  # (B, r, F)
            carry = block_sum if carry is None else carry + block_sum
    return outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=1)


def _prefix_attention_running_max(
    s: torch.Tensor, x: torch.Tensor, block_size: int, window: torch.Tensor | None = None
) -> torch.Tensor:
    """Per-hop prefix attention (B, T, r, F), stable for any scores.

    Each row t is shifted by the running maximum of its own prefix, so its largest weight is
    exactly 1 and nothing underflows to an empty sum. Blocks of ``block_size`` rows carry the
    running maximum, numerator and denominator of everything before them. Steps outside ``window``
    (B, T, 1) get no weight; a row whose prefix holds no weighted step returns zeros.
    """
    if window is not None:
        s = s.masked_fill(~window, -math.inf)
    prev_max = prev_num = prev_den = None
    outputs = []
    for sb, xb in zip(s.transpose(1, 2).split(block_size, dim=2), x.split(block_size, dim=1), strict=True):
        length = sb.shape[-1]
        row_max = torch.cummax(sb.detach(), dim=-1).values  # (B, r, L)
        if prev_max is not None:
            row_max = torch.maximum(row_max, prev_max.unsqueeze(-1))
        # Rows whose prefix is all -inf (before a window) shift by 0: their weights are exp(-inf) = 0.
        shift = torch.where(torch.isfinite(row_max), row_max, 0.0)
        causal = torch.ones(length, length, dtype=torch.bool, device=s.device).tril()
        exponent = (sb.unsqueeze(2) - shift.unsqueeze(-1)).masked_fill(~causal, -math.inf)
        weights = torch.exp(exponent)  # (B, r, L rows, L cols)
        numerator = torch.einsum("bktj,bjf->btkf", weights, xb)
        denominator = weights.sum(dim=-1)  # (B, r, L)
        if prev_max is not None:
            scale = torch.exp(prev_max.unsqueeze(-1) - shift)  # (B, r, L)
            numerator = numerator + torch.einsum("bkt,bkf->btkf", scale, prev_num)
            denominator = denominator + scale * prev_den.unsqueeze(-1)
        outputs.append(
            numerator / denominator.transpose(1, 2).unsqueeze(-1).clamp_min(torch.finfo(s.dtype).tiny)
        )
        prev_max = row_max[:, :, -1]
        prev_num = numerator[:, -1]  # (B, r, F), relative to prev_max
        prev_den = denominator[:, :, -1]
    return outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=1)
