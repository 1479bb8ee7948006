"""The accuracy drop by feature fraction: test accuracy as the top-ranked cells are removed (SGT §5.1).

For each fraction d (default 0, 0.1, …, 0.9) every sample loses its k = max(1, int(d · n_cells))
highest-ranked cells (k = 0 at d = 0, the clean accuracy), which take a background value, and the
model is scored on the result. This is saliency guided training's MNIST evaluation (the original's
``testForRoar``, which despite its name does not retrain): the removed cells get the sample's own
first cell x[i, 0, 0] (the original's "trueMask", the black MNIST background), so the modified
digits stay on the data distribution. A steeper drop means the ranking found what the model uses.

The ranking is by the values given, largest first: the evaluation ranks by |saliency| as the
original did, so pass ``saliency.abs()`` (or maps computed with ``abs=True``) to reproduce it. Ties
are broken deterministically, the lower flat index (earlier step, then lower feature) first.

This is **not** :func:`~salience.metrics.masked_accuracy_curve`, the time-series benchmark's accuracy
drop, whose levels are fractions of cumulative saliency **mass** and whose replacement is a
signal-free sample; here the levels are fractions of **cells**. The area under the curve is
:func:`~salience.metrics.masked_accuracy_area` called with ``levels=fractions``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from salience._validation import (
    ArrayLike,
    as_lengths,
    as_tensor,
    check_finite,
    check_positive_int,
)
from salience.metrics.masked_accuracy import _checked_samples, _predicted_labels
from salience.metrics.masks import _check_levels

REMOVAL_FRACTIONS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
"""Saliency guided training's MNIST removal fractions: 0 %, 10 %, …, 90 % of the cells."""

FILLS = ("first",)
"""Named fill values: ``first`` is each sample's own first cell x[i, 0, 0] (the original's
"trueMask")."""


def removal_counts(fractions: Sequence[float], n_cells: ArrayLike | int) -> torch.Tensor:
    """Cells removed at each fraction, int64 (L, N): 0 at d = 0, else max(1, int(d · n_cells)).

    ``int`` truncates d · n_cells computed in float64, as the original did (so 0.3 · 784 gives 235).

    Example:
        >>> removal_counts((0.0, 0.001, 0.3, 0.9), 784).tolist()
        [[0], [1], [235], [705]]
    """
    levels = _check_levels(fractions, "fractions", include_low=True)
    if isinstance(n_cells, int):
        check_positive_int(n_cells, "n_cells")
        cells = torch.tensor([n_cells], dtype=torch.int64)
    else:
        cells = as_tensor(n_cells, "n_cells").to(torch.int64).reshape(-1)
    counts = torch.floor(levels.unsqueeze(1) * cells.cpu().to(torch.float64).unsqueeze(0)).to(torch.int64)
    counts = counts.clamp(min=1)
    counts[levels == 0] = 0
    return counts


