"""Masks by cumulative saliency mass: the benchmark's "masking percentages" (TSB §2.9).

For each sample, on its rescaled map ŝ (:func:`~salience.metrics.ground_truth.normalize_saliency`:
|saliency|, then min-max into [0, 1] per sample) and for each level p, the mask holds the top-X
cells, where

    X(p) = the smallest X ≥ 1 with Σ_{top X} ŝ / Σ ŝ ≥ p,   capped at (#valid cells − 1).

This is a fraction of saliency **mass**, not of cells (saliency guided training masks a fraction of
features: a different function). Decisions, where the original leaves them open:

- **Ties**: cells are ranked by a stable sort on descending ŝ, so equal values keep their flat
  index order (t·F + f: earlier time steps first, then lower features). The masks are therefore
  deterministic and nested: the mask at a higher level contains the mask at a lower one.
- **Non-decreasing X**: the original continues the search for X from the previous level's X. With
  increasing levels this gives the same X as the direct definition above (the mass of the top X
  cells is non-decreasing in X), so levels must be strictly increasing and no search state is kept.
- **Uninformative maps**: when Σ ŝ = 0 (|saliency| constant over the sample, e.g. all zero) the
  original divides by zero; here the mask is empty at every level (X = 0). Such a sample then has
  no selected mass and drops out of the precision average, and its recall denominator is zero too.
- **Cap**: at most #valid − 1 cells are selected, as in the original. The smallest valid cell has
  ŝ = 0, so the top #valid − 1 cells already hold all the mass and the cap only guards p = 1 against
  rounding. A sample with a single valid cell has ŝ = 0 and selects nothing.
- **Lengths**: with ``lengths`` (N,), ŝ is normalised over each sample's first ``lengths[n]`` steps
  and padded cells are never selected (they rank after every valid cell).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from salience._validation import ArrayLike, check_ndim
from salience.metrics.ground_truth import _valid_cells, normalize_saliency

MASS_LEVELS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
"""The benchmark's masking levels p = 10 %, 20 %, …, 90 % of saliency mass."""

_LAYOUT = "(N, T, F)"


def saliency_mass_masks(
    saliency: ArrayLike, levels: Sequence[float] = MASS_LEVELS, lengths: ArrayLike | None = None
) -> torch.Tensor:
    """Bool masks (L, N, T, F) of the top cells holding a fraction ``levels[l]`` of each sample's ŝ mass.

    Args:
        saliency: raw attributions (N, T, F), numpy or torch; |·| and the per-sample min-max are
            applied here (passing already rescaled maps gives the same result).
        levels: strictly increasing fractions in (0, 1].
        lengths: optional valid steps per sample (N,); padded cells are never selected.

    Example:
        >>> saliency = torch.tensor([[[4.0, 3.0], [1.0, 0.0]]])  # ŝ = [1, .75, .25, 0], Σ = 2
        >>> masks = saliency_mass_masks(saliency, levels=(0.5, 0.8))
        >>> masks[:, 0].int().tolist()  # X = 1 (mass .5), then X = 2 (mass .875)
        [[[1, 0], [0, 0]], [[1, 1], [0, 0]]]
    """
    ranking = _rank_by_mass(saliency, lengths)
    counts = ranking.selection_sizes(_check_levels(levels, "levels"))
    selected = ranking.ranks.unsqueeze(0) < counts.unsqueeze(-1)  # (L, N, T·F)
    return selected.view(counts.shape[0], *ranking.shape)


def saliency_mass_counts(
    saliency: ArrayLike, levels: Sequence[float] = MASS_LEVELS, lengths: ArrayLike | None = None
) -> torch.Tensor:
    """The number of selected cells X (L, N), int64, of :func:`saliency_mass_masks`.

    Example:
        >>> saliency_mass_counts(torch.tensor([[[4.0, 3.0], [1.0, 0.0]]]), levels=(0.5, 0.8, 1.0)).tolist()
        [[1], [2], [3]]
    """
    return _rank_by_mass(saliency, lengths).selection_sizes(_check_levels(levels, "levels"))


