"""How concentrated a saliency map is: Gini index, share of near-zero values, value histogram.

Saliency guided training claims sparser gradients (Ismail et al. 2021, Figure 2): most cells near
zero, a few large ones. These statistics measure that per sample, on |saliency| over all its cells:

- :func:`gini_index`: Hurley & Rickard's (2009) Gini index of the sorted magnitudes, 0 for a constant
  map, 1 − 1/n for a single non-zero cell out of n; higher is sparser;
- :func:`fraction_near_zero`: the share of cells with |g| ≤ tolerance · max |g| of the sample;
- :func:`saliency_histogram`: the distribution of the per-sample scaled values g / max |g| in
  [−1, 1], the paper's per-sample gradient distributions.
"""

from __future__ import annotations

import math

import torch

from salience._validation import ArrayLike, as_tensor, check_array, check_finite, check_positive_int

NEAR_ZERO_TOLERANCE = 0.01
"""Default tolerance of :func:`fraction_near_zero`: a cell is near zero below 1 % of the sample's
largest magnitude."""


def gini_index(saliency: ArrayLike) -> torch.Tensor:
    """Gini index of each sample's |saliency|, float64 (N,); NaN for an all-zero sample.

    With c_(1) ≤ … ≤ c_(n) the sorted magnitudes of a sample's n cells,
    G = 1 − 2 Σ_k (c_(k) / ‖c‖₁) · (n − k + ½) / n (Hurley & Rickard 2009).

    Args:
        saliency: maps (N, ...) (e.g. (N, T, F)); each sample's cells are taken together.

    Example:
        >>> gini_index(torch.tensor([[0.0, 0.0, 0.0, 3.0], [1.0, -1.0, 1.0, 1.0]])).tolist()
        [0.75, 0.0]
    """
    magnitudes = _magnitudes(saliency)
    n_cells = magnitudes.shape[1]
    ordered, _ = torch.sort(magnitudes, dim=1)
    total = ordered.sum(dim=1)
    weights = (n_cells - torch.arange(1, n_cells + 1, dtype=torch.float64) + 0.5) / n_cells
    gini = 1.0 - 2.0 * (ordered * weights).sum(dim=1) / total.clamp(min=torch.finfo(torch.float64).tiny)
    return torch.where(total > 0, gini, math.nan)


def fraction_near_zero(saliency: ArrayLike, *, tolerance: float = NEAR_ZERO_TOLERANCE) -> torch.Tensor:
    """Share of each sample's cells with |g| ≤ ``tolerance`` · max |g| (of that sample), float64 (N,).

    An all-zero sample counts as all near zero (1.0).

    Args:
        saliency: maps (N, ...).
        tolerance: in [0, 1]; 0.01 by default.

    Example:
        >>> fraction_near_zero(torch.tensor([[0.0, 0.005, 0.5, -1.0], [0.0, 0.0, 0.0, 0.0]])).tolist()
        [0.5, 1.0]
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance <= 1:
        raise ValueError(f"tolerance: expected a number in [0, 1], got {tolerance!r}")
    magnitudes = _magnitudes(saliency)
    peak = magnitudes.max(dim=1, keepdim=True).values
    return (magnitudes <= tolerance * peak).to(torch.float64).mean(dim=1)


def saliency_histogram(saliency: ArrayLike, *, bins: int = 41) -> tuple[torch.Tensor, torch.Tensor]:
    """Distribution of the per-sample scaled values g / max |g| over every cell of every sample.

    Each sample is scaled into [−1, 1] by its own largest magnitude (all-zero samples stay 0), as the
    paper's figures do; the values of all samples are then pooled.

    Args:
        saliency: signed maps (N, ...).
        bins: equal-width bins over [−1, 1].

    Returns:
        ``(fractions, edges)``: float64 (bins,) summing to 1, and the bin edges (bins + 1,).

    Example:
        >>> fractions, edges = saliency_histogram(torch.tensor([[-2.0, 0.0, 0.0, 1.0]]), bins=2)
        >>> fractions.tolist(), edges.tolist()
        ([0.25, 0.75], [-1.0, 0.0, 1.0])
    """
    check_positive_int(bins, "bins")
    values = _values(saliency)
    peak = values.abs().max(dim=1, keepdim=True).values
    scaled = torch.where(peak > 0, values / peak.clamp(min=torch.finfo(torch.float64).tiny), 0.0)
    counts, edges = torch.histogram(scaled.flatten(), bins=bins, range=(-1.0, 1.0))
    return counts / counts.sum(), edges


def _values(saliency: object) -> torch.Tensor:
    """Maps (N, ...) with N ≥ 1 and at least one cell, as float64 CPU (N, cells)."""
    check_array(saliency, "saliency")
    tensor = as_tensor(saliency, "saliency")
    if tensor.ndim < 2 or tensor.shape[0] == 0 or tensor[0].numel() == 0:
        raise ValueError(
            f"saliency: expected maps (N, ...) with at least one sample and cell, got {tuple(tensor.shape)}"
        )
    if tensor.is_complex() or tensor.dtype == torch.bool:
        raise TypeError(f"saliency: expected real numbers, got dtype {tensor.dtype}")
    check_finite(tensor, "saliency")
    return tensor.detach().to(device="cpu", dtype=torch.float64).reshape(tensor.shape[0], -1)


def _magnitudes(saliency: object) -> torch.Tensor:
    return _values(saliency).abs()
