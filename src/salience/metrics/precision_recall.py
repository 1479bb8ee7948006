"""Saliency-weighted precision and recall against the ground-truth cells; AUP, AUR, AUPR (TSB §2.11–2.12).

For sample i and level p, with ŝ the rescaled map (|saliency|, per-sample min-max), P the
saliency-mass mask at p (:func:`~salience.metrics.masks.saliency_mass_masks`) and G the ground-truth
cells:

    precision_i(p) = Σ_{P∩G} ŝ / Σ_P ŝ          recall_i(p) = Σ_{P∩G} ŝ / Σ_G ŝ

A sample whose denominator is 0 is left out of that level's average (its per-sample value is NaN);
a level without any sample left is NaN. Areas use the trapezoid rule over x = the levels:

    AUP  = trapezoid(precision, x = 0.1 … 0.9)   in [0, 0.8] with the default nine levels
    AUR  = trapezoid(recall,    x = 0.1 … 0.9)   in [0, 0.8]
    AUPR = trapezoid(precision sorted by recall, x = recall)   in [0, 1]

An area is NaN as soon as one of its points is NaN (e.g. no sample has any ground-truth mass).

**Time and feature level** (``unit="time"`` / ``"feature"``): a time step (row) is selected when any
of its cells is in P and true when any is in G; its weight is the mean of the K largest ŝ in the row.
Features (columns) likewise. K comes from each sample's ground-truth box extent: its length in time
(rows with a G cell) and its width in features (columns with a G cell).

- ``top_k="corrected"`` (the default): K = the box width in features for rows, the box length in
  time for columns, i.e. the number of informative cells the box puts in each of its rows (columns).
  A box row's weight is then the mean ŝ over as many cells as it has informative ones.
- ``top_k="reference"``: the original's choice, K = box length in time for rows and box width in
  features for columns. These look swapped, and the swap matters for the non-square boxes: on
  RareFeature (40 steps × 6 features) a box row has 6 informative cells but its weight averages the
  top 40 of 50 cells, mostly background; on RareTime (6 × 40) only the top 6 of the 40 informative
  cells count. Square boxes (Middle, SmallMiddle, Positional) give the same result either way. Use it
  to reproduce the original's time/feature numbers.

K is clamped to [1, cells in the row or column] (so a sample with an empty mask still has weights:
its precision is 0 and its recall is left out, as at the cell level).

With ``lengths`` (N,), padded steps are never selected, never true and never weigh anything.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import torch

from salience._validation import ArrayLike, check_choice, check_ndim, check_same_shape
from salience.metrics.ground_truth import _as_binary
from salience.metrics.masks import MASS_LEVELS, _check_levels, _MassRanking, _rank_by_mass

Unit = Literal["cell", "time", "feature"]
TopK = Literal["corrected", "reference"]
_UNITS = ("cell", "time", "feature")
_TOP_K = ("corrected", "reference")
_AREA_PREFIX = {"cell": "", "time": "time_", "feature": "feature_"}


def weighted_precision_recall(
    saliency: ArrayLike, mask: ArrayLike, levels: Sequence[float] = MASS_LEVELS,
    lengths: ArrayLike | None = None, *, unit: Unit = "cell", top_k: TopK = "corrected",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample weighted precision and recall, float64 (L, N) each; NaN where the denominator is 0.

    Args:
        saliency: raw attributions (N, T, F); |·| and the per-sample min-max are applied here.
        mask: ground-truth informative cells (N, T, F), boolean or 0/1.
        levels: strictly increasing saliency-mass fractions in (0, 1].
        lengths: optional valid steps per sample (N,).
        unit: ``"cell"``, ``"time"`` (rows) or ``"feature"`` (columns); see the module docstring.
        top_k: ``"corrected"`` or ``"reference"``: the K of the time/feature weights.

    Example:
        >>> saliency = torch.tensor([[[4.0, 3.0], [1.0, 0.0]]])  # ŝ = [[1, .75], [.25, 0]]
        >>> mask = torch.tensor([[[False, True], [True, False]]])
        >>> precision, recall = weighted_precision_recall(saliency, mask, levels=(0.5, 0.8))
        >>> precision[:, 0].tolist(), recall[:, 0].tolist()  # P = {ŝ=1}, then {1, .75}; Σ_G ŝ = 1
        ([0.0, 0.42857142857142855], [0.0, 0.75])
    """
    check_choice(unit, "unit", _UNITS)
    check_choice(top_k, "top_k", _TOP_K)
    ranking, truth, level_values = _prepare(saliency, mask, levels, lengths)
    return _per_sample(ranking, truth, level_values, unit, top_k)


