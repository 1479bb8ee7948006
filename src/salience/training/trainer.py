"""The training loop: Adam (or Adadelta, SGD) on the cross-entropy of the logits, or on the saliency
guided objective (``training="sgt"``, :mod:`salience.training.saliency_guided`), with model selection
and early stopping on a validation split (never the test set); prediction and evaluation are in
:mod:`salience.training.evaluation`.

Splits are :class:`salience.data.Dataset` (float (N, T, F)) or any dataset with integer token ids
``x`` (N, L), ``y``, ``lengths`` and ``n_samples`` (such as ``salience.data.TextDataset``).

The originals select the model and stop early on **test** accuracy and have no validation split;
here :func:`fit` takes no test set at all, so it cannot.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from salience._device import check_device_name, resolve_device
from salience._validation import (
    check_choice,
    check_fraction,
    check_positive_int,
)
from salience.data.dataset import Dataset
from salience.training.evaluation import (
    _check_model,
    _check_split,
    _forward,
    _is_token_dataset,
    _model_dtype,
    _score,
    _to_device,
)
from salience.training.saliency_guided import SaliencyGuidedConfig, SaliencyGuidedObjective

#: When validation accuracy is perfect, stop after this many epochs (at most ``patience``) without
#: a lower validation loss.
PERFECT_PATIENCE = 5

TRAININGS = ("traditional", "sgt")
OPTIMIZERS = ("adam", "adadelta", "sgd")


@dataclass
class TrainConfig:
    """Settings of :func:`fit`.

    Args:
        max_epochs: upper bound on the number of epochs (400 in the ICA paper's code).
        batch_size: minibatch size (50 in the original code).
        lr: Adam's learning rate (1e-3 in the original code).
        patience: stop after this many epochs without a better validation score.
        seed: seeds the minibatch order and dropout; the same seed gives the same weights on CPU.
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        weight_decay: Adam's L2 penalty.
        stop_at_train_accuracy: if set, also stop after the first epoch whose accuracy on the whole
            training split (eval mode) reaches this value. This is the input-cell attention code's
            rule (it stopped at 100% training accuracy); saliency maps of such barely-trained models
            differ from those of models trained to a validation optimum (see docs/results-ica.md).
        stop_at_validation_accuracy: if set, also stop after the first epoch whose validation
            accuracy reaches this value (the benchmark's code stopped once its best held-out
            accuracy reached 99%).
        optimizer: ``adam`` (the input-cell attention and benchmark code), ``adadelta`` (the saliency
            guided training MNIST code, lr 1.0) or ``sgd`` (momentum 0.9).
        training: ``traditional`` (cross-entropy) or ``sgt`` (saliency guided training).
        sgt: the saliency guided objective's settings (default ``SaliencyGuidedConfig()`` when
            ``training="sgt"``; must be None for traditional training).

    Example:
        >>> TrainConfig(max_epochs=10).to_dict()["max_epochs"]
        10
    """

    max_epochs: int = 400
    batch_size: int = 50
    lr: float = 1e-3
    patience: int = 30
    seed: int = 0
    device: str = "auto"
    weight_decay: float = 0.0
    stop_at_train_accuracy: float | None = None
    stop_at_validation_accuracy: float | None = None
    optimizer: str = "adam"
    training: str = "traditional"
    sgt: SaliencyGuidedConfig | None = None

    def __post_init__(self) -> None:
        check_positive_int(self.max_epochs, "max_epochs")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.patience, "patience")
        check_positive_int(self.seed, "seed", allow_zero=True)
        for name in ("lr", "weight_decay"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"{name}: expected a non-negative number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name}: expected a finite number, got {value!r}")
        self.device = check_device_name(self.device)
        for name in ("stop_at_train_accuracy", "stop_at_validation_accuracy"):
            if getattr(self, name) is not None:
                check_fraction(getattr(self, name), name, open_high=False)
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        check_choice(self.training, "training", TRAININGS)
        if isinstance(self.sgt, dict):
            self.sgt = SaliencyGuidedConfig.from_dict(self.sgt)
        if self.training == "sgt" and self.sgt is None:
            self.sgt = SaliencyGuidedConfig()
        if self.sgt is not None and not isinstance(self.sgt, SaliencyGuidedConfig):
            raise TypeError(f"sgt: expected a SaliencyGuidedConfig, got {type(self.sgt).__name__}")
        if self.training == "traditional" and self.sgt is not None:
            raise ValueError("sgt: only used with training='sgt'")

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-serialisable dict."""
        return asdict(self)

    def make_optimizer(self, parameters: Iterator[nn.Parameter]) -> torch.optim.Optimizer:
        """The configured optimiser over ``parameters``."""
        if self.optimizer == "adadelta":
            return torch.optim.Adadelta(parameters, lr=self.lr, weight_decay=self.weight_decay)
        if self.optimizer == "sgd":
            return torch.optim.SGD(parameters, lr=self.lr, momentum=0.9, weight_decay=self.weight_decay)
        return torch.optim.Adam(parameters, lr=self.lr, weight_decay=self.weight_decay)


