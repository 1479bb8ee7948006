"""The accuracy drop: test accuracy as more and more saliency mass is masked out (TSB §2.10).

For each level p (default 0, 0.1, …, 1.0):

- p = 0: the unmasked accuracy;
- 0 < p < 1: in every test sample the cells of its saliency-mass mask at p
  (:func:`~salience.metrics.masks.saliency_mass_masks`) take the replacement's values at the same
  cells; the rest keeps its raw values;
- p = 1: every sample becomes the replacement (over its valid steps when ``lengths`` is given);
- once the accuracy of a level is 0, every later level is 0 (the original's shortcut). Inputs are
  evaluated in level order, in chunks of ``batch_size``, and evaluation stops after the chunk that
  completes the zero level: with ``batch_size`` a multiple of N nothing later is evaluated.

Masking happens in **raw** input space, then ``scale`` (e.g. the training scaler) is applied, as in
the original. The replacement is a signal-free sample of the same generating process (one sample
shared by all, as in the original, or one per sample). Accuracies are fractions in [0, 1];
:func:`masked_accuracy_area` gives the original's AUC in percent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from salience._validation import (
    ArrayLike,
    as_tensor,
    check_finite,
    check_labels,
    check_ndim,
    check_positive_int,
    check_same_shape,
)
from salience.metrics.masks import _check_levels, _MassRanking, _rank_by_mass

ACCURACY_LEVELS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
"""The benchmark's masking levels for the accuracy drop: 0 %, 10 %, …, 100 % of saliency mass."""

_LAYOUT = "(N, T, F)"


def masked_accuracy_curve(
    predict: Callable[..., torch.Tensor],
    x_raw: ArrayLike,
    y: ArrayLike,
    saliency: ArrayLike,
    replacement: ArrayLike,
    *,
    scale: Callable[[torch.Tensor], torch.Tensor] | None = None,
    levels: Sequence[float] = ACCURACY_LEVELS,
    lengths: ArrayLike | None = None,
    batch_size: int = 256,
) -> torch.Tensor:
    """Accuracy (fraction in [0, 1]) at each masking level, float64 (L,).

    Args:
        predict: ``predict(x) -> logits (n, C)`` for a float tensor x (n, T, F) (wrap the model, its
            device and eval mode in it); called as ``predict(x, lengths)`` when ``lengths`` is given.
            It runs under ``torch.no_grad()``, on inputs of ``x_raw``'s dtype and device.
        x_raw: unscaled test inputs (N, T, F).
        y: true labels (N,).
        saliency: attributions (N, T, F) that rank the cells (raw; rescaled inside).
        replacement: one signal-free raw sample (T, F) shared by all samples, or one per sample
            (N, T, F).
        scale: optional callable applied to the masked raw inputs before ``predict``.
        levels: strictly increasing fractions of saliency mass in [0, 1].
        lengths: optional valid steps per sample (N,); padded cells are never replaced.
        batch_size: inputs per ``predict`` call; the (level, sample) inputs are stacked in level
            order and cut into chunks of this size.

    Example:
        >>> x = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]])  # class = the feature holding the 1
        >>> predict = lambda inputs: inputs[:, 0, :]  # logits: the two cells themselves
        >>> saliency = x.clone()  # the informative cell is the most salient one
        >>> replacement = torch.full((1, 2), -1.0)  # masking the 1 flips the prediction
        >>> masked_accuracy_curve(predict, x, torch.tensor([0, 1]), saliency, replacement,
        ...                       levels=(0.0, 0.5, 1.0)).tolist()  # 0 at p = .5, so 0 at p = 1
        [1.0, 0.0, 0.0]
    """
    if not callable(predict):
        raise TypeError(f"predict: expected a callable returning logits (n, C), got {type(predict).__name__}")
    if scale is not None and not callable(scale):
        raise TypeError(f"scale: expected a callable or None, got {type(scale).__name__}")
    check_positive_int(batch_size, "batch_size")
    x, labels = _checked_samples(x_raw, "x_raw", y, saliency)
    n_samples = int(x.shape[0])
    fill = _replacement(replacement, x)
    level_values = _check_levels(levels, "levels", include_low=True)

    ranking = _rank_by_mass(saliency, lengths)
    counts = _hidden_counts(ranking, level_values).to(x.device)  # (L, N)
    ranks = ranking.ranks.to(x.device)
    lengths_t = None if lengths is None else as_tensor(lengths, "lengths").to(torch.int64)

    n_levels = int(level_values.shape[0])
    correct = torch.zeros(n_levels, dtype=torch.float64)
    zero_level = None
    checked = 0
    total_items = n_levels * n_samples
    with torch.no_grad():
        for start in range(0, total_items, batch_size):
            items = torch.arange(start, min(start + batch_size, total_items))
            level_index, sample_index = items // n_samples, items % n_samples
            on_device = sample_index.to(x.device)
            hide = ranks[on_device] < counts[level_index.to(x.device), on_device].unsqueeze(1)
            inputs = torch.where(hide.view(-1, *x.shape[1:]), fill[on_device], x[on_device])
            if scale is not None:
                inputs = _checked_scale(scale, inputs)
            if lengths_t is None:
                logits = predict(inputs)
            else:
                logits = predict(inputs, lengths_t[sample_index.to(lengths_t.device)])
            hits = _predicted_labels(logits, int(items.shape[0])) == labels[sample_index]
            correct.index_add_(0, level_index, hits.to(torch.float64))
            complete = (int(items[-1]) + 1) // n_samples  # levels whose every sample is done
            while checked < complete and zero_level is None:
                if correct[checked] == 0:
                    zero_level = checked
                checked += 1
            if zero_level is not None:
                break
    accuracy = correct / n_samples
    if zero_level is not None:
        accuracy[zero_level + 1 :] = 0.0
    return accuracy


