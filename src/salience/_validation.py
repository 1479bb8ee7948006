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


def check_positive_ints(**values: object) -> None:
    """Fail unless every keyword's value is an int > 0, naming the first that is not.

    Example:
        >>> check_positive_ints(n_features=3, n_classes=0)
        Traceback (most recent call last):
        ...
        ValueError: n_classes: expected a positive integer, got 0
    """
    for name, value in values.items():
        check_positive_int(value, name)


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


def as_tensor(value: object, name: str) -> torch.Tensor:
    """``value`` (numpy array or tensor) as a detached torch tensor, without copying when possible."""
    check_array(value, name)
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise TypeError(f"{name}: expected a numeric array, got dtype object")
        return torch.from_numpy(np.ascontiguousarray(value))
    return value.detach()


def as_lengths(lengths: object, n_samples: int, n_steps: int) -> torch.Tensor:
    """Validated sequence ``lengths`` (N,) as an int64 tensor (same device) with values in [1, T].

    Example:
        >>> as_lengths(np.array([3, 1]), n_samples=2, n_steps=3).tolist()
        [3, 1]
    """
    check_ndim(lengths, "lengths", 1, "(N,)")
    tensor = as_tensor(lengths, "lengths")
    if tensor.shape[0] != n_samples:
        raise ValueError(f"lengths: expected {n_samples} lengths, got {tensor.shape[0]}")
    if tensor.is_floating_point() or tensor.is_complex() or tensor.dtype == torch.bool:
        raise TypeError(f"lengths: expected integers, got dtype {tensor.dtype}")
    if n_samples and (int(tensor.min()) < 1 or int(tensor.max()) > n_steps):
        raise ValueError(
            f"lengths: expected values in [1, {n_steps}], got {int(tensor.min())} to {int(tensor.max())}"
        )
    return tensor.to(torch.int64)


def as_token_ids(tokens: object, vocab_size: int | None = None) -> torch.Tensor:
    """Validated token ids (N, L) as an int64 CPU tensor, in [0, ``vocab_size``) when given.

    Example:
        >>> as_token_ids([[3, 1], [2, 0]], vocab_size=4).dtype
        torch.int64
    """
    if isinstance(tokens, (list, tuple)):
        tokens = np.asarray(tokens)
    check_ndim(tokens, "tokens", 2, "(N, L)")
    ids = as_tensor(tokens, "tokens")
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise TypeError(f"tokens: expected integer token ids, got dtype {ids.dtype}")
    if ids.shape[1] == 0:
        raise ValueError(f"tokens: expected at least one position, got shape {tuple(ids.shape)}")
    if ids.numel() and int(ids.min()) < 0:
        raise ValueError(f"tokens: expected non-negative ids, got {int(ids.min())}")
    if ids.numel() and vocab_size is not None and int(ids.max()) >= vocab_size:
        raise ValueError(
            f"tokens: expected ids in [0, {vocab_size}), got {int(ids.min())} to {int(ids.max())}"
        )
    return ids.to(torch.int64).cpu()
