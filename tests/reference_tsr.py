"""A slow, straightforward Temporal Saliency Rescaling, written from the equations (§2.14), kept only as
a test and benchmark reference: one sample, one time step, one cell and one ``attribute`` call at a
time, in plain Python and numpy.

The zero-spread rule (all values equal: 1 if positive, 0 if zero; all steps equal and positive: every
step gets feature scores) follows the decision documented in ``salience.explain.tsr``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from salience.explain import attribute


def loop_tsr(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    method: str,
    *,
    lengths: torch.Tensor | None = None,
    threshold: float = 0.55,
    fill: float = 0.1,
    replacement: float | np.ndarray | None = None,
    baselines: torch.Tensor | None = None,
    **kwargs: Any,
) -> np.ndarray:
    """TSR maps (N, T, F) as float64 numpy. ``baselines`` (N, T, F), if given, are sample i's own."""
    n_samples, n_steps, n_features = x.shape
    out = np.zeros((n_samples, n_steps, n_features))
    for i in range(n_samples):
        sample = x[i : i + 1].clone()
        length = n_steps if lengths is None else int(lengths[i])
        options = dict(kwargs)
        if lengths is not None:
            options["lengths"] = lengths[i : i + 1]
        if baselines is not None:
            options["baselines"] = baselines[i : i + 1]

        def explain(inputs: torch.Tensor, i: int = i, options: dict[str, Any] = options) -> np.ndarray:
            maps = attribute(model, inputs, y=y[i : i + 1], method=method, **options)
            return maps[0].double().numpy()

        def value(t: int, c: int, i: int = i, sample: torch.Tensor = sample) -> float:
            if replacement is None:
                return float(sample[0, 0, 0])
            if np.isscalar(replacement):
                return float(replacement)
            return float(np.broadcast_to(np.asarray(replacement), x.shape)[i, t, c])

        plain = explain(sample)
        delta = []
        for t in range(length):
            copy = sample.clone()
            for c in range(n_features):
                copy[0, t, c] = value(t, c)
            delta.append(np.abs(plain - explain(copy)).sum())
        tau = _minmax(delta)
        alpha = np.quantile(tau, threshold)
        undecided = max(delta) == min(delta) and max(delta) > 0
        for t in range(length):
            if tau[t] > alpha or undecided:
                phi = []
                for c in range(n_features):
                    copy = sample.clone()
                    copy[0, t, c] = value(t, c)
                    phi.append(np.abs(plain - explain(copy)).sum())
                phi = _minmax(phi)
            else:
                phi = [fill] * n_features
            for c in range(n_features):
                out[i, t, c] = tau[t] * phi[c]
    return out


def _minmax(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    if high > low:
        return [(v - low) / (high - low) for v in values]
    return [1.0 if high > 0 else 0.0 for _ in values]
