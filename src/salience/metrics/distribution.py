"""The saliency distribution: how concentrated a method's rescaled maps are (TSB §2.13).

Each sample's ŝ (|saliency|, per-sample min-max) is sorted in descending order and the sorted curves
are averaged over samples. A sharp drop after a few values means the method puts its saliency on few
cells; a flat curve spreads it out.
"""

from __future__ import annotations

import math

import torch

from salience._validation import ArrayLike
from salience.metrics.masks import _rank_by_mass


def saliency_distribution(saliency: ArrayLike, lengths: ArrayLike | None = None) -> torch.Tensor:
    """Mean of the descending-sorted ŝ of every sample, float64 (T·F,).

    Samples whose ŝ is all zero (constant |saliency|) are skipped, as in the original; if every
    sample is skipped the curve is all NaN. With ``lengths`` (N,), a sample contributes its
    ``lengths[n]·F`` valid values, and position k is averaged over the samples that have more than k
    valid cells (positions no sample reaches are NaN).

    Example:
        >>> saliency = torch.tensor([[[0.0, 2.0], [1.0, 0.0]], [[4.0, 4.0], [0.0, 0.0]]])
        >>> saliency_distribution(saliency).tolist()  # sorted ŝ: [1, .5, 0, 0] and [1, 1, 0, 0]
        [1.0, 0.75, 0.0, 0.0]
        >>> saliency_distribution(torch.zeros(2, 2, 2)).isnan().all().item()
        True
    """
    ranking = _rank_by_mass(saliency, lengths)
    ordered = torch.gather(ranking.s_hat, 1, ranking.order)  # (N, T·F), padded cells last
    informative = ranking.total > 0
    positions = torch.arange(ordered.shape[1], device=ordered.device)
    counted = (positions.unsqueeze(0) < ranking.n_valid.unsqueeze(1)) & informative.unsqueeze(1)
    totals = torch.where(counted, ordered, 0.0).sum(dim=0)
    counts = counted.sum(dim=0)
    return torch.where(counts > 0, totals / counts.clamp(min=1), math.nan)
