"""Batched prediction and evaluation of a classifier in eval mode, and the checks and batching that
:func:`~salience.training.fit` shares with them.

Datasets are :class:`salience.data.Dataset` (float (N, T, F)) or any dataset with integer token ids
``x`` (N, L), ``y``, ``lengths`` and ``n_samples`` (such as ``salience.data.TextDataset``).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from salience._device import resolve_device
from salience._validation import check_finite, check_ndim, check_positive_int
from salience.data.dataset import Dataset


def predict_logits(
    model: nn.Module,
    x: np.ndarray | torch.Tensor,
    *,
    lengths: np.ndarray | torch.Tensor | None = None,
    batch_size: int = 256,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """The model's logits for inputs ``x`` (N, T, F), as a CPU float32 tensor (N, C).

    Runs in eval mode without gradients, ``batch_size`` samples at a time, and restores the model's
    training flag afterwards. ``device`` (default: where the model's parameters are) is where the
    work is done; naming one moves the model there.

    Example:
        >>> from salience.models import build_model
        >>> model = build_model("lstm", n_features=3, n_classes=2)
        >>> predict_logits(model, torch.zeros(5, 4, 3)).shape
        torch.Size([5, 2])
    """
    _check_model(model)
    check_positive_int(batch_size, "batch_size")
    check_ndim(x, "x", 3, "(N, T, F)")
    check_finite(x, "x")
    n_features = _config_value(model, "n_features")
    if n_features is not None and x.shape[-1] != n_features:
        raise ValueError(f"x: expected {n_features} features for this model, got {x.shape[-1]}")
    n, n_steps = int(x.shape[0]), int(x.shape[1])
    if lengths is not None:
        check_ndim(lengths, "lengths", 1, "(N,)")
        lengths = torch.as_tensor(lengths)
        if lengths.shape[0] != n or lengths.is_floating_point():
            raise ValueError(f"lengths: expected {n} integers, got shape {tuple(lengths.shape)}")
        if n and (int(lengths.min()) < 1 or int(lengths.max()) > n_steps):
            raise ValueError(f"lengths: expected values in [1, {n_steps}]")
    if device is not None:
        model.to(resolve_device(str(device)))
    target = _model_device(model)
    if n == 0:
        n_classes = _config_value(model, "n_classes")
        if n_classes is None:
            raise ValueError("x: expected at least one sample")
        return torch.empty(0, n_classes, dtype=torch.float32)
    xt = torch.as_tensor(x, dtype=_model_dtype(model)).to(target)
    lt = None if lengths is None else lengths.to(device=target, dtype=torch.int64)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            parts = [logits.float().cpu() for logits in _batched_logits(model, xt, lt, batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(parts)


def evaluate(model: nn.Module, dataset: Dataset, *, batch_size: int = 256) -> dict[str, float]:
    """Mean cross-entropy (``loss``) and ``accuracy`` of ``model`` on ``dataset``, in eval mode.

    Example:
        >>> import numpy as np
        >>> from salience.models import build_model
        >>> model = build_model("lstm", n_features=3, n_classes=2)
        >>> scores = evaluate(model, Dataset(np.zeros((4, 5, 3)), np.array([0, 1, 0, 1])))
        >>> sorted(scores)
        ['accuracy', 'loss']
    """
    _check_model(model)
    check_positive_int(batch_size, "batch_size")
    _check_split(dataset, "dataset", model)
    x, y, lengths = _to_device(dataset, _model_device(model), _model_dtype(model))
    was_training = model.training
    try:
        loss, accuracy = _score(model, x, y, lengths, batch_size)
    finally:
        model.train(was_training)
    return {"loss": loss, "accuracy": accuracy}


def _score(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor | None, batch_size: int
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy in eval mode (leaves the model in eval mode)."""
    model.eval()
    loss_sum = torch.zeros((), dtype=torch.float64, device=x.device)
    correct = torch.zeros((), dtype=torch.int64, device=x.device)
    with torch.no_grad():
        for start, logits in zip(
            range(0, x.shape[0], batch_size), _batched_logits(model, x, lengths, batch_size), strict=True
        ):
            target = y[start : start + batch_size]
            if logits.shape[-1] <= int(target.max()):
                raise ValueError(
                    f"model: gives {logits.shape[-1]} classes but the labels go up to {int(target.max())}"
                )
            loss_sum += F.cross_entropy(logits, target, reduction="sum").double()
            correct += (logits.argmax(dim=1) == target).sum()
    n = x.shape[0]
    return float(loss_sum) / n, int(correct) / n


def _batched_logits(
    model: nn.Module, x: torch.Tensor, lengths: torch.Tensor | None, batch_size: int
) -> Iterator[torch.Tensor]:
    for start in range(0, x.shape[0], batch_size):
        stop = start + batch_size
        yield _forward(model, x[start:stop], None if lengths is None else lengths[start:stop])


def _forward(model: nn.Module, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    logits = model(x) if lengths is None else model(x, lengths=lengths)
    if logits.ndim != 2 or logits.shape[0] != x.shape[0]:
        raise ValueError(f"model: expected logits of shape (B, C), got {tuple(logits.shape)}")
    return logits


def _to_device(
    dataset: Dataset, device: torch.device, dtype: torch.dtype = torch.float32
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """x (float inputs in the model's dtype; integer token ids kept), y and lengths on ``device``."""
    x = torch.from_numpy(dataset.x).to(device)
    if x.is_floating_point():
        x = x.to(dtype)
    y = torch.from_numpy(dataset.y).to(device)
    lengths = None if dataset.lengths is None else torch.from_numpy(dataset.lengths).to(device)
    return x, y, lengths


def _check_model(model: object) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")


def _config_value(model: nn.Module, key: str) -> int | None:
    config = getattr(model, "config", None)
    value = config.get(key) if isinstance(config, dict) else None
    return int(value) if value is not None else None


def _check_split(dataset: object, name: str, model: nn.Module) -> None:
    """Fail unless ``dataset`` is a non-empty Dataset (or token dataset) that fits ``model.config``
    (when it has one)."""
    tokens = _is_token_dataset(dataset)
    if not isinstance(dataset, Dataset) and not tokens:
        raise TypeError(
            f"{name}: expected a salience.data.Dataset or a token dataset (integer x (N, L), y, lengths), "
            f"got {type(dataset).__name__}"
        )
    if dataset.n_samples == 0:
        raise ValueError(f"{name}: expected at least one sample, got an empty dataset")
    n_features = _config_value(model, "n_features")
    if not tokens and n_features is not None and dataset.n_features != n_features:
        raise ValueError(f"{name}: expected {n_features} features for this model, got {dataset.n_features}")
    n_classes = _config_value(model, "n_classes")
    if n_classes is not None and int(dataset.y.max()) >= n_classes:
        raise ValueError(
            f"{name}: expected labels in [0, {n_classes}) for this model, got up to {int(dataset.y.max())}"
        )


def _is_token_dataset(dataset: object) -> bool:
    """Duck-typed text data: integer ids ``x`` (N, L) with ``y``, ``lengths`` and ``n_samples``."""
    x = getattr(dataset, "x", None)
    return (
        isinstance(x, np.ndarray)
        and x.ndim == 2
        and np.issubdtype(x.dtype, np.integer)
        and all(hasattr(dataset, name) for name in ("y", "lengths", "n_samples"))
    )


def _model_device(model: nn.Module) -> torch.device:
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return torch.device("cpu")


def _model_dtype(model: nn.Module) -> torch.dtype:
    for tensor in model.parameters():
        if tensor.is_floating_point():
            return tensor.dtype
    return torch.float32
