"""The two kinds of task of the benchmark grid, as plain functions that run on any Dask worker.

- :func:`run_training`: generate a dataset (seeded, so every worker makes the same one), fit the
  min-max scaler on its training part, train a model (traditionally or saliency guided, as its
  spec says), and return its accuracies and its weights (safetensors bytes, so nothing is pickled
  and the client can write the checkpoint).
- :func:`run_saliency`: rebuild that model from the weights, attribute the test samples with one
  method, and score the maps against the ground truth (AUP, AUR, AUPR, per-level precision and
  recall, time- and feature-level scores, masked accuracy). A model under the accuracy threshold is
  not scored: the task returns ``skipped`` with the reason, as the original benchmark excluded such
  models.

Tasks take frozen dataclass specs and return dicts of plain values; they never touch the results
database (the client records what comes back), so a worker can run on another machine.
"""

from __future__ import annotations

import functools
import os
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as load_weights
from safetensors.torch import save as save_weights

from salience.bench.profile import TSR_SUFFIX, BenchProfile
from salience.data.benchmark import make_benchmark, make_signal_free
from salience.data.dataset import Dataset, split_dataset
from salience.data.scaling import MinMaxScaler
from salience.explain import attribute, method_preset, permute_features
from salience.metrics import ACCURACY_LEVELS, ground_truth_scores, masked_accuracy_area, masked_accuracy_curve
from salience.models import build_model
from salience.training import TrainConfig, fit, predict_logits


@dataclass(frozen=True)
class DataSpec:
    """One benchmark dataset, split into train/validation/test, as every task of it sees it."""

    layout: str
    process: str
    n_train: int
    n_test: int
    validation: float
    n_steps: int
    n_features: int
    variant: str
    seed: int

    @property
    def name(self) -> str:
        return f"{self.layout}_{self.process}"

    @property
    def data_seed(self) -> int:
        """The generator seed: fixed by the dataset's name and the run's seed, not by the selection."""
        return zlib.crc32(f"{self.name}/{self.seed}".encode())


@dataclass(frozen=True)
class ModelSpec:
    """A model of the grid, how it is trained, and where (device and threads per task).

    ``train`` holds :class:`~salience.training.TrainConfig`'s arguments, ``training`` and (for
    saliency guided training) ``sgt`` included.
    """

    data: DataSpec
    model: str
    options: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)
    device: str = "cpu"
    threads: int = 1


@dataclass(frozen=True)
class SaliencySpec:
    """One saliency method applied to a trained model and scored."""

    model: ModelSpec
    method: str
    accuracy_threshold: float
    batch_size: int
    random_source: str = "gradient"


def data_spec(profile: BenchProfile, layout: str, process: str, seed: int) -> DataSpec:
    return DataSpec(
        layout=layout,
        process=process,
        n_train=profile.n_train,
        n_test=profile.n_test,
        validation=profile.validation,
        n_steps=profile.n_steps,
        n_features=profile.n_features,
        variant=profile.variant,
        seed=seed,
    )


def model_spec(
    profile: BenchProfile,
    data: DataSpec,
    model: str,
    device: str,
    threads: int,
    training: str = "traditional",
) -> ModelSpec:
    """The spec of ``model`` on ``data``, trained the ``training`` way (``traditional`` or ``sgt``).

    Both trainings share the optimiser, epochs and stopping rules; ``sgt`` adds the profile's saliency
    guided settings.
    """
    train: dict[str, Any] = {
        "max_epochs": profile.max_epochs,
        "patience": profile.patience,
        "lr": profile.lr,
        "batch_size": profile.batch_size,
        "seed": data.seed,
        "stop_at_train_accuracy": profile.stop_accuracy,
        "stop_at_validation_accuracy": profile.stop_accuracy,
        "training": training,
    }
    if training == "sgt":
        train["sgt"] = profile.sgt.to_dict()
    return ModelSpec(data, model, dict(profile.model_options[model]), train, device, threads)


@dataclass
class PreparedData:
    """A dataset ready for a task: scaled splits, the raw test inputs and the masking replacement."""

    train: Dataset
    validation: Dataset
    test: Dataset
    test_raw: np.ndarray
    scaler: MinMaxScaler
    replacement: np.ndarray


@functools.lru_cache(maxsize=4)
def prepare_data(spec: DataSpec) -> PreparedData:
    """Generate, split and scale the dataset of ``spec`` (cached per process).

    The first ``n_train`` samples are the training part (a stratified ``validation`` fraction of
    them selects the model), the last ``n_test`` the test part; the scaler is fitted on the training
    part only. The replacement used by masked accuracy is one signal-free sample of the same process.
    """
    full = make_benchmark(
        spec.layout,
        spec.process,
        n=spec.n_train + spec.n_test,
        seed=spec.data_seed,
        n_steps=spec.n_steps,
        n_features=spec.n_features,
        variant=spec.variant,
    )
    train_raw = full.subset(np.arange(spec.n_train))
    test_raw = full.subset(np.arange(spec.n_train, spec.n_train + spec.n_test))
    parts = split_dataset(train_raw, test=0, validation=spec.validation, seed=spec.data_seed)
    scaler = MinMaxScaler.fit(parts.train)
    replacement = make_signal_free(
        spec.process,
        1,
        seed=spec.data_seed + 1,
        n_steps=spec.n_steps,
        n_features=spec.n_features,
        variant=spec.variant,
    )[0]
    return PreparedData(
        train=scaler.transform(parts.train),
        validation=scaler.transform(parts.validation),
        test=scaler.transform(test_raw),
        test_raw=test_raw.x,
        scaler=scaler,
        replacement=replacement,
    )