def accuracy_drop_curve(
    predict: Callable[..., torch.Tensor],
    x: ArrayLike,
    y: ArrayLike,
    saliency: ArrayLike,
    *,
    fractions: Sequence[float] = REMOVAL_FRACTIONS,
    fill: str | float | ArrayLike = "first",
    lengths: ArrayLike | None = None,
    batch_size: int = 256,
) -> torch.Tensor:
    """Accuracy (fraction in [0, 1]) after removing each fraction of top-ranked cells, float64 (L,).

    Args:
        predict: ``predict(inputs) -> logits (n, C)`` for a float tensor (n, T, F) (wrap the model,
            its device and eval mode in it); called as ``predict(inputs, lengths)`` when ``lengths``
            is given. It runs under ``torch.no_grad()`` on inputs of ``x``'s dtype and device.
        x: test inputs (N, T, F), as the model sees them.
        y: true labels (N,).
        saliency: the ranking (N, T, F), largest first; pass |saliency| for the original's evaluation.
        fractions: strictly increasing fractions of cells in [0, 1]; 0 gives the clean accuracy.
        fill: the value of removed cells: ``"first"`` (each sample's x[i, 0, 0], the original's
            background), a number, or an array broadcastable to (N, T, F) (e.g. (T, F) shared by all
            samples, or (N, T, F)), read at the removed cells.
        lengths: optional valid steps per sample (N,): n_cells = lengths[i] · F, and padded cells are
            never removed.
        batch_size: samples per ``predict`` call (each batch is ranked once and predicted once per
            fraction).

    Example:
        >>> x = torch.tensor([[[0.0, 5.0, 1.0]], [[0.0, 1.0, 5.0]]])  # class: where the 5 is (cell 1 or 2)
        >>> predict = lambda inputs: inputs[:, 0, 1:]  # logits: the last two cells
        >>> saliency = torch.tensor([[[0.0, 1.0, 0.5]], [[0.0, 0.5, 1.0]]])  # the 5 ranks first
        >>> accuracy_drop_curve(predict, x, torch.tensor([0, 1]), saliency, fractions=(0.0, 0.3)).tolist()
        [1.0, 0.0]
    """
    if not callable(predict):
        raise TypeError(f"predict: expected a callable returning logits (n, C), got {type(predict).__name__}")
    check_positive_int(batch_size, "batch_size")
    inputs, labels = _checked_samples(x, "x", y, saliency)
    n_samples, n_steps, n_features = (int(s) for s in inputs.shape)
    ranking = as_tensor(saliency, "saliency")
    check_finite(ranking, "saliency")
    levels = _check_levels(fractions, "fractions", include_low=True)
    valid_lengths = None if lengths is None else as_lengths(lengths, n_samples, n_steps).to(inputs.device)
    n_valid = (
        torch.full((n_samples,), n_steps * n_features, dtype=torch.int64)
        if valid_lengths is None
        else valid_lengths.cpu() * n_features
    )
    counts = removal_counts(levels.tolist(), n_valid).to(inputs.device)  # (L, N)
    fill_values = _fill_values(fill, inputs)
    steps = torch.arange(n_steps, device=inputs.device).view(1, n_steps, 1)

    correct = torch.zeros(levels.shape[0], dtype=torch.float64)
    with torch.no_grad():
        for start in range(0, n_samples, batch_size):
            rows = slice(start, min(start + batch_size, n_samples))
            batch = inputs[rows]
            keys = ranking[rows].to(device=inputs.device, dtype=torch.float64)
            if valid_lengths is not None:  # padded cells rank last and are never reached
                valid = (steps < valid_lengths[rows].view(-1, 1, 1)).expand_as(batch)
                keys = torch.where(valid, keys, -torch.inf)
            order = torch.argsort(keys.reshape(batch.shape[0], -1), dim=1, descending=True, stable=True)
            positions = torch.arange(order.shape[1], device=order.device).expand_as(order)
            ranks = torch.empty_like(order).scatter_(1, order, positions).view_as(batch)
            batch_fill = fill_values[rows]
            batch_lengths = None if valid_lengths is None else valid_lengths[rows]
            for level in range(levels.shape[0]):
                hide = ranks < counts[level, rows].view(-1, 1, 1)
                removed = torch.where(hide, batch_fill, batch)
                logits = predict(removed) if batch_lengths is None else predict(removed, batch_lengths)
                hits = _predicted_labels(logits, batch.shape[0]) == labels[rows]
                correct[level] += hits.to(torch.float64).sum()
    return correct / n_samples


def _fill_values(fill: object, inputs: torch.Tensor) -> torch.Tensor:
    """The fill as an (N, T, F) tensor (a broadcast view where possible), x's dtype and device."""
    if isinstance(fill, str):
        if fill not in FILLS:
            raise ValueError(f"fill: expected 'first', a number or an array, got {fill!r}")
        return inputs[:, :1, :1].expand_as(inputs)
    if isinstance(fill, bool):
        raise TypeError("fill: expected 'first', a number or an array, got a bool")
    if isinstance(fill, (int, float)):
        value = torch.tensor(float(fill), dtype=inputs.dtype, device=inputs.device)
        check_finite(value, "fill")
        return value.expand_as(inputs)
    values = as_tensor(fill, "fill")
    if not values.is_floating_point():
        values = values.to(inputs.dtype)
    check_finite(values, "fill")
    try:
        shape = torch.broadcast_shapes(values.shape, inputs.shape)
    except RuntimeError:
        shape = None
    if shape != inputs.shape:
        raise ValueError(
            f"fill: expected 'first', a number or an array broadcastable to x {tuple(inputs.shape)}, "
            f"got shape {tuple(values.shape)}"
        )
    return values.to(device=inputs.device, dtype=inputs.dtype).expand_as(inputs)
