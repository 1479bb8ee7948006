"""Temporal Saliency Rescaling (TSR; Ismail et al., NeurIPS 2020), batched over the perturbed copies.

For one sample X (T, F) and an attribution method R, with v the value written into masked cells
(original-behaviour.md §2.14):

1. A = R(X).
2. For each valid time step t: X⁽ᵗ⁾ = X with every feature at t set to v; Δ_t = Σ |A − R(X⁽ᵗ⁾)| over
   all cells.
3. τ = min-max(Δ) over the valid steps; α = the ``threshold`` quantile of τ over the valid steps
   (linear interpolation, numpy's default).
4. For t with τ_t > α and each feature c: X⁽ᵗᶜ⁾ = X with only cell (t, c) set to v;
   φ_c = Σ |A − R(X⁽ᵗᶜ⁾)|, then min-max over c. Other valid steps get φ_c = ``fill``.
5. TSR_{t,c} = τ_t · φ_c ≥ 0. Steps beyond a sample's length are never perturbed, take no part in the
   min-max or the quantile, and get 0.

Decisions where the original is silent (it only ran on 28 × 28 MNIST):

- **Zero spread.** A min-max over values that are all (exactly) equal gives 1 when they are positive
  (every step, or every feature, matters equally) and 0 when they are all zero (nothing matters).
  When every valid step has the same positive Δ (always the case for T = 1), no step exceeds the
  quantile, so all valid steps go on to the feature stage instead of getting ``fill``: the time stage
  cannot rank them, the feature stage decides. Values that differ only by rounding are not ties:
  min-max scales them like any others, as the original does.
- The result is τ·φ without the benchmark's later |·| and per-sample min-max rescaling; that belongs to
  the metrics.

All perturbed copies of all samples are built from index arrays and attributed ``chunk_size`` at a
time: the only Python loop runs over chunks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from salience._validation import as_lengths, as_tensor, check_finite, check_ndim, check_positive_int

Explain = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""``explain(inputs, rows)``: maps (M, T, F) for inputs (M, T, F) that are copies of samples ``rows`` (M,)."""

DEFAULT_THRESHOLD = 0.55
DEFAULT_FILL = 0.1
DEFAULT_CHUNK_SIZE = 1024


