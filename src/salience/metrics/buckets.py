"""Where the most salient cells fall in time: shares per time bucket (ICA supplement, Figure 5).

For each sample, the top ``top_fraction`` of its cells by |saliency| are taken (k = max(1,
round(top_fraction · valid cells)), rounding halves up; ties go to the earlier cell in (t, f) order;
cells with zero saliency are never selected, so a sample with fewer non-zero cells contributes those
only). Each selected cell is counted in the time bucket ``[edges[b], edges[b + 1])`` holding its step,
and the counts are divided by the number of selected cells. The paper divides the on-task window into
4 buckets followed by one off-task bucket (:func:`on_off_buckets`); it does not say how many cells
count as "salient features", and our default is the top 5 %.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from salience._validation import ArrayLike, check_positive_int
from salience.metrics.ground_truth import _as_float64, _check_cells, _valid_cells

#: Default share of each sample's cells counted as its salient cells.
TOP_FRACTION = 0.05


@dataclass(frozen=True)
class BucketShares:
    """Shares of the top-salient cells per time bucket.

    ``per_sample`` (N, B) float64: each row sums to 1 when the edges cover the sample's valid steps
    (a row is NaN for a sample with no non-zero saliency); ``mean`` (B,): the mean over the samples
    with a defined row (NaN if none); ``n_selected`` (N,) int64: the cells counted per sample.
    """

    edges: tuple[int, ...]
    mean: torch.Tensor
    per_sample: torch.Tensor
    n_selected: torch.Tensor


def on_off_buckets(on_steps: int, off_steps: int, n_on_buckets: int = 4) -> tuple[int, ...]:
    """Bucket edges: the on-task window [0, on_steps) cut into ``n_on_buckets`` near-equal buckets
    (edge i at round(i · on_steps / n), halves up), then one off-task bucket (if ``off_steps`` > 0).

    Example:
        >>> on_off_buckets(38, 10)
        (0, 10, 19, 29, 38, 48)
    """
    check_positive_int(on_steps, "on_steps")
    check_positive_int(off_steps, "off_steps", allow_zero=True)
    check_positive_int(n_on_buckets, "n_on_buckets")
    if n_on_buckets > on_steps:
        raise ValueError(f"n_on_buckets: expected at most on_steps ({on_steps}), got {n_on_buckets}")
    edges = [(2 * i * on_steps + n_on_buckets) // (2 * n_on_buckets) for i in range(n_on_buckets + 1)]
    if off_steps:
        edges.append(on_steps + off_steps)
    return tuple(edges)


def time_bucket_distribution(
    saliency: ArrayLike,
    *,
    edges: Sequence[int],
    top_fraction: float = TOP_FRACTION,
    lengths: ArrayLike | None = None,
) -> BucketShares:
    """Share of each sample's top-salient cells that falls in each time bucket (all samples at once).

    Args:
        saliency: attributions (N, T, F); their absolute values rank the cells.
        edges: strictly increasing step indices in [0, T]; bucket b is [edges[b], edges[b + 1]).
            Selected cells outside [edges[0], edges[-1]) count in no bucket (the row then sums to < 1).
        top_fraction: in (0, 1]; the share of each sample's valid cells selected (default 5 %).
        lengths: optional valid lengths (N,); steps from ``lengths[n]`` on are never selected and the
            valid cells are ``lengths[n] · F``.

    Example:
        >>> s = torch.zeros(2, 4, 1)
        >>> s[0, :, 0] = torch.tensor([0.0, 1.0, 3.0, 2.0])
        >>> s[1, :, 0] = torch.tensor([-5.0, 0.0, 0.0, 4.0])
        >>> shares = time_bucket_distribution(s, edges=(0, 2, 4), top_fraction=0.5)
        >>> shares.per_sample.tolist(), shares.mean.tolist()
        ([[0.0, 1.0], [0.5, 0.5]], [0.25, 0.75])
    """
    s = _as_float64(saliency, "saliency").abs()
    _check_cells(s, "saliency")
    n_samples, n_steps, n_features = s.shape
    bounds = _check_edges(edges, n_steps)
    if (
        isinstance(top_fraction, bool)
        or not isinstance(top_fraction, (int, float))
        or not 0.0 < float(top_fraction) <= 1.0
    ):
        raise ValueError(f"top_fraction: expected a number in (0, 1], got {top_fraction!r}")

    if lengths is None:
        valid = torch.ones(n_samples, n_steps, 1, dtype=torch.bool, device=s.device)
    else:
        valid = _valid_cells(lengths, n_samples, n_steps).to(s.device)
    n_valid = valid.sum(dim=(1, 2)) * n_features  # (N,)
    k = torch.floor(float(top_fraction) * n_valid.to(torch.float64) + 0.5).to(torch.int64).clamp(min=1)

    flat = torch.where(valid, s, -1.0).reshape(n_samples, -1)  # padded cells rank last
    order = torch.sort(flat, dim=1, descending=True, stable=True).indices  # ties: earlier cell first
    ranks = torch.empty_like(order)
    positions = torch.arange(order.shape[1], device=order.device).expand_as(order)
    ranks.scatter_(1, order, positions)
    selected = (ranks < k.unsqueeze(1)) & (flat > 0)  # (N, T·F)
    per_step = selected.view(n_samples, n_steps, n_features).sum(dim=2).to(torch.float64)  # (N, T)

    bucket_of_step = torch.bucketize(torch.arange(n_steps), bounds, right=True) - 1  # (T,)
    n_buckets = len(bounds) - 1
    inside = (bucket_of_step >= 0) & (bucket_of_step < n_buckets)
    assign = torch.zeros(n_steps, n_buckets, dtype=torch.float64)
    assign[inside.nonzero().squeeze(1), bucket_of_step[inside]] = 1.0
    counts = per_step @ assign.to(per_step.device)  # (N, B)
    n_selected = selected.sum(dim=1)
    denominator = n_selected.to(torch.float64).unsqueeze(1)
    per_sample = torch.where(denominator > 0, counts / denominator.clamp(min=1.0), math.nan)
    defined = n_selected > 0
    mean = per_sample[defined].mean(dim=0) if bool(defined.any()) else torch.full((n_buckets,), math.nan)
    return BucketShares(
        edges=tuple(int(e) for e in bounds), mean=mean, per_sample=per_sample, n_selected=n_selected
    )


def _check_edges(edges: object, n_steps: int) -> torch.Tensor:
    if isinstance(edges, torch.Tensor):
        edges = edges.tolist()
    if isinstance(edges, (str, bytes)) or not isinstance(edges, Sequence):
        raise TypeError(f"edges: expected a sequence of step indices, got {type(edges).__name__}")
    values = list(edges)
    if len(values) < 2 or not all(
        isinstance(e, numbers.Integral) and not isinstance(e, bool) for e in values
    ):
        raise ValueError(f"edges: expected at least two integer step indices, got {values!r}")
    if values[0] < 0 or values[-1] > n_steps or any(b <= a for a, b in itertools.pairwise(values)):
        raise ValueError(f"edges: expected strictly increasing steps in [0, {n_steps}], got {values!r}")
    values = [int(e) for e in values]
    return torch.tensor(values, dtype=torch.int64)