def _build(spec: ModelSpec) -> torch.nn.Module:
    return build_model(
        spec.model,
        n_features=spec.data.n_features,
        n_classes=2,
        seed=spec.data.seed,
        **spec.options,
    )


def _accuracy(model: torch.nn.Module, dataset: Dataset, device: str) -> float:
    logits = predict_logits(model, dataset.x, device=device)
    return float((logits.argmax(1).cpu().numpy() == dataset.y).mean())


def run_training(spec: ModelSpec) -> dict[str, Any]:
    """Train the model of ``spec``; return its metrics, weights (bytes) and build config."""
    start = time.perf_counter()
    torch.set_num_threads(spec.threads)
    prepared = prepare_data(spec.data)
    model = _build(spec)
    config = TrainConfig(device=spec.device, **spec.train)
    replacement = None
    if config.sgt is not None and config.sgt.resolved_fill == "replacement":
        # The signal-free sample of the process, scaled like the inputs, for every training sample.
        scaled = prepared.scaler.transform_array(prepared.replacement[None])
        replacement = np.broadcast_to(scaled, prepared.train.x.shape)
    result = fit(model, prepared.train, prepared.validation, config, replacement=replacement)
    metrics = {
        "test_accuracy": _accuracy(model, prepared.test, spec.device),
        "validation_accuracy": result.best_val_accuracy,
        "train_accuracy": _accuracy(model, prepared.train, spec.device),
        "epochs": float(result.epochs_run),
        "best_epoch": float(result.best_epoch),
    }
    state = {k: v.detach().to("cpu").contiguous().clone() for k, v in model.state_dict().items()}
    return {
        "metrics": metrics,
        "weights": save_weights(state),
        "config": model.config,
        "seconds": time.perf_counter() - start,
        "worker": _worker_name(),
    }


def load_trained(spec: ModelSpec, weights: bytes) -> torch.nn.Module:
    """Rebuild the model of ``spec`` with ``weights`` (as returned by :func:`run_training`)."""
    model = _build(spec)
    model.load_state_dict(load_weights(weights), strict=True)
    return model.to(spec.device).eval()


def run_saliency(spec: SaliencySpec, trained: dict[str, Any]) -> dict[str, Any]:
    """Attribute the test samples with ``spec.method`` and score the maps against the ground truth.

    ``trained`` is what :func:`run_training` returned (or the same read back from the checkpoint).
    Returns ``{"status": "skipped", "message": ...}`` when the model is under the threshold.
    """
    start = time.perf_counter()
    accuracy = trained["metrics"]["test_accuracy"]
    if accuracy < spec.accuracy_threshold:
        return {
            "status": "skipped",
            "message": (
                f"test accuracy {accuracy:.3f} is under the threshold {spec.accuracy_threshold:.2f}; "
                "saliency not scored"
            ),
            "seconds": time.perf_counter() - start,
            "worker": _worker_name(),
        }
    torch.set_num_threads(spec.model.threads)
    prepared = prepare_data(spec.model.data)
    model = load_trained(spec.model, trained["weights"])
    maps = saliency_maps(model, prepared, spec)
    metrics = ground_truth_scores(maps, prepared.test.mask)
    device = spec.model.device

    def predict(x: torch.Tensor) -> torch.Tensor:
        return predict_logits(model, x, device=device)

    curve = masked_accuracy_curve(
        predict,
        prepared.test_raw,
        prepared.test.y,
        maps,
        prepared.replacement,
        scale=lambda x: torch.from_numpy(prepared.scaler.transform_array(x.numpy())),
        levels=ACCURACY_LEVELS,
    )
    curve = np.asarray(curve, dtype=np.float64)
    for level, value in zip(ACCURACY_LEVELS, curve, strict=True):
        metrics[f"masked_accuracy@{round(level * 100)}"] = float(value)
    metrics["masked_accuracy_auc"] = float(masked_accuracy_area(curve))
    return {
        "status": "done",
        "metrics": metrics,
        "seconds": time.perf_counter() - start,
        "worker": _worker_name(),
    }


def saliency_maps(model: torch.nn.Module, prepared: PreparedData, spec: SaliencySpec) -> torch.Tensor:
    """The raw attributions (N, T, F) of the test samples for the true label."""
    seed = spec.model.data.seed
    method = spec.method
    if method == "random_permutation":
        source = SaliencySpec(spec.model, spec.random_source, spec.accuracy_threshold, spec.batch_size)
        return permute_features(saliency_maps(model, prepared, source), seed=seed)
    tsr = method.endswith(TSR_SUFFIX)
    base = method.removesuffix(TSR_SUFFIX)
    options = method_preset(base, "benchmark")  # the benchmark's settings (original-behaviour.md §2.7)
    batch_size = options.pop("batch_size", spec.batch_size)
    if tsr:
        options["tsr"] = True
    return attribute(
        model,
        prepared.test.x,
        y=prepared.test.y,
        method=base,
        batch_size=batch_size,
        seed=seed,
        **options,
    )


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return f"pid-{os.getpid()}"