def temporal_saliency_rescaling(
    explain: Explain,
    x: torch.Tensor,
    *,
    plain: torch.Tensor | None = None,
    lengths: np.ndarray | torch.Tensor | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    fill: float = DEFAULT_FILL,
    replacement: float | np.ndarray | torch.Tensor | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> torch.Tensor:
    """TSR maps (N, T, F) of ``explain`` for inputs ``x`` (N, T, F); see the module docstring.

    Args:
        explain: the attribution method R. It is called with at most ``chunk_size`` inputs at a time
            and the index (into ``x``) of the sample each input is a copy of, so that a copy can use
            its sample's target, length and baselines. It must return maps of the inputs' shape.
        x: inputs (N, T, F), finite floats.
        plain: R(x) when already computed (e.g. batch by batch); computed here otherwise.
        lengths: valid lengths (N,); steps beyond them are not perturbed and get 0.
        threshold: the quantile of τ a step must exceed to get feature scores, in [0, 1].
        fill: feature score φ of the steps at or below the threshold, a number ≥ 0.
        replacement: value written into masked cells: None for each sample's first element
            x[i, 0, 0] (the original's choice), a number, or an array broadcastable to (N, T, F)
            (e.g. one value per feature (F,) or per sample (N, 1, 1)), read at the masked cell.
        chunk_size: perturbed copies per call of ``explain``.

    Returns:
        τ_t·φ_c in the dtype of the maps, on ``x``'s device.

    Example:
        >>> x = torch.tensor([[[1.0, 2.0], [3.0, 0.0], [0.0, 1.0]]])
        >>> squares = lambda inputs, rows: inputs**2  # R(X) = X ⊙ X
        >>> temporal_saliency_rescaling(squares, x, replacement=0.0, threshold=0.5)
        tensor([[[0.0500, 0.0500],
                 [1.0000, 0.0000],
                 [0.0000, 0.0000]]])
    """
    if not callable(explain):
        raise TypeError(f"explain: expected a function (inputs, rows) -> maps, got {type(explain).__name__}")
    check_ndim(x, "x", 3, "(N, T, F)")
    check_finite(x, "x")
    if not x.is_floating_point():
        raise TypeError(f"x: expected floating-point inputs, got dtype {x.dtype}")
    check_threshold(threshold, "threshold")
    check_fill(fill, "fill")
    check_positive_int(chunk_size, "chunk_size")
    n_samples, n_steps, n_features = x.shape
    if n_steps == 0 or n_features == 0:
        raise ValueError(f"x: expected at least one time step and one feature, got {tuple(x.shape)}")
    x = x.detach()
    values = replacement_values(replacement, x, "replacement")
    valid = _valid_steps(lengths, n_samples, n_steps, x.device)
    if plain is None:
        plain = _explain_in_chunks(explain, x, chunk_size)
    elif tuple(plain.shape) != tuple(x.shape):
        raise ValueError(f"plain: expected maps of shape {tuple(x.shape)}, got {tuple(plain.shape)}")
    plain = plain.detach().to(x.device)
    if n_samples == 0:
        return torch.zeros_like(plain)

    samples, steps = valid.nonzero(as_tuple=True)
    deltas = _distances(explain, x, plain, values, samples, steps, None, chunk_size)
    delta = plain.new_zeros((n_samples, n_steps)).index_put_((samples, steps), deltas)
    tau = _minmax(delta, valid)
    alpha = torch.nanquantile(tau.masked_fill(~valid, float("nan")), threshold, dim=1, keepdim=True)
    # Every valid step has the same positive Δ: none exceeds the quantile; all go to the feature stage.
    undecided = _zero_spread(delta, valid) & (tau.amax(dim=1, keepdim=True) > 0)
    selected = valid & ((tau > alpha) | undecided)

    pair_samples, pair_steps = selected.nonzero(as_tuple=True)
    cells = torch.arange(pair_samples.numel() * n_features, device=x.device)
    pairs, features = cells // n_features, cells % n_features
    cell_samples, cell_steps = pair_samples[pairs], pair_steps[pairs]
    cell_deltas = _distances(explain, x, plain, values, cell_samples, cell_steps, features, chunk_size)
    phi = torch.full_like(plain, float(fill))
    phi[pair_samples, pair_steps] = _minmax(cell_deltas.view(-1, n_features), None)
    return torch.where(valid.unsqueeze(-1), tau.unsqueeze(-1) * phi, 0.0)


def check_threshold(value: object, name: str) -> None:
    """Fail unless ``value`` is a quantile in [0, 1]."""
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) and 0 <= value <= 1
    if not ok:
        raise ValueError(f"{name}: expected a quantile in [0, 1], got {value!r}")


def check_fill(value: object, name: str) -> None:
    """Fail unless ``value`` is a finite number ≥ 0 (the feature score of unselected steps)."""
    number = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    if not (number and np.isfinite(value) and value >= 0):
        raise ValueError(f"{name}: expected a finite number >= 0, got {value!r}")


def replacement_values(value: object, x: torch.Tensor, name: str) -> torch.Tensor:
    """The value written into each masked cell, as a (N, T, F) tensor (a broadcast view) like ``x``.

    None means each sample's first element x[i, 0, 0]; a number is used everywhere; an array must
    broadcast to (N, T, F).
    """
    n_samples, n_steps, n_features = x.shape
    if value is None:
        return x[:, :1, :1].expand(x.shape)
    if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool):
        if not np.isfinite(value):
            raise ValueError(f"{name}: expected a finite number, got {value!r}")
        return torch.full((), float(value), dtype=x.dtype, device=x.device).expand(x.shape)
    if isinstance(value, (np.ndarray, torch.Tensor)):
        tensor = as_tensor(value, name)
        if tensor.is_complex() or tensor.dtype == torch.bool:
            raise TypeError(f"{name}: expected real numbers, got dtype {tensor.dtype}")
        check_finite(tensor, name)
        try:
            return tensor.to(device=x.device, dtype=x.dtype).expand(x.shape)
        except RuntimeError:
            raise ValueError(
                f"{name}: expected an array broadcastable to ({n_samples}, {n_steps}, {n_features}), "
                f"got shape {tuple(tensor.shape)}"
            ) from None
    raise TypeError(
        f"{name}: expected None (each input's first element), a number or an array, got {value!r}"
    )


