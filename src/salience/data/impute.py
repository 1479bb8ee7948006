"""Filling missing values (NaN) in (N, T, F) data: zeros, the feature's mean or the last observation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from salience._validation import check_choice, check_ndim

IMPUTE_METHODS = ("ffill", "mean", "zero")
"""How missing values can be filled: see :func:`impute_missing`."""


def impute_missing(
    x: np.ndarray,
    method: str,
    *,
    lengths: np.ndarray | None = None,
    feature_names: Sequence[str] | None = None,
) -> np.ndarray:
    """``x`` (N, T, F) with its NaN cells filled; steps beyond ``lengths`` are set to 0.

    ``zero``: 0. ``mean``: the feature's mean over every observed (valid) cell. ``ffill``: the sample's
    last observed value of the feature; leading gaps take its first observed value, and a feature never
    observed in a sample takes the feature's mean.

    Example:
        >>> x = np.array([[[np.nan], [1.0], [np.nan]], [[3.0], [np.nan], [np.nan]]])
        >>> impute_missing(x, "ffill")[:, :, 0].tolist()
        [[1.0, 1.0, 1.0], [3.0, 3.0, 3.0]]
        >>> impute_missing(x, "mean", lengths=np.array([3, 2]))[:, :, 0].tolist()
        [[2.0, 1.0, 2.0], [3.0, 2.0, 0.0]]
    """
    check_choice(method, "impute", IMPUTE_METHODS)
    check_ndim(x, "x", 3, "(N, T, F)")
    filled = np.array(x, dtype=np.float64)
    n, t = filled.shape[:2]
    valid = np.ones((n, t), dtype=bool)
    if lengths is not None:
        valid = np.arange(t)[None, :] < np.asarray(lengths)[:, None]
    filled[~valid] = 0.0
    missing = np.isnan(filled)
    if not missing.any():
        return filled
    if method == "zero":
        filled[missing] = 0.0
        return filled
    observed = ~missing & valid[:, :, None]
    counts = observed.sum(axis=(0, 1))
    means = np.where(observed, filled, 0.0).sum(axis=(0, 1)) / np.maximum(counts, 1)
    needed = (missing.sum(axis=(0, 1)) > 0) & (counts == 0)
    if needed.any():
        k = int(np.flatnonzero(needed)[0])
        column = feature_names[k] if feature_names is not None else f"feature {k}"
        raise ValueError(f"impute: {column} has no observed value to impute {method!r} from")
    if method == "ffill":
        steps = np.arange(t)[None, :, None]
        last = np.maximum.accumulate(np.where(observed, steps, -1), axis=1)
        upcoming = np.flip(np.minimum.accumulate(np.flip(np.where(observed, steps, t), 1), axis=1), 1)
        source = np.where(last >= 0, last, np.where(upcoming < t, upcoming, 0))
        carried = np.take_along_axis(filled, source, axis=1)
        never = ~observed.any(axis=1, keepdims=True)
        filled = np.where(missing, np.where(never, means, carried), filled)
    else:
        filled = np.where(missing, means, filled)
    filled[~valid] = 0.0
    return filled