@dataclass(frozen=True)
class _MassRanking:
    """Every sample's cells ranked by descending ŝ, with the running mass (internal building block).

    ``s_hat`` and ``valid`` are (N, T·F); ``order[n, k]`` is the flat index of the k-th largest cell,
    ``ranks`` its inverse (rank of each cell), ``cumulative[n, k]`` the ŝ mass of the top k + 1 cells.
    Padded cells rank after every valid cell and carry no mass.
    """

    shape: tuple[int, int, int]
    s_hat: torch.Tensor
    valid: torch.Tensor
    order: torch.Tensor
    ranks: torch.Tensor
    cumulative: torch.Tensor
    total: torch.Tensor
    n_valid: torch.Tensor

    def selection_sizes(self, levels: torch.Tensor) -> torch.Tensor:
        """X (L, N) for strictly increasing ``levels`` in (0, 1] (float64 (L,)); 0 where Σ ŝ = 0."""
        informative = self.total > 0
        denominator = torch.where(informative, self.total, 1.0).unsqueeze(1)
        share = (self.cumulative / denominator).contiguous()  # non-decreasing along each row
        targets = levels.to(share.device).unsqueeze(0).expand(share.shape[0], -1).contiguous()
        first_reaching = torch.searchsorted(share, targets, side="left")  # (N, L): X − 1
        cap = (self.n_valid - 1).clamp(min=1).unsqueeze(1)
        counts = torch.minimum(first_reaching + 1, cap)
        return torch.where(informative.unsqueeze(1), counts, 0).T.contiguous()


def _rank_by_mass(saliency: ArrayLike, lengths: ArrayLike | None = None) -> _MassRanking:
    """Rescale ``saliency`` (N, T, F) to ŝ and rank every sample's cells by it (one sort per sample)."""
    check_ndim(saliency, "saliency", 3, _LAYOUT)
    if saliency.shape[0] == 0:
        raise ValueError("saliency: expected at least one sample, got none")
    s_hat = normalize_saliency(saliency, lengths)
    n_samples, n_steps, n_features = s_hat.shape
    if lengths is None:
        valid = torch.ones(n_samples, n_steps * n_features, dtype=torch.bool, device=s_hat.device)
    else:
        valid = _valid_cells(lengths, n_samples, n_steps).to(s_hat.device)
        valid = valid.expand(n_samples, n_steps, n_features).reshape(n_samples, -1)
    flat = s_hat.reshape(n_samples, -1)
    key = torch.where(valid, flat, -1.0)  # padded cells rank last
    order = _descending_order(key)
    ranks = torch.empty_like(order)
    positions = torch.arange(order.shape[1], device=order.device).expand_as(order)
    ranks.scatter_(1, order, positions)
    cumulative = torch.gather(flat, 1, order).cumsum(dim=1)
    return _MassRanking(
        shape=(n_samples, n_steps, n_features),
        s_hat=flat,
        valid=valid,
        order=order,
        ranks=ranks,
        cumulative=cumulative,
        total=flat.sum(dim=1),
        n_valid=valid.sum(dim=1),
    )


def _descending_order(key: torch.Tensor) -> torch.Tensor:
    """Argsort (N, M) by descending value along dim 1, equal values in index order (a stable order).

    On CPU, numpy's vectorised quicksort and a second sort of (tie group, index) within the ties
    beat a stable sort several times over; other devices use torch's stable sort.
    """
    if key.device.type != "cpu":
        return torch.sort(key, dim=1, descending=True, stable=True).indices
    negated = -key.numpy()
    order = np.argsort(negated, axis=1)  # not stable: ties are put in index order below
    ordered = np.take_along_axis(negated, order, axis=1)
    starts_group = np.ones(ordered.shape, dtype=bool)
    np.not_equal(ordered[:, 1:], ordered[:, :-1], out=starts_group[:, 1:])
    if not starts_group.all():
        group = np.cumsum(starts_group, axis=1)
        within = np.argsort(group * ordered.shape[1] + order, axis=1)  # unique keys
        order = np.take_along_axis(order, within, axis=1)
    return torch.from_numpy(order)


def _check_levels(
    levels: Sequence[float], name: str, *, low: float = 0.0, include_low: bool = False
) -> torch.Tensor:
    """Validated strictly increasing levels in (``low``, 1] (or [``low``, 1]) as float64 (L,)."""
    bound = f"{'[' if include_low else '('}{low:g}, 1]"
    try:
        values = [float(level) for level in levels]
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a sequence of numbers in {bound}, got {levels!r}") from None
    if not values:
        raise ValueError(f"{name}: expected at least one level, got none")
    for value in values:
        above_low = value >= low if include_low else value > low
        if not (math.isfinite(value) and above_low and value <= 1.0):
            raise ValueError(f"{name}: expected numbers in {bound}, got {value!r}")
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise ValueError(f"{name}: expected strictly increasing levels, got {values}")
    return torch.tensor(values, dtype=torch.float64)