def _valid_steps(lengths: object, n_samples: int, n_steps: int, device: torch.device) -> torch.Tensor:
    """(N, T) bool: step t < length of sample i (all True without lengths)."""
    if lengths is None:
        return torch.ones((n_samples, n_steps), dtype=torch.bool, device=device)
    limits = as_lengths(lengths, n_samples, n_steps).to(device)
    return torch.arange(n_steps, device=device).unsqueeze(0) < limits.unsqueeze(1)


def _explain_in_chunks(explain: Explain, x: torch.Tensor, chunk_size: int) -> torch.Tensor:
    rows = torch.arange(x.shape[0], device=x.device)
    pieces = [
        _checked(explain, x[start : start + chunk_size], rows[start : start + chunk_size])
        for start in range(0, x.shape[0], chunk_size)
    ]
    return torch.cat(pieces) if pieces else x.new_zeros(x.shape)


def _checked(explain: Explain, inputs: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    maps = explain(inputs, rows)
    if not isinstance(maps, torch.Tensor) or tuple(maps.shape) != tuple(inputs.shape):
        got = tuple(maps.shape) if isinstance(maps, torch.Tensor) else type(maps).__name__
        raise ValueError(f"explain: expected maps of the inputs' shape {tuple(inputs.shape)}, got {got}")
    return maps.detach()


def _distances(
    explain: Explain,
    x: torch.Tensor,
    plain: torch.Tensor,
    values: torch.Tensor,
    samples: torch.Tensor,
    steps: torch.Tensor,
    features: torch.Tensor | None,
    chunk_size: int,
) -> torch.Tensor:
    """Σ |A_i − R(x_i perturbed)| for each copy k: x_{samples[k]} with step ``steps[k]`` (all features,
    or only feature ``features[k]``) replaced by its replacement values."""
    out = plain.new_zeros(samples.shape[0])
    for start in range(0, samples.shape[0], chunk_size):
        part = slice(start, start + chunk_size)
        rows, at = samples[part], steps[part]
        copies = torch.arange(rows.shape[0], device=x.device)
        inputs = x[rows]  # advanced indexing copies
        if features is None:
            inputs[copies, at] = values[rows, at]
        else:
            cells = features[part]
            inputs[copies, at, cells] = values[rows, at, cells]
        maps = _checked(explain, inputs, rows).to(plain.dtype)
        out[part] = (maps - plain[rows]).abs().flatten(1).sum(dim=1)
    return out


def _minmax(values: torch.Tensor, valid: torch.Tensor | None) -> torch.Tensor:
    """Min-max over the last axis among ``valid`` entries; zero spread gives 1 (positive) or 0."""
    if valid is None:
        valid = torch.ones_like(values, dtype=torch.bool)
    low = values.masked_fill(~valid, float("inf")).amin(dim=-1, keepdim=True)
    high = values.masked_fill(~valid, float("-inf")).amax(dim=-1, keepdim=True)
    spread = high - low
    scaled = (values - low) / torch.where(spread > 0, spread, 1.0)
    constant = (high > 0).to(values.dtype).expand_as(values)
    return torch.where(valid, torch.where(spread > 0, scaled, constant), 0.0)


def _zero_spread(values: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """(N, 1) bool: all valid entries of the row are equal."""
    low = values.masked_fill(~valid, float("inf")).amin(dim=-1, keepdim=True)
    high = values.masked_fill(~valid, float("-inf")).amax(dim=-1, keepdim=True)
    return high == low
