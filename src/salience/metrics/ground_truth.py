"""Agreement between a saliency map and the ground-truth informative cells (ICA paper, Table 1).

For each sample, with s = |saliency| over its T×F cells:

    ŝ = (s − min s) / (max s − min s) ∈ [0, 1]     (ŝ = 0 everywhere when max s = min s)
    g = mask as 0/1

    WJac = Σ min(g, ŝ) / Σ max(g, ŝ)               weighted Jaccard, 1 is perfect
    Euc  = ‖g − ŝ‖₂ / ‖g‖₂                          Frobenius norm over the T×F map, 0 is perfect

Both return one value per sample (average them for the paper's numbers) and compute in float64.
Saliency and masks may be torch tensors or numpy arrays laid out (N, T, F).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from salience._validation import ArrayLike, as_lengths, as_tensor, check_finite, check_ndim, check_same_shape

_LAYOUT = "(N, T, F)"


def normalize_saliency(saliency: ArrayLike, lengths: ArrayLike | None = None) -> torch.Tensor:
    """ŝ: |saliency| min-max scaled into [0, 1] per sample, as float64 (N, T, F).

    A sample whose |saliency| is constant (e.g. all zero) gets ŝ = 0 everywhere. With ``lengths``
    (N,), the minimum and maximum are taken over each sample's first ``lengths[n]`` steps only, and
    the steps beyond it get ŝ = 0.

    Example:
        >>> normalize_saliency(torch.tensor([[[-2.0, 1.0], [0.0, 4.0]]])).tolist()
        [[[0.5, 0.25], [0.0, 1.0]]]
    """
    s = _as_float64(saliency, "saliency").abs()
    _check_cells(s, "saliency")
    valid = None
    if lengths is not None:
        valid = _valid_cells(lengths, s.shape[0], s.shape[1])
        s = torch.where(valid, s, 0.0)
    flat = s.flatten(1)
    flat_valid = None if valid is None else valid.expand_as(s).flatten(1)
    low = _masked_extreme(flat, flat_valid, torch.amin, float("inf"))
    high = _masked_extreme(flat, flat_valid, torch.amax, float("-inf"))
    spread = high - low
    scaled = torch.where(spread > 0, (flat - low) / torch.where(spread > 0, spread, 1.0), 0.0)
    if flat_valid is not None:
        scaled = torch.where(flat_valid, scaled, 0.0)
    return scaled.view_as(s)


def weighted_jaccard(saliency: ArrayLike, mask: ArrayLike) -> torch.Tensor:
    """Weighted Jaccard Σ min(g, ŝ) / Σ max(g, ŝ) per sample, float64 (N,).

    An empty mask is allowed (the score is then 0 unless ŝ is all zero). When both g and ŝ are all
    zero (empty mask, constant saliency) the two maps agree exactly and the score is 1.

    Example:
        >>> saliency = torch.tensor([[[4.0, 0.0], [2.0, 0.0]]])
        >>> mask = torch.tensor([[[True, False], [False, False]]])
        >>> weighted_jaccard(saliency, mask).tolist()  # ŝ = [[1, 0], [0.5, 0]]: 1 / 1.5
        [0.6666666666666666]
    """
    s_hat, g = _prepare(saliency, mask)
    dims = (1, 2)
    numerator = torch.minimum(g, s_hat).sum(dims)
    denominator = torch.maximum(g, s_hat).sum(dims)
    return torch.where(denominator > 0, numerator / torch.where(denominator > 0, denominator, 1.0), 1.0)


def euclidean_distance(saliency: ArrayLike, mask: ArrayLike) -> torch.Tensor:
    """Relative Euclidean distance ‖g − ŝ‖₂ / ‖g‖₂ per sample, float64 (N,).

    A sample with an empty mask (‖g‖ = 0) gets NaN: the distance is undefined; use ``nanmean``
    to average over samples if such samples can occur.

    Example:
        >>> saliency = torch.tensor([[[4.0, 0.0], [2.0, 0.0]]])
        >>> mask = torch.tensor([[[True, False], [False, False]]])
        >>> euclidean_distance(saliency, mask).tolist()  # ‖[0, 0, -0.5, 0]‖ / ‖[1, 0, 0, 0]‖
        [0.5]
    """
    s_hat, g = _prepare(saliency, mask)
    dims = (1, 2)
    norm_g = torch.linalg.vector_norm(g, dim=dims)
    distance = torch.linalg.vector_norm(g - s_hat, dim=dims)
    return torch.where(norm_g > 0, distance / torch.where(norm_g > 0, norm_g, 1.0), float("nan"))


def _prepare(saliency: ArrayLike, mask: ArrayLike) -> tuple[torch.Tensor, torch.Tensor]:
    """ŝ and g as float64 tensors (N, T, F), validated."""
    check_ndim(saliency, "saliency", 3, _LAYOUT)
    check_ndim(mask, "mask", 3, _LAYOUT)
    check_same_shape(mask, "mask", saliency, "saliency")
    s_hat = normalize_saliency(saliency)
    return s_hat, _as_binary(mask, "mask").to(s_hat.device)


def _as_float64(value: object, name: str, layout: str = _LAYOUT, ndim: int = 3) -> torch.Tensor:
    """A finite real array as a float64 tensor of ``ndim`` dimensions."""
    check_ndim(value, name, ndim, layout)
    tensor = as_tensor(value, name)
    if tensor.is_complex():
        raise TypeError(f"{name}: expected real values, got dtype {tensor.dtype}")
    check_finite(tensor, name)
    return tensor.to(torch.float64)


def _as_binary(mask: object, name: str) -> torch.Tensor:
    """A boolean or 0/1 mask as a float64 tensor of zeros and ones."""
    tensor = as_tensor(mask, name)
    if tensor.dtype != torch.bool and (
        tensor.is_complex() or not bool(((tensor == 0) | (tensor == 1)).all())
    ):
        raise ValueError(f"{name}: expected a boolean or 0/1 mask, found other values")
    return tensor.to(torch.float64)


def _check_cells(s: torch.Tensor, name: str) -> None:
    if s.shape[1] * s.shape[2] == 0:
        raise ValueError(f"{name}: expected at least one time step and one feature, got {tuple(s.shape)}")


def _valid_cells(lengths: object, n_samples: int, n_steps: int) -> torch.Tensor:
    """Bool (N, T, 1): True at the steps inside each sample's length."""
    lengths_t = as_lengths(lengths, n_samples, n_steps).cpu()
    return (torch.arange(n_steps).unsqueeze(0) < lengths_t.unsqueeze(1)).unsqueeze(-1)


def _masked_extreme(
    flat: torch.Tensor, valid: torch.Tensor | None, reduce: Callable[..., torch.Tensor], fill: float
) -> torch.Tensor:
    """Per-row min or max (keepdim) of ``flat`` over the ``valid`` entries."""
    if valid is not None:
        flat = torch.where(valid, flat, fill)
    return reduce(flat, dim=1, keepdim=True)
