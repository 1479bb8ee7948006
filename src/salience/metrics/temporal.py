"""Where saliency falls in time: the vanishing-saliency profile, class means, late mass.

All three work on ŝ, the per-sample min-max normalised |saliency| of
:func:`~salience.metrics.ground_truth.normalize_saliency`, so that every sample weighs the same.
"""

from __future__ import annotations

import math

import torch

from salience._validation import (
    ArrayLike,
    as_lengths,
    as_tensor,
    check_labels,
    check_ndim,
    check_positive_int,
)
from salience.metrics.ground_truth import _as_float64, normalize_saliency


def saliency_over_time(saliency: ArrayLike, lengths: ArrayLike | None = None) -> torch.Tensor:
    """Mean of ŝ over samples and features at each time step, float64 (T,).

    The vanishing-saliency profile of the ICA paper: an LSTM's profile decays towards early steps.
    With ``lengths`` (N,), ŝ is normalised within each sample's valid steps and a step's mean is
    taken over the samples still running at that step only; a step that no sample reaches is NaN.

    Example:
        >>> saliency = torch.tensor([[[0.0, 0.0], [1.0, 3.0]], [[2.0, 0.0], [0.0, 0.0]]])
        >>> saliency_over_time(saliency).tolist()  # ŝ₀ = [[0,0],[1/3,1]], ŝ₁ = [[1,0],[0,0]]
        [0.25, 0.3333333333333333]
    """
    s_hat = normalize_saliency(saliency, lengths)
    per_step = s_hat.mean(dim=2)  # (N, T)
    if lengths is None:
        return per_step.mean(dim=0)
    n_samples, n_steps = per_step.shape
    lengths_t = as_lengths(lengths, n_samples, n_steps).cpu()
    valid = (torch.arange(n_steps).unsqueeze(0) < lengths_t.unsqueeze(1)).to(torch.float64)
    counts = valid.sum(dim=0)
    totals = (per_step * valid).sum(dim=0)
    return torch.where(counts > 0, totals / counts.clamp(min=1.0), float("nan"))


def class_mean_saliency(saliency: ArrayLike, y: ArrayLike, n_classes: int) -> torch.Tensor:
    """Mean ŝ over the samples of each class, float64 (C, T, F).

    A class without samples gets an all-zero map (never NaN).

    Example:
        >>> saliency = torch.tensor([[[2.0, 0.0]], [[0.0, 1.0]], [[0.0, 4.0]]])
        >>> class_mean_saliency(saliency, torch.tensor([1, 1, 1]), 3)[:, 0].tolist()
        [[0.0, 0.0], [0.3333333333333333, 0.6666666666666666], [0.0, 0.0]]
    """
    check_positive_int(n_classes, "n_classes")
    s_hat = normalize_saliency(saliency)
    n_samples = s_hat.shape[0]
    check_labels(y, "y", n_samples, int(n_classes))
    labels = as_tensor(y, "y").to(torch.int64).cpu()
    one_hot = torch.nn.functional.one_hot(labels, int(n_classes)).to(torch.float64)  # (N, C)
    sums = one_hot.T @ s_hat.flatten(1)  # (C, T·F)
    counts = one_hot.sum(dim=0).clamp(min=1.0).unsqueeze(1)
    return (sums / counts).view(int(n_classes), *s_hat.shape[1:])


def late_mass_fraction(profile: ArrayLike, last_fraction: float = 0.2) -> float:
    """Share of a temporal profile's total mass that lies in its last ``last_fraction`` of steps.

    Args:
        profile: non-negative values per time step (T,), e.g. from :func:`saliency_over_time`.
            NaN steps (reached by no sample) count as zero mass.
        last_fraction: in (0, 1]; the last k = max(1, round(last_fraction · T)) steps are counted.

    Returns NaN when the total mass is zero.

    Example:
        >>> late_mass_fraction(torch.tensor([1.0, 1.0, 1.0, 1.0, 4.0]), last_fraction=0.2)
        0.5
    """
    values = _as_float64(_nan_to_zero(profile), "profile", "(T,)", ndim=1)
    if bool((values < 0).any()):
        raise ValueError("profile: expected non-negative values (a saliency profile)")
    if (
        isinstance(last_fraction, bool)
        or not isinstance(last_fraction, (int, float))
        or not 0.0 < float(last_fraction) <= 1.0
    ):
        raise ValueError(f"last_fraction: expected a number in (0, 1], got {last_fraction!r}")
    n_steps = int(values.shape[0])
    if n_steps == 0:
        raise ValueError("profile: expected at least one time step, got none")
    k = min(n_steps, max(1, round(float(last_fraction) * n_steps)))
    total = float(values.sum())
    if total == 0.0:
        return math.nan
    return float(values[n_steps - k :].sum()) / total


def _nan_to_zero(profile: ArrayLike) -> torch.Tensor:
    check_ndim(profile, "profile", 1, "(T,)")
    tensor = as_tensor(profile, "profile")
    if tensor.is_floating_point():
        tensor = torch.nan_to_num(tensor, nan=0.0, posinf=math.inf, neginf=-math.inf)
    return tensor
