"""Baselines for one attribute() run, by the method's policy: per sample, a distribution, or as given."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from salience._validation import check_array, check_choice, check_finite, check_ndim
from salience.explain.methods import MethodRecord

BASELINE_CHOICES = ("uniform",)
"""Named ``baselines``: ``uniform`` draws seeded U[0, 1) baselines (the benchmark's, for min-max scaled
inputs): one per sample (N, T, F), or ``n_baselines`` shared ones (n_baselines, T, F) for the SHAP
methods."""


def draw_baselines(
    record: MethodRecord, given: Any, inputs: torch.Tensor, seed: int, n_baselines: int
) -> tuple[Any, torch.Tensor | None]:
    """(shared, per_sample): baselines for every captum call as they are (None for captum's default,
    a number, a SHAP distribution (K, T, F) or a callable), or one per sample (N, T, F).

    Example:
        >>> from salience.explain.methods import method_record
        >>> record = method_record("deeplift")
        >>> shared, per_sample = draw_baselines(record, "uniform", torch.zeros(2, 3, 4), 0, 5)
        >>> shared, tuple(per_sample.shape)
        (None, (2, 3, 4))
    """
    n_samples, n_steps, n_features = inputs.shape
    distribution = record.baselines == "distribution"
    if isinstance(given, str):
        check_choice(given, "baselines", BASELINE_CHOICES)
        generator = torch.Generator().manual_seed(seed)
        shape = (n_baselines, n_steps, n_features) if distribution else (n_samples, n_steps, n_features)
        drawn = torch.rand(shape, generator=generator).to(device=inputs.device, dtype=inputs.dtype)
        return (drawn, None) if distribution else (None, drawn)
    if distribution:
        if given is None:
            generator = torch.Generator().manual_seed(seed)
            drawn = torch.randn((n_baselines, n_steps, n_features), generator=generator)
            return drawn.to(device=inputs.device, dtype=inputs.dtype), None
        if callable(given):
            return given, None
        tensor = _as_baseline_tensor(given, inputs)
        check_ndim(tensor, "baselines", 3, f"(K, {n_steps}, {n_features})")
        if tuple(tensor.shape[1:]) != (n_steps, n_features):
            raise ValueError(
                f"baselines: expected shape (K, {n_steps}, {n_features}), got {tuple(tensor.shape)}"
            )
        return tensor, None
    if given is None or record.baselines != "per_sample":
        return given, None
    if isinstance(given, (int, float)) and not isinstance(given, bool):
        return float(given), None
    tensor = _as_baseline_tensor(given, inputs)
    try:
        torch.broadcast_shapes(tensor.shape, inputs.shape)
    except RuntimeError:
        raise ValueError(
            f"baselines: expected 'uniform', a number or a tensor broadcastable to x "
            f"{tuple(inputs.shape)}, got shape {tuple(tensor.shape)}"
        ) from None
    return None, tensor.expand(inputs.shape)


def _as_baseline_tensor(value: object, inputs: torch.Tensor) -> torch.Tensor:
    check_array(value, "baselines")
    tensor = torch.from_numpy(np.ascontiguousarray(value)) if isinstance(value, np.ndarray) else value
    assert isinstance(tensor, torch.Tensor)
    check_finite(tensor, "baselines")
    return tensor.detach().to(device=inputs.device, dtype=inputs.dtype)