def precision_recall_curve(
    saliency: ArrayLike, mask: ArrayLike, levels: Sequence[float] = MASS_LEVELS,
    lengths: ArrayLike | None = None, *, unit: Unit = "cell", top_k: TopK = "corrected",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Precision and recall per level, float64 (L,) each: means over samples with a positive denominator.

    Arguments as in :func:`weighted_precision_recall`; a level where no sample counts is NaN.

    Example:
        >>> saliency = torch.tensor([[[4.0, 3.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]])
        >>> mask = torch.tensor([[[True, False], [False, False]]]).expand(2, 2, 2)
        >>> precision, recall = precision_recall_curve(saliency, mask, levels=(0.5, 0.8))
        >>> precision.tolist(), recall.tolist()  # the all-zero second map is left out
        ([1.0, 0.5714285714285714], [1.0, 1.0])
    """
    precision, recall = weighted_precision_recall(saliency, mask, levels, lengths, unit=unit, top_k=top_k)
    return precision.nanmean(dim=1), recall.nanmean(dim=1)


def aup(
    saliency: ArrayLike, mask: ArrayLike, levels: Sequence[float] = MASS_LEVELS,
    lengths: ArrayLike | None = None, *, unit: Unit = "cell", top_k: TopK = "corrected",
) -> float:
    """Area under the weighted precision curve over x = ``levels`` (max 0.8 with the default levels).

    Takes raw attributions (N, T, F) and the ground-truth mask; NaN when a level has no sample with
    selected mass. Other arguments as in :func:`weighted_precision_recall`.

    Example:
        >>> mask = torch.zeros(1, 4, 4, dtype=torch.bool)
        >>> mask[0, 1:3, 1:3] = True
        >>> round(aup(mask.double() * 5.0, mask), 12)  # a perfect map: precision 1 at every level
        0.8
    """
    return _area("aup", saliency, mask, levels, lengths, unit, top_k)


def aur(
    saliency: ArrayLike, mask: ArrayLike, levels: Sequence[float] = MASS_LEVELS,
    lengths: ArrayLike | None = None, *, unit: Unit = "cell", top_k: TopK = "corrected",
) -> float:
    """Area under the weighted recall curve over x = ``levels`` (max 0.8 with the default levels).

    Takes raw attributions (N, T, F) and the ground-truth mask; NaN when no sample has ground-truth
    mass (Σ_G ŝ = 0 for all). Other arguments as in :func:`weighted_precision_recall`.

    Example:
        >>> mask = torch.zeros(1, 4, 4, dtype=torch.bool)
        >>> mask[0, 1:3, 1:3] = True
        >>> aur(mask.double(), mask, levels=(0.25, 0.5))  # recall 1/4 then 2/4 of the box mass
        0.09375
    """
    return _area("aur", saliency, mask, levels, lengths, unit, top_k)


def aupr(
    saliency: ArrayLike, mask: ArrayLike, levels: Sequence[float] = MASS_LEVELS,
    lengths: ArrayLike | None = None, *, unit: Unit = "cell", top_k: TopK = "corrected",
) -> float:
    """Area under precision against recall: the trapezoid of precision sorted by recall, x = recall.

    In [0, 1]; NaN when a point of either curve is NaN. Arguments as in :func:`weighted_precision_recall`.

    Example:
        >>> mask = torch.zeros(1, 4, 4, dtype=torch.bool)
        >>> mask[0, 1:3, 1:3] = True
        >>> aupr(mask.double(), mask, levels=(0.25, 0.5))  # precision 1 from recall 1/4 to 2/4
        0.25
    """
    return _area("aupr", saliency, mask, levels, lengths, unit, top_k)


def ground_truth_scores(
    saliency: ArrayLike,
    mask: ArrayLike,
    levels: Sequence[float] = MASS_LEVELS,
    lengths: ArrayLike | None = None,
    *,
    top_k: TopK = "corrected",
) -> dict[str, float]:
    """Every precision/recall score of one saliency map set, from a single ranking of the cells.

    Keys (NaN where not computable, see the module docstring; the results store keeps NaN as NULL):

    - ``aup``, ``aur``, ``aupr``: cell-level areas;
    - ``precision@10`` … ``precision@90``, ``recall@10`` … ``recall@90``: the cell-level curves, one
      key per level, named by the level in percent (``precision@12.5`` for 0.125);
    - ``time_aup``, ``time_aur``, ``time_aupr``, ``feature_aup``, ``feature_aur``, ``feature_aupr``:
      the time- and feature-level areas (with ``top_k``).

    Example:
        >>> mask = torch.zeros(2, 4, 4, dtype=torch.bool)
        >>> mask[:, 1:3, 1:3] = True
        >>> saliency = mask.double() + 0.01 * torch.arange(32.0).view(2, 4, 4)
        >>> scores = ground_truth_scores(saliency, mask)
        >>> scores["aup"] > 0.7, scores["precision@10"], round(scores["time_aupr"], 6) <= 1.0
        (True, 1.0, True)
    """
    check_choice(top_k, "top_k", _TOP_K)
    ranking, truth, level_values = _prepare(saliency, mask, levels, lengths)
    scores: dict[str, float] = {}
    for unit in _UNITS:
        precision, recall = _per_sample(ranking, truth, level_values, unit, top_k)
        precision_curve, recall_curve = precision.nanmean(dim=1), recall.nanmean(dim=1)
        areas = _areas(precision_curve, recall_curve, level_values)
        scores.update({f"{_AREA_PREFIX[unit]}{name}": value for name, value in areas.items()})
        if unit == "cell":
            for level, p, r in zip(level_values.tolist(), precision_curve, recall_curve, strict=True):
                scores[f"precision@{_level_name(level)}"] = float(p)
                scores[f"recall@{_level_name(level)}"] = float(r)
    return scores


def diff_scores(scores: Mapping[str, float], baseline: Mapping[str, float]) -> dict[str, float]:
    """Diff(AUP) and Diff(AUR): a method's areas minus those of the random baseline (SGT poster Table 2).

    Args:
        scores: the method's scores, e.g. from :func:`ground_truth_scores` (needs ``aup``, ``aur``).
        baseline: the same scores for the random baseline saliency.

    Returns ``{"diff_aup": ..., "diff_aur": ...}``, each in [−0.8, 0.8] with the default levels.

    Example:
        >>> diff_scores({"aup": 0.5, "aur": 0.25}, {"aup": 0.25, "aur": 0.5})
        {'diff_aup': 0.25, 'diff_aur': -0.25}
    """
    result = {}
    for argument, values in (("scores", scores), ("baseline", baseline)):
        if not isinstance(values, Mapping):
            raise TypeError(f"{argument}: expected a mapping of scores, got {type(values).__name__}")
        missing = [key for key in ("aup", "aur") if key not in values]
        if missing:
            raise ValueError(f"{argument}: expected the keys aup and aur, missing {', '.join(missing)}")
    for key in ("aup", "aur"):
        result[f"diff_{key}"] = float(scores[key]) - float(baseline[key])
    return result


def _area(
    name: str, saliency: ArrayLike, mask: ArrayLike, levels: Sequence[float], lengths: ArrayLike | None,
    unit: Unit, top_k: TopK,
) -> float:
    """One of :func:`aup`, :func:`aur`, :func:`aupr`: the curves, then the named area."""
    precision, recall = precision_recall_curve(saliency, mask, levels, lengths, unit=unit, top_k=top_k)
    return _areas(precision, recall, _check_levels(levels, "levels"))[name]


def _areas(precision: torch.Tensor, recall: torch.Tensor, levels: torch.Tensor) -> dict[str, float]:
    """AUP and AUR (trapezoids over x = the levels) and AUPR (precision over x = recall)."""
    return {
        "aup": _trapezoid(precision, levels),
        "aur": _trapezoid(recall, levels),
        "aupr": _precision_recall_area(precision, recall),
    }


def _level_name(level: float) -> str:
    """A level as the percentage used in metric names: 0.1 → ``"10"``, 0.125 → ``"12.5"``."""
    return f"{round(100.0 * float(level), 6):g}"


def _prepare(
    saliency: ArrayLike, mask: ArrayLike, levels: Sequence[float], lengths: ArrayLike | None
) -> tuple[_MassRanking, torch.Tensor, torch.Tensor]:
    """The cell ranking, the ground truth as bool (N, T·F) restricted to valid cells, and the levels."""
    level_values = _check_levels(levels, "levels")
    check_ndim(mask, "mask", 3, "(N, T, F)")
    check_ndim(saliency, "saliency", 3, "(N, T, F)")
    check_same_shape(mask, "mask", saliency, "saliency")
    truth = _as_binary(mask, "mask")
    ranking = _rank_by_mass(saliency, lengths)
    truth = (truth.to(ranking.valid.device).reshape(ranking.valid.shape) > 0) & ranking.valid
    return ranking, truth, level_values


def _per_sample(
    ranking: _MassRanking, truth: torch.Tensor, levels: torch.Tensor, unit: str, top_k: str
) -> tuple[torch.Tensor, torch.Tensor]:
    counts = ranking.selection_sizes(levels)  # (L, N)
    if unit == "cell":
        return _cell_precision_recall(ranking, truth, counts)
    n_samples, n_steps, n_features = ranking.shape
    s_hat = ranking.s_hat.view(n_samples, n_steps, n_features)
    ranks = ranking.ranks.view(n_samples, n_steps, n_features)
    truth_3d = truth.view(n_samples, n_steps, n_features)
    valid = ranking.valid.view(n_samples, n_steps, n_features)
    true_rows, true_columns = truth_3d.any(dim=2), truth_3d.any(dim=1)
    box_length, box_width = true_rows.sum(dim=1), true_columns.sum(dim=1)  # (N,) each
    swapped = top_k == "reference"
    if unit == "time":
        k = box_length if swapped else box_width
        weights = _mean_of_top_k(s_hat, valid, k, dim=2)
        first_rank, true = ranks.amin(dim=2), true_rows
    else:
        k = box_width if swapped else box_length
        weights = _mean_of_top_k(s_hat, valid, k, dim=1)
        first_rank, true = ranks.amin(dim=1), true_columns
    selected = first_rank.unsqueeze(0) < counts.unsqueeze(-1)  # (L, N, rows or columns)
    weights, true = weights.unsqueeze(0), true.unsqueeze(0)
    intersection = (weights * (selected & true)).sum(dim=-1)
    selected_mass = (weights * selected).sum(dim=-1)
    true_mass = (weights * true).sum(dim=-1)
    return _ratios(intersection, selected_mass, true_mass)


def _cell_precision_recall(
    ranking: _MassRanking, truth: torch.Tensor, counts: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """From running sums along each sample's ranking: no (L, N, T·F) mask is built."""
    true_sorted = torch.gather(truth, 1, ranking.order)
    sorted_mass = torch.gather(ranking.s_hat, 1, ranking.order)
    running_intersection = torch.where(true_sorted, sorted_mass, 0.0).cumsum(dim=1)
    last = (counts - 1).clamp(min=0).T  # (N, L)
    chosen = counts > 0
    selected_mass = torch.where(chosen, torch.gather(ranking.cumulative, 1, last).T, 0.0)
    intersection = torch.where(chosen, torch.gather(running_intersection, 1, last).T, 0.0)
    true_mass = torch.where(truth, ranking.s_hat, 0.0).sum(dim=1)
    return _ratios(intersection, selected_mass, true_mass.unsqueeze(0))


def _mean_of_top_k(s_hat: torch.Tensor, valid: torch.Tensor, k: torch.Tensor, dim: int) -> torch.Tensor:
    """Mean of the k[n] largest valid ŝ along ``dim`` for every row (dim=2) or column (dim=1)."""
    key = torch.where(valid, s_hat, -1.0)
    if key.device.type == "cpu":  # numpy's vectorised sort is several times faster here
        ordered = torch.from_numpy(np.sort(key.numpy(), axis=dim)).flip(dim).clamp(min=0.0)
    else:
        ordered = torch.sort(key, dim=dim, descending=True).values.clamp(min=0.0)
    running = ordered.cumsum(dim=dim)
    available = valid.sum(dim=dim).amax(dim=1) if dim == 1 else torch.full_like(k, s_hat.shape[2])
    k = torch.minimum(k.clamp(min=1), available.clamp(min=1))  # (N,)
    other = s_hat.shape[3 - dim]  # the number of columns (dim=1) or rows (dim=2)
    index_shape = (s_hat.shape[0], 1, other) if dim == 1 else (s_hat.shape[0], other, 1)
    index = (k - 1).view(-1, 1, 1).expand(index_shape)
    top_sum = torch.gather(running, dim, index).squeeze(dim)
    return top_sum / k.view(-1, 1).to(top_sum.dtype)


def _ratios(
    intersection: torch.Tensor, selected_mass: torch.Tensor, true_mass: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    precision = torch.where(
        selected_mass > 0, intersection / torch.where(selected_mass > 0, selected_mass, 1.0), math.nan
    )
    true_mass = true_mass.expand_as(intersection)
    recall = torch.where(true_mass > 0, intersection / torch.where(true_mass > 0, true_mass, 1.0), math.nan)
    return precision, recall


def _trapezoid(values: torch.Tensor, x: torch.Tensor) -> float:
    """The trapezoid area of ``values`` over ``x`` (NaN if any value is NaN; 0 for a single point)."""
    values, x = values.to(torch.float64).cpu(), x.to(torch.float64).cpu()
    if values.shape[0] < 2:
        return math.nan if bool(values.isnan().any()) else 0.0
    return float(torch.trapezoid(values, x))


def _precision_recall_area(precision: torch.Tensor, recall: torch.Tensor) -> float:
    if bool(precision.isnan().any() | recall.isnan().any()):
        return math.nan
    order = torch.sort(recall, stable=True).indices
    return _trapezoid(precision[order], recall[order])