@dataclass
class EpochReport:
    """What one epoch gave. ``train_*`` are running means over the epoch's minibatches in training
    mode (dropout on); ``val_*`` are measured after the epoch in eval mode. ``best_epoch`` is the
    selected epoch so far (1-based)."""

    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    best_epoch: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TrainResult:
    """The outcome of :func:`fit`: the selected epoch, its validation scores and the history."""

    best_epoch: int
    best_val_accuracy: float
    best_val_loss: float
    epochs_run: int
    stopped_early: bool
    history: list[EpochReport] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (the history as a list of dicts)."""
        return asdict(self)


def fit(
    model: nn.Module,
    train: Dataset,
    validation: Dataset,
    config: TrainConfig | None = None,
    *,
    on_epoch: Callable[[EpochReport], None] | None = None,
    replacement: np.ndarray | None = None,
) -> TrainResult:
    """Train ``model`` on ``train``, selecting the epoch with the best score on ``validation``.

    The optimiser minimises the cross-entropy of the model's logits over shuffled minibatches, or
    with ``training="sgt"`` the saliency guided objective (its reported train loss is the whole
    objective, CE + λ·KL; validation scores are cross-entropy and accuracy). After every
    epoch the model is scored on ``validation`` in eval mode; the best epoch has the highest
    validation accuracy, ties going to the lower validation loss. Training stops after
    ``config.max_epochs``, or after ``config.patience`` epochs without a better epoch, or, once the
    validation accuracy is 1.0, after ``min(patience, 5)`` epochs without a lower validation loss
    (a perfect split can only improve its loss, which would otherwise run out the full patience).
    The best epoch's weights are loaded back into ``model``, which is left in eval mode on the
    configured device.

    Data are moved to the device once; ``lengths`` are passed to the model when the dataset has them.
    With the same seed (and the same initial weights) two runs on CPU give identical weights; the
    seed drives the minibatch order (its own generator) and dropout (the global RNG, forked so that
    the caller's RNG state is left as it was).

    Args:
        model: a classifier ``forward(x, lengths=None) -> logits (B, C)``; trained in place.
        train: the training split.
        validation: the split used for model selection and early stopping.
        config: a :class:`TrainConfig` (default ``TrainConfig()``).
        on_epoch: called with each epoch's :class:`EpochReport` (e.g. to drive a progress bar).
        replacement: for saliency guided training with ``fill="replacement"``: values (N, T, F)
            aligned with ``train`` (e.g. signal-free samples) written into the masked cells.

    Example:
        >>> from salience.data import make_box, split_dataset
        >>> from salience.models import build_model
        >>> parts = split_dataset(make_box("latter", n=40, n_steps=6, n_features=4), seed=0)
        >>> model = build_model("lstm", n_features=4, n_classes=2)
        >>> result = fit(model, parts.train, parts.validation, TrainConfig(max_epochs=2, device="cpu"))
        >>> result.epochs_run, model.training
        (2, False)
    """
    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config: expected a TrainConfig, got {type(config).__name__}")
    _check_model(model)
    _check_split(train, "train", model)
    _check_split(validation, "validation", model)
    if not _is_token_dataset(train) and validation.x.shape[1:] != train.x.shape[1:]:
        raise ValueError(
            f"validation: expected (N, T, F) = (N, {train.n_steps}, {train.n_features}) like train, "
            f"got {validation.x.shape}"
        )
    device = resolve_device(config.device)
    model.to(device)
    dtype = _model_dtype(model)
    x, y, lengths = _to_device(train, device, dtype)
    vx, vy, vlengths = _to_device(validation, device, dtype)
    optimizer = config.make_optimizer(model.parameters())
    order = torch.Generator().manual_seed(config.seed)
    objective = None
    if config.sgt is not None:
        objective = SaliencyGuidedObjective(config.sgt, seed=config.seed)
    replacement_values = None
    if config.sgt is not None and config.sgt.resolved_fill == "replacement":
        if replacement is None or tuple(np.shape(replacement)) != tuple(x.shape):
            raise ValueError(
                f"replacement: expected values of shape {tuple(x.shape)} for fill='replacement', "
                f"got {None if replacement is None else np.shape(replacement)}"
            )
        replacement_values = torch.as_tensor(np.asarray(replacement), dtype=dtype).to(device)

    history: list[EpochReport] = []
    best_epoch, best_acc, best_loss = 0, -math.inf, math.inf
    best_state: dict[str, torch.Tensor] = {}
    stopped_early = False
    cuda_devices: list[int] = []
    if device.type == "cuda":
        cuda_devices = [device.index if device.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=cuda_devices, device_type="cuda"):
        torch.default_generator.manual_seed(config.seed)
        if device.type == "cuda":
            with torch.cuda.device(device):
                torch.cuda.manual_seed(config.seed)
        for epoch in range(1, config.max_epochs + 1):
            start = time.perf_counter()
            train_loss, train_acc = _train_epoch(
                model, optimizer, x, y, lengths, config.batch_size, order, objective, replacement_values
            )
            if not math.isfinite(train_loss):
                raise FloatingPointError(
                    f"lr: the training loss became {train_loss} at epoch {epoch}; try a lower lr"
                )
            val_loss, val_acc = _score(model, vx, vy, vlengths, _EVAL_BATCH)
            if val_acc > best_acc or (val_acc == best_acc and val_loss < best_loss):
                best_epoch, best_acc, best_loss = epoch, val_acc, val_loss
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            report = EpochReport(
                epoch, train_loss, train_acc, val_loss, val_acc, best_epoch, time.perf_counter() - start
            )
            history.append(report)
            if on_epoch is not None:
                on_epoch(report)
            waited = epoch - best_epoch
            perfect = best_acc == 1.0 and waited >= min(config.patience, PERFECT_PATIENCE)
            learned = (
                config.stop_at_validation_accuracy is not None
                and val_acc >= config.stop_at_validation_accuracy
            ) or (
                config.stop_at_train_accuracy is not None
                and _score(model, x, y, lengths, _EVAL_BATCH)[1] >= config.stop_at_train_accuracy
            )
            if epoch < config.max_epochs and (waited >= config.patience or perfect or learned):
                stopped_early = True
                break
    model.load_state_dict(best_state)
    model.eval()
    return TrainResult(
        best_epoch=best_epoch,
        best_val_accuracy=best_acc,
        best_val_loss=best_loss,
        epochs_run=len(history),
        stopped_early=stopped_early,
        history=history,
    )


_EVAL_BATCH = 256


def _train_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    lengths: torch.Tensor | None,
    batch_size: int,
    order: torch.Generator,
    objective: SaliencyGuidedObjective | None = None,
    replacement: torch.Tensor | None = None,
) -> tuple[float, float]:
    """One pass over shuffled minibatches; returns the running mean loss and accuracy."""
    model.train()
    n = x.shape[0]
    permutation = torch.randperm(n, generator=order).to(x.device)
    loss_sum = torch.zeros((), dtype=torch.float64, device=x.device)
    correct = torch.zeros((), dtype=torch.int64, device=x.device)
    for start in range(0, n, batch_size):
        index = permutation[start : start + batch_size]
        batch_lengths = None if lengths is None else lengths[index]
        optimizer.zero_grad(set_to_none=True)
        if objective is None:
            logits = _forward(model, x[index], batch_lengths)
            loss = F.cross_entropy(logits, y[index])
            loss.backward()
        else:
            step = objective.backward(
                model,
                x[index],
                y[index],
                lengths=batch_lengths,
                replacement=None if replacement is None else replacement[index],
            )
            loss, logits = step.loss, step.logits
        optimizer.step()
        loss_sum += loss.detach().double() * index.shape[0]
        correct += (logits.detach().argmax(dim=1) == y[index]).sum()
    return float(loss_sum) / n, int(correct) / n
