"""One reproduction task's core, shared by the suites that train a model and explain its test set
with the vanilla gradient (``ica``, ``fmri``): build, fit on the training split (selection on the
validation split), measure test accuracy, attribute the test set, save the checkpoint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from salience.data import DatasetSplits, Standardizer
from salience.explain import attribute
from salience.models import build_model
from salience.runs.store import TaskKey
from salience.training import EpochReport, TrainConfig, TrainResult, fit, predict_logits, save_checkpoint


@dataclass
class FittedTask:
    """What :func:`fit_and_explain` produced."""

    model: nn.Module
    result: TrainResult
    accuracy: float
    saliency: torch.Tensor  # (N, T, F) maps of the test split

    def training_metrics(self) -> dict[str, float]:
        """The rows every suite stores for its training: test and validation accuracy, epochs."""
        return {
            "acc": self.accuracy,
            "val_acc": float(self.result.best_val_accuracy),
            "epochs": float(self.result.epochs_run),
            "best_epoch": float(self.result.best_epoch),
        }


def fit_and_explain(
    key: TaskKey,
    splits: DatasetSplits,
    scaler: Standardizer | None,
    config: TrainConfig,
    checkpoint: Path,
    *,
    options: dict[str, Any],
    on_epoch: Any = None,
    method: str = "gradient",
) -> FittedTask:
    """Train model ``key.model`` (seeded by ``key.seed``) and explain the test split with ``method``.

    The checkpoint (with ``scaler`` and the training settings) is written to ``checkpoint``.
    ``on_epoch(report)`` follows the training.

    Example:
        >>> import tempfile
        >>> from salience.data import make_box, split_dataset
        >>> splits = split_dataset(make_box("latter", n=40, n_steps=6, n_features=3), test=10, seed=0)
        >>> key = TaskKey("demo", "latter", "lstm", "traditional", "gradient", 0)
        >>> task = fit_and_explain(key, splits, None, TrainConfig(max_epochs=1, device="cpu"),
        ...     Path(tempfile.mkdtemp()) / "ckpt", options={"hidden_size": 4})
        >>> tuple(task.saliency.shape), sorted(task.training_metrics())
        ((10, 6, 3), ['acc', 'best_epoch', 'epochs', 'val_acc'])
    """
    test = splits.test
    model = build_model(
        key.model, n_features=test.n_features, n_classes=test.n_classes, seed=key.seed, **options
    )

    def report(epoch: EpochReport) -> None:
        if on_epoch is not None:
            on_epoch(epoch)

    result = fit(model, splits.train, splits.validation, config, on_epoch=report)
    x_test = torch.from_numpy(test.x)
    logits = predict_logits(model, x_test, batch_size=256)
    accuracy = float((logits.argmax(dim=1).numpy() == test.y).mean())
    saliency = attribute(model, x_test, y=test.y, method=method, batch_size=100)
    save_checkpoint(
        checkpoint, model, standardizer=scaler,
        metadata={"train": config.to_dict(), "result": result.to_dict(), "dataset": test.meta},
    )  # fmt: skip
    return FittedTask(model=model, result=result, accuracy=accuracy, saliency=saliency)
