"""Input checks shared by every public entry point.

Each check raises :class:`ValueError` (or :class:`TypeError`) whose message names the argument and
what was expected, so that the CLI can print it as one line.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

ArrayLike = np.ndarray | torch.Tensor


def _shape(value: ArrayLike) -> tuple[int, ...]:
    return tuple(int(s) for s in value.shape)


def check_array(value: object, name: str) -> None:
    """Fail unless ``value`` is a numpy array or a torch tensor."""
    if not isinstance(value, (np.ndarray, torch.Tensor)):
        raise TypeError(f"{name}: expected a numpy array or torch tensor, got {type(value).__name__}")


def check_ndim(value: ArrayLike, name: str, ndim: int, layout: str) -> None:
    """Fail unless ``value`` has ``ndim`` dimensions, naming the expected ``layout``."""
    check_array(value, name)
    if value.ndim != ndim:
        raise ValueError(f"{name}: expected shape {layout}, got {_shape(value)}")


def check_finite(value: ArrayLike, name: str) -> None:
    """Fail if ``value`` holds NaN or infinite entries."""
    if isinstance(value, torch.Tensor):
        ok = bool(torch.isfinite(value).all()) if value.is_floating_point() else True
    else:
        ok = bool(np.isfinite(value).all()) if np.issubdtype(value.dtype, np.floating) else True
    if not ok:
        raise ValueError(f"{name}: expected finite values, found NaN or inf")


def check_same_shape(value: ArrayLike, name: str, reference: ArrayLike, reference_name: str) -> None:
    """Fail unless ``value`` has the same shape as ``reference``."""
    if _shape(value) != _shape(reference):
        raise ValueError(
            f"{name}: expected the shape of {reference_name} {_shape(reference)}, got {_shape(value)}"
        )


def check_labels(y: ArrayLike, name: str, n_samples: int, n_classes: int | None = None) -> None:
    """Fail unless ``y`` is a vector of ``n_samples`` integer labels in ``[0, n_classes)``."""
    check_ndim(y, name, 1, "(N,)")
    if y.shape[0] != n_samples:
        raise ValueError(f"{name}: expected {n_samples} labels, got {y.shape[0]}")
    is_int = (
        not (y.is_floating_point() or y.is_complex() or y.dtype == torch.bool)
        if isinstance(y, torch.Tensor)
        else np.issubdtype(y.dtype, np.integer)
    )
    if not is_int:
        raise TypeError(f"{name}: expected integer class labels, got dtype {y.dtype}")
    if n_samples == 0:
        return
    low, high = int(y.min()), int(y.max())
    if low < 0 or (n_classes is not None and high >= n_classes):
        bound = f"[0, {n_classes})" if n_classes is not None else "non-negative"
        raise ValueError(f"{name}: expected labels in {bound}, got values from {low} to {high}")


def check_choice(value: str, name: str, choices: Iterable[str]) -> None:
    """Fail unless ``value`` is one of ``choices``."""
    options = sorted(choices)
    if value not in options:
        raise ValueError(f"{name}: expected one of {', '.join(options)}; got {value!r}")


def check_positive_int(value: object, name: str, *, allow_zero: bool = False) -> None:
    """Fail unless ``value`` is an int > 0 (or >= 0 with ``allow_zero``)."""
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        expected = "a non-negative integer" if allow_zero else "a positive integer"
        raise ValueError(f"{name}: expected {expected}, got {value!r}")


def check_fraction(value: object, name: str, *, open_high: bool = True) -> None:
    """Fail unless ``value`` is a float in [0, 1) (or [0, 1] with ``open_high=False``)."""
    ok = (
        isinstance(value, (int, float))
        and float(value) >= 0.0
        and (float(value) < 1.0 if open_high else float(value) <= 1.0)
    )
    if not ok:
        bound = "[0, 1)" if open_high else "[0, 1]"
        raise ValueError(f"{name}: expected a number in {bound}, got {value!r}")
