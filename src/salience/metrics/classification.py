"""Classification accuracy from logits (N, C) or predicted labels (N,)."""

from __future__ import annotations

import torch

from salience._validation import ArrayLike, as_tensor, check_array, check_finite, check_labels


def accuracy(logits_or_predictions: ArrayLike, y: ArrayLike) -> float:
    """Fraction of samples whose predicted class equals the label ``y``.

    Args:
        logits_or_predictions: logits or probabilities (N, C), whose argmax is the prediction, or
            predicted integer labels (N,).
        y: true integer labels (N,).

    Example:
        >>> accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]), torch.tensor([0, 1, 1]))
        0.6666666666666666
        >>> accuracy(torch.tensor([0, 1]), torch.tensor([0, 1]))
        1.0
    """
    name = "logits_or_predictions"
    check_array(logits_or_predictions, name)
    scores = as_tensor(logits_or_predictions, name)
    if scores.ndim == 2:
        if not scores.is_floating_point():
            raise TypeError(f"{name}: expected float logits (N, C), got dtype {scores.dtype}")
        check_finite(scores, name)
        n_classes = int(scores.shape[1])
        if n_classes == 0:
            raise ValueError(f"{name}: expected at least one class column, got shape {tuple(scores.shape)}")
        predictions = scores.argmax(dim=1)
    elif scores.ndim == 1:
        n_classes = None
        check_labels(scores, name, int(scores.shape[0]))
        predictions = scores
    else:
        raise ValueError(f"{name}: expected logits (N, C) or labels (N,), got shape {tuple(scores.shape)}")
    n_samples = int(predictions.shape[0])
    if n_samples == 0:
        raise ValueError(f"{name}: expected at least one sample, got none")
    check_labels(y, "y", n_samples, n_classes)
    labels = as_tensor(y, "y").to(device=predictions.device, dtype=torch.int64)
    return float((predictions.to(torch.int64) == labels).to(torch.float64).mean())