def masked_accuracy_area(curve: ArrayLike, levels: Sequence[float] = ACCURACY_LEVELS) -> float:
    """The original's AUC of the accuracy drop, in percent: trapezoid of 100 · accuracy over x = levels.

    With the default eleven levels (x spans 1.0) the value lies in [0, 100]; the original's x axis
    0.1 … 1.1 is the same spacing, hence the same area. Lower means a faster drop (a better map).

    Args:
        curve: accuracies in [0, 1] per level (L,), as from :func:`masked_accuracy_curve`.
        levels: the levels the curve was measured at.

    Example:
        >>> masked_accuracy_area(torch.tensor([1.0, 0.5, 0.0]), levels=(0.0, 0.5, 1.0))
        50.0
    """
    check_ndim(curve, "curve", 1, "(L,)")
    values = as_tensor(curve, "curve")
    if not values.is_floating_point():
        values = values.to(torch.float64)
    check_finite(values, "curve")
    x = _check_levels(levels, "levels", include_low=True)
    if values.shape[0] != x.shape[0]:
        raise ValueError(f"curve: expected one accuracy per level ({x.shape[0]}), got {values.shape[0]}")
    if bool(((values < 0) | (values > 1)).any()):
        raise ValueError("curve: expected accuracies in [0, 1] (fractions, not percent)")
    if x.shape[0] < 2:
        return 0.0
    return float(torch.trapezoid(100.0 * values.to(torch.float64).cpu(), x))


def _hidden_counts(ranking: _MassRanking, levels: torch.Tensor) -> torch.Tensor:
    """Cells to replace per (level, sample): 0 at p = 0, every valid cell at p = 1, else the mass mask."""
    device = ranking.ranks.device
    interior = (levels > 0) & (levels < 1)
    counts = torch.zeros(levels.shape[0], ranking.shape[0], dtype=torch.int64, device=device)
    if bool(interior.any()):
        counts[interior.to(device)] = ranking.selection_sizes(levels[interior])
    counts[(levels == 1).to(device)] = ranking.n_valid
    return counts


def _checked_samples(
    x: ArrayLike, name: str, y: ArrayLike, saliency: ArrayLike
) -> tuple[torch.Tensor, torch.Tensor]:
    """The inputs ``x`` (N ≥ 1, T, F) as a float tensor and ``y`` as int64 CPU labels; ``saliency`` of x's
    shape. Shared by the accuracy-drop curves."""
    inputs = _as_float_inputs(x, name)
    n_samples = int(inputs.shape[0])
    if n_samples == 0:
        raise ValueError(f"{name}: expected at least one sample, got none")
    check_labels(y, "y", n_samples)
    labels = as_tensor(y, "y").to(torch.int64).cpu()
    check_ndim(saliency, "saliency", 3, _LAYOUT)
    check_same_shape(saliency, "saliency", inputs, name)
    return inputs, labels


def _as_float_inputs(value: object, name: str) -> torch.Tensor:
    check_ndim(value, name, 3, _LAYOUT)
    tensor = as_tensor(value, name)
    if not tensor.is_floating_point():
        raise TypeError(f"{name}: expected floating-point inputs, got dtype {tensor.dtype}")
    check_finite(tensor, name)
    return tensor


def _replacement(replacement: object, x: torch.Tensor) -> torch.Tensor:
    """The replacement as (N, T, F) (a broadcast view for one shared sample), x's dtype and device."""
    if not hasattr(replacement, "ndim") or replacement.ndim not in (2, 3):
        check_ndim(replacement, "replacement", 2, f"(T, F) = {tuple(x.shape[1:])} or {_LAYOUT}")
    expected = tuple(x.shape[1:]) if replacement.ndim == 2 else tuple(x.shape)
    if tuple(replacement.shape) != expected:
        raise ValueError(
            f"replacement: expected shape (T, F) = {tuple(x.shape[1:])} or (N, T, F) = {tuple(x.shape)}, "
            f"got {tuple(replacement.shape)}"
        )
    fill = _as_float_inputs(replacement[None] if replacement.ndim == 2 else replacement, "replacement")
    return fill.to(device=x.device, dtype=x.dtype).expand_as(x)


def _checked_scale(scale: Callable[[torch.Tensor], torch.Tensor], inputs: torch.Tensor) -> torch.Tensor:
    scaled = scale(inputs)
    if not isinstance(scaled, torch.Tensor) or tuple(scaled.shape) != tuple(inputs.shape):
        shape = tuple(scaled.shape) if isinstance(scaled, torch.Tensor) else type(scaled).__name__
        raise ValueError(f"scale: expected a tensor of the input shape {tuple(inputs.shape)}, got {shape}")
    return scaled


def _predicted_labels(logits: object, n_inputs: int) -> torch.Tensor:
    if not isinstance(logits, torch.Tensor) or logits.ndim != 2 or logits.shape[0] != n_inputs:
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise ValueError(f"predict: expected logits ({n_inputs}, C) for {n_inputs} inputs, got {shape}")
    return logits.argmax(dim=1).cpu()
