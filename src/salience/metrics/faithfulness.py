"""Faithfulness without ground truth: deletion and insertion curves, and time-series AOPC.

Every sample's **valid** cells (steps below ``lengths``, every feature) are ranked by saliency:
MoRF (most relevant first: largest value first) or LeRF (least relevant first: smallest value
first). Ties are broken deterministically by the lower flat index (earlier step, then lower
feature) first, in both orders. Padded cells are never ranked, replaced, restored or counted.

- **Deletion** (Petsiuk et al. 2018, RISE, on (N, T, F) cells): at fraction f the top
  k = ⌊f·n + 1e-9⌋ of the n valid cells take the baseline's values; the curve is the model's
  probability of the target class at each f. **Insertion** starts from the baseline (every valid
  cell replaced) and restores the top k cells to their values. The areas are trapezoids over the
  fraction axis (with the default grid 0, 0.05, …, 1 the x axis spans 1, so areas lie in [0, 1]).
- **Comprehensiveness and sufficiency** (DeYoung et al. 2020, ERASER; the definitions, levels
  (:data:`~salience.metrics.eraser.ERASER_LEVELS`) and the top-k sizes ``max(1, ⌊k·n⌋)`` of
  :mod:`salience.metrics.eraser`, and its :class:`~salience.metrics.eraser.EraserScores`): what
  differs is removal. Tokens are deleted (the sequence shortens); a time series keeps its grid, so
  removed cells take the baseline's values instead, as in deletion.

The baseline is ``"zero"``, ``"mean"`` (the per-feature training mean, passed as ``feature_mean``),
a number, or an array broadcastable to (N, T, F). The target class is the model's prediction on the
clean input unless ``target`` is given. Probabilities are the softmax of the logits, in float64.
All variants of all samples are stacked and predicted in chunks of ``batch_size`` inputs; no
per-sample Python loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from salience._validation import (
    ArrayLike,
    as_lengths,
    as_tensor,
    check_choice,
    check_labels,
    check_positive_int,
)
from salience.metrics.eraser import ERASER_LEVELS, EraserScores, _device, rationale_sizes
from salience.metrics.eraser import _check_levels as _check_aopc_levels
from salience.metrics.masked_accuracy import _as_float_inputs
from salience.metrics.masks import _check_levels
from salience.metrics.removal import _fill_values

CURVE_FRACTIONS: tuple[float, ...] = tuple(i / 20 for i in range(21))
"""The default fraction grid of the deletion and insertion curves: 0, 0.05, …, 1.0 of the valid cells."""

ORDERS = ("morf", "lerf")
"""Cell orders: most relevant first (largest saliency first) and least relevant first."""

BASELINES = ("zero", "mean")
"""Named baselines: zeros, and the per-feature training mean (``feature_mean``)."""

_TOLERANCE = 1e-9


@dataclass
class PerturbationCurve:
    """A deletion or insertion curve per sample (CPU float64 tensors).

    Attributes:
        kind: ``"deletion"`` or ``"insertion"``.
        order: ``"morf"`` or ``"lerf"``.
        fractions: the fraction grid (K,).
        probability: the target class's probability at each fraction (N, K).
        area: the trapezoid of each row over ``fractions`` (N,).
        target: the class scored per sample (N,).
    """

    kind: str
    order: str
    fractions: torch.Tensor
    probability: torch.Tensor
    area: torch.Tensor
    target: torch.Tensor

    @property
    def mean_area(self) -> float:
        """The area averaged over the samples."""
        return float(self.area.mean())


@dataclass
class _Prepared:
    """Validated inputs shared by every metric of this module."""

    x: torch.Tensor  # (N, T, F) on the model's device
    fill: torch.Tensor  # (N, T, F) view
    lengths: torch.Tensor | None  # (N,) on the model's device
    valid: torch.Tensor  # (N, T, F) bool
    n_valid: torch.Tensor  # (N,) int64 CPU
    saliency: torch.Tensor  # (N, T, F) float64 on the model's device


def cell_ranks(saliency: torch.Tensor, valid: torch.Tensor, order: str = "morf") -> torch.Tensor:
    """Each cell's rank (0 = first) in ``order`` among its sample's valid cells, int64 like ``saliency``.

    Padded cells (``valid`` false) rank after every valid cell. Ties: the lower flat index first.

    Example:
        >>> s = torch.tensor([[[0.5, 2.0], [0.5, -1.0]]])
        >>> valid = torch.ones_like(s, dtype=torch.bool)
        >>> cell_ranks(s, valid).tolist(), cell_ranks(s, valid, "lerf").tolist()
        ([[[1, 0], [2, 3]]], [[[1, 3], [2, 0]]])
    """
    check_choice(order, "order", ORDERS)
    n = saliency.shape[0]
    keys = saliency.to(torch.float64) if order == "morf" else -saliency.to(torch.float64)
    keys = torch.where(valid, keys, -torch.inf).reshape(n, -1)
    ranked = torch.argsort(keys, dim=1, descending=True, stable=True)
    positions = torch.arange(ranked.shape[1], device=ranked.device).expand_as(ranked)
    return torch.empty_like(ranked).scatter_(1, ranked, positions).view_as(saliency)


def perturbation_curve(
    model: nn.Module,
    x: ArrayLike,
    saliency: ArrayLike,
    *,
    kind: str = "deletion",
    order: str = "morf",
    target: ArrayLike | None = None,
    lengths: ArrayLike | None = None,
    baseline: str | float | ArrayLike = "zero",
    feature_mean: ArrayLike | None = None,
    fractions: Sequence[float] = CURVE_FRACTIONS,
    batch_size: int = 256,
) -> PerturbationCurve:
    """The deletion or insertion curve of ``saliency`` for ``model`` (see the module docstring).

    Args:
        model: a classifier ``model(x)`` or ``model(x, lengths=...)`` → logits (B, C); run in eval mode
            without gradients on its parameters' device (its mode is restored).
        x: inputs (N, T, F), as the model sees them.
        saliency: the maps (N, T, F) that rank the cells (pass |maps| to rank by magnitude).
        kind: ``"deletion"`` or ``"insertion"``.
        order: ``"morf"`` (most relevant first) or ``"lerf"`` (least relevant first).
        target: the class per sample (N,); default the prediction on the clean input.
        lengths: valid steps per sample (N,); padding is never perturbed nor counted.
        baseline: the replacement: ``"zero"``, ``"mean"`` (needs ``feature_mean``), a number, or an
            array broadcastable to (N, T, F).
        feature_mean: the per-feature training mean (F,) for ``baseline="mean"``.
        fractions: strictly increasing fractions of valid cells in [0, 1].
        batch_size: inputs per model call.

    Example:
        >>> model = nn.Linear(2, 2, bias=False)
        >>> _ = model.weight.data.copy_(torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
        >>> x = torch.tensor([[[2.0, 1.0]]])  # class 0 wins with logit 2 against 0
        >>> net = nn.Sequential(nn.Flatten(), model)
        >>> curve = perturbation_curve(net, x, torch.tensor([[[1.0, 0.0]]]), fractions=(0.0, 0.5, 1.0))
        >>> [round(p, 4) for p in curve.probability[0].tolist()], round(curve.mean_area, 4)
        ([0.8808, 0.5, 0.5], 0.5952)
    """
    check_choice(kind, "kind", ("deletion", "insertion"))
    levels = _check_levels(fractions, "fractions", include_low=True)
    prepared = _prepare(model, x, saliency, lengths, baseline, feature_mean)
    ranks = cell_ranks(prepared.saliency, prepared.valid, order)
    cells = prepared.n_valid.to(torch.float64)
    counts = torch.floor(levels.unsqueeze(1) * cells + _TOLERANCE).to(torch.int64)
    keep = torch.full((levels.shape[0],), kind == "insertion")
    target_ids, _, probability = _variant_probabilities(
        model, prepared, ranks, counts, keep, target, batch_size
    )
    n = len(target_ids)
    area = torch.trapezoid(probability, levels, dim=1) if levels.shape[0] > 1 else torch.zeros(n)
    return PerturbationCurve(kind, order, levels, probability, area.to(torch.float64), target_ids)


def _curve_of_kind(kind: str, doc: str) -> Callable[..., PerturbationCurve]:
    """:func:`perturbation_curve` with ``kind`` fixed, named ``<kind>_curve``, documented by ``doc``."""

    def curve(model: nn.Module, x: ArrayLike, saliency: ArrayLike, **options: object) -> PerturbationCurve:
        return perturbation_curve(model, x, saliency, kind=kind, **options)

    curve.__name__ = curve.__qualname__ = f"{kind}_curve"
    curve.__doc__ = doc
    return curve


deletion_curve = _curve_of_kind(
    "deletion",
    """:func:`perturbation_curve` with ``kind="deletion"`` (lower MoRF area: a better map).

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(3, 2))
        >>> deletion_curve(net, torch.rand(4, 1, 3), torch.rand(4, 1, 3)).probability.shape
        torch.Size([4, 21])
    """,
)
insertion_curve = _curve_of_kind(
    "insertion",
    """:func:`perturbation_curve` with ``kind="insertion"`` (higher MoRF area: a better map).

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(3, 2))
        >>> insertion_curve(net, torch.rand(4, 1, 3), torch.rand(4, 1, 3)).area.shape
        torch.Size([4])
    """,
)


def aopc_scores(
    model: nn.Module,
    x: ArrayLike,
    saliency: ArrayLike,
    *,
    levels: Sequence[float] = ERASER_LEVELS,
    target: ArrayLike | None = None,
    lengths: ArrayLike | None = None,
    baseline: str | float | ArrayLike = "zero",
    feature_mean: ArrayLike | None = None,
    batch_size: int = 256,
) -> EraserScores:
    """Time-series comprehensiveness and sufficiency (AOPC over ``levels``) of ``saliency`` (MoRF).

    comprehensiveness_k = p(x) − p(x with its top-k valid cells replaced by the baseline);
    sufficiency_k = p(x) − p(x with every other valid cell replaced), k = max(1, ⌊level·n⌋) of the n
    valid cells. Arguments as :func:`perturbation_curve`; ``levels`` are fractions in (0, 1].

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
        >>> scores = aopc_scores(net, torch.rand(5, 2, 2), torch.rand(5, 2, 2))
        >>> scores.comprehensiveness.shape, scores.sufficiency_curve.shape
        (torch.Size([5]), torch.Size([5, 5]))
    """
    _check_aopc_levels(levels)
    levels = tuple(float(level) for level in levels)
    prepared = _prepare(model, x, saliency, lengths, baseline, feature_mean)
    ranks = cell_ranks(prepared.saliency, prepared.valid, "morf")
    sizes = rationale_sizes(prepared.n_valid, levels).T  # (K, N)
    counts = torch.cat([sizes, sizes])
    keep = torch.tensor([False] * len(levels) + [True] * len(levels))
    target_ids, p_full, probability = _variant_probabilities(
        model, prepared, ranks, counts, keep, target, batch_size
    )
    differences = p_full.unsqueeze(1) - probability
    comp, suff = differences[:, : len(levels)], differences[:, len(levels) :]
    return EraserScores(levels, comp.mean(dim=1), suff.mean(dim=1), comp, suff, p_full, target_ids)


def _prepare(
    model: nn.Module,
    x: ArrayLike,
    saliency: ArrayLike,
    lengths: ArrayLike | None,
    baseline: object,
    feature_mean: ArrayLike | None,
) -> _Prepared:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    inputs = _as_float_inputs(x, "x")
    n, n_steps, n_features = (int(s) for s in inputs.shape)
    if n == 0:
        raise ValueError("x: expected at least one sample, got none")
    maps = _as_float_inputs(saliency, "saliency")
    if tuple(maps.shape) != tuple(inputs.shape):
        raise ValueError(f"saliency: expected the shape of x {tuple(inputs.shape)}, got {tuple(maps.shape)}")
    device = _device(model)
    inputs = inputs.to(device)
    valid_lengths = None if lengths is None else as_lengths(lengths, n, n_steps).to(device)
    steps = torch.arange(n_steps, device=device).view(1, n_steps, 1)
    valid = (
        torch.ones_like(inputs, dtype=torch.bool)
        if valid_lengths is None
        else (steps < valid_lengths.view(-1, 1, 1)).expand_as(inputs)
    )
    n_valid = valid.reshape(n, -1).sum(dim=1).cpu()
    fill = _baseline(baseline, feature_mean, inputs, n_features)
    return _Prepared(inputs, fill, valid_lengths, valid, n_valid, maps.to(device=device, dtype=torch.float64))


def _baseline(
    baseline: object, feature_mean: ArrayLike | None, inputs: torch.Tensor, n_features: int
) -> torch.Tensor:
    if isinstance(baseline, str):
        check_choice(baseline, "baseline", BASELINES)
        if baseline == "zero":
            return torch.zeros((), dtype=inputs.dtype, device=inputs.device).expand_as(inputs)
        if feature_mean is None:
            raise ValueError("feature_mean: required with baseline='mean' (training mean per feature, F)")
        mean = as_tensor(feature_mean, "feature_mean")
        if tuple(mean.shape) != (n_features,):
            raise ValueError(f"feature_mean: expected shape ({n_features},), got {tuple(mean.shape)}")
        baseline = mean
    try:
        return _fill_values(baseline, inputs)
    except (TypeError, ValueError) as error:
        message = str(error).replace("fill:", "baseline:", 1).replace("'first', ", "'zero', 'mean', ")
        raise type(error)(message) from None


def _variant_probabilities(
    model: nn.Module,
    prepared: _Prepared,
    ranks: torch.Tensor,
    counts: torch.Tensor,
    keep: torch.Tensor,
    target: ArrayLike | None,
    batch_size: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(target (N,), p of the clean input (N,), p of each variant (N, V)), CPU.

    Variant v of sample i: the cells ranked below ``counts[v, i]`` are the top cells; with
    ``keep[v]`` false they take the fill, with it true every other valid cell does.
    """
    check_positive_int(batch_size, "batch_size")
    x, n = prepared.x, int(prepared.x.shape[0])
    n_variants = int(counts.shape[0])
    counts, keep = counts.to(x.device), keep.to(x.device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            chunks = _chunks(n, batch_size)
            clean = torch.cat([_probabilities(model, x[rows], prepared, rows) for rows in chunks])
            target_ids = _target(target, clean)
            p_full = clean.gather(1, target_ids.unsqueeze(1)).squeeze(1)
            out = torch.empty(n_variants * n, dtype=torch.float64)
            for rows in _chunks(n_variants * n, batch_size):
                items = torch.arange(rows.start, rows.stop, device=x.device)
                variant, sample = items // n, items % n
                top = ranks[sample] < counts[variant, sample].view(-1, 1, 1)
                replace = torch.where(keep[variant].view(-1, 1, 1), prepared.valid[sample] & ~top, top)
                inputs = torch.where(replace, prepared.fill[sample], x[sample])
                probabilities = _probabilities(model, inputs, prepared, sample)
                out[rows] = probabilities.gather(1, target_ids[sample.cpu()].unsqueeze(1)).squeeze(1)
    finally:
        model.train(was_training)
    return target_ids, p_full, out.view(n_variants, n).T.contiguous()


def _chunks(total: int, size: int) -> list[slice]:
    return [slice(start, min(start + size, total)) for start in range(0, total, size)]


def _probabilities(model: nn.Module, inputs: torch.Tensor, prepared: _Prepared, rows: object) -> torch.Tensor:
    logits = model(inputs) if prepared.lengths is None else model(inputs, lengths=prepared.lengths[rows])
    if not isinstance(logits, torch.Tensor) or logits.ndim != 2 or logits.shape[0] != inputs.shape[0]:
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise ValueError(f"model: expected logits ({inputs.shape[0]}, C), got {shape}")
    return torch.softmax(logits.to(torch.float64), dim=1).cpu()


def _target(target: ArrayLike | None, clean: torch.Tensor) -> torch.Tensor:
    n, n_classes = clean.shape
    if target is None:
        return clean.argmax(dim=1)
    check_labels(target, "target", n, n_classes)
    return as_tensor(target, "target").to(torch.int64).cpu().reshape(-1)
