"""One reproduction task's core, shared by the suites that train a model and explain its test set
with the vanilla gradient (``ica``, ``fmri``): standardise the splits, build, fit on the training
split (selection on the validation split), measure test accuracy, attribute the test set, save the
checkpoint. Their profiles share the fields read here (``hidden_size``, ``dropout``, ``r``, ``d_a``,
``hop_pooling``, ``max_epochs``, ``batch_size``, ``lr``, ``patience``, ``stop_at_train_accuracy``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from salience.data import DatasetSplits, Standardizer
from salience.explain import attribute
from salience.models import build_model
from salience.runs.runner import TaskContext
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
        class_names=test.class_names, feature_names=test.meta.get("feature_names"),
    )  # fmt: skip
    return FittedTask(model=model, result=result, accuracy=accuracy, saliency=saliency)


def standardized(splits: DatasetSplits) -> tuple[DatasetSplits, Standardizer]:
    """``splits`` standardised per cell with statistics of the training part, and the scaler.

    Example:
        >>> from salience.data import make_box, split_dataset
        >>> splits = split_dataset(make_box("latter", n=40, n_steps=6, n_features=3), test=10)
        >>> parts, scaler = standardized(splits)
        >>> bool(abs(parts.train.x.mean()) < 1e-5)
        True
    """
    scaler = Standardizer.fit(splits.train)
    parts = {part: scaler.transform(getattr(splits, part)) for part in ("train", "validation", "test")}
    return replace(splits, **parts), scaler


def model_options(name: str, profile: Any) -> dict[str, Any]:
    """The architecture options of model ``name`` from a profile's fields (attention sizes for the
    input-cell attention and self-attention variants)."""
    options: dict[str, Any] = {"hidden_size": profile.hidden_size, "dropout": profile.dropout}
    if name.startswith("ica-"):
        options.update(r=profile.r, d_a=profile.d_a, hop_pooling=profile.hop_pooling)
    if name.endswith("selfattn"):
        options.update(attn_r=profile.r, attn_d_a=profile.d_a)
    return options


def run_fit_explain(context: TaskContext) -> FittedTask:
    """:func:`fit_and_explain` for a runner task whose data is ``(splits, scaler)``: the training
    settings and model options come from the profile, the checkpoint goes to the task's directory."""
    key, profile, (splits, scaler) = context.key, context.profile, context.data
    config = TrainConfig(
        max_epochs=profile.max_epochs, batch_size=profile.batch_size, lr=profile.lr,
        patience=profile.patience, seed=key.seed, device=context.device,
        stop_at_train_accuracy=profile.stop_at_train_accuracy,
    )  # fmt: skip
    return fit_and_explain(
        key, splits, scaler, config, context.checkpoint, options=model_options(key.model, profile),
        on_epoch=context.on_epoch,
    )  # fmt: skip
