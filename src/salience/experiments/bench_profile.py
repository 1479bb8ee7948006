"""Settings of the time-series saliency benchmark grid (Ismail et al., NeurIPS 2020).

A :class:`BenchProfile` fixes everything that decides a result's value — data sizes, training,
attribution — and the default selection of layouts, processes, models and methods. Two profiles
ship:

- ``quick``: all 10 layouts on two processes (``Box`` and ``Harmonic``), the four models, the six
  gradient methods and the two random baselines, fewer training samples and epochs. It is sized to
  finish in minutes on a 2-core machine and is what CI runs.
- ``paper``: the benchmark's sizes (T = F = 50, 1000 training and 100 test samples, up to 500
  epochs with 200 epochs of patience, stop at 99% accuracy), all 70 datasets and all 10 methods.

Differences from the original, by decision: model selection and early stopping use a validation
split carved from the training samples (the original selected on the test set); the accuracy
threshold (90%) is applied to test accuracy, as the original did, and models under it are trained
and recorded but their saliency is not scored.

Example:
    >>> profile = resolve_profile("quick", max_epochs=3)
    >>> profile.max_epochs, len(profile.layouts)
    (3, 10)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from salience._validation import check_choice, check_fraction, check_positive_int
from salience.data.benchmark import LAYOUTS
from salience.data.processes import PROCESSES

SUITE = "bench"
TRAINING_RUN = "-"
"""The ``method`` of a task that trains a model (its row holds the model's accuracies)."""

#: The benchmark's four architectures and the options that give the benchmark's sizes.
BENCH_MODELS: dict[str, dict[str, Any]] = {
    "lstm": {"hidden_size": 5},
    "ica-lstm": {"hidden_size": 5, "hop_pooling": "mean", "r": 10, "d_a": 50},
    "tcn": {},
    "transformer": {},
}

GRADIENT_METHODS = (
    "gradient",
    "integrated_gradients",
    "deeplift",
    "gradient_shap",
    "deeplift_shap",
    "smoothgrad",
)
PERTURBATION_METHODS = ("shapley_sampling", "feature_permutation", "feature_ablation", "occlusion")
#: Chance-level controls, always scored: the benchmark's "Random" (a feature-axis permutation of
#: another method's maps, the reference of Diff(AUP) and Diff(AUR)) and i.i.d. U[0, 1) maps.
BASELINE_METHODS = ("random_permutation", "random")
ALL_METHODS = GRADIENT_METHODS + PERTURBATION_METHODS + BASELINE_METHODS
TSR_SUFFIX = "+tsr"
"""Append to a method name (``gradient+tsr``) to score it with Temporal Saliency Rescaling."""

#: captum options per method, as the benchmark set them (original-behaviour.md §2.7): random
#: U[0, 1) baselines where the benchmark drew them (its inputs are min-max scaled to [0, 1]).
METHOD_OPTIONS: dict[str, dict[str, Any]] = {
    "integrated_gradients": {"baselines": "uniform"},
    "deeplift": {"baselines": "uniform"},
    "gradient_shap": {"baselines": "uniform"},
    "deeplift_shap": {"baselines": "uniform"},
    "shapley_sampling": {"baselines": "uniform"},
    "occlusion": {"baselines": "uniform"},
}
#: Feature permutation shuffles each time step across the samples of a batch; the benchmark's
#: batches held 10 samples.
METHOD_BATCH_SIZE = {"feature_permutation": 10}


@dataclass(frozen=True)
class BenchProfile:
    """Sizes, training and attribution settings of a benchmark run, and its default selection."""

    name: str
    layouts: tuple[str, ...]
    processes: tuple[str, ...]
    models: tuple[str, ...]
    methods: tuple[str, ...]
    n_train: int = 1000
    n_test: int = 100
    validation: float = 0.1
    n_steps: int = 50
    n_features: int = 50
    variant: str = "original"
    max_epochs: int = 500
    patience: int = 200
    lr: float = 1e-3
    batch_size: int = 50
    stop_accuracy: float = 0.99
    accuracy_threshold: float = 0.9
    attribution_batch_size: int = 50
    random_source: str = "gradient"
    model_options: dict[str, dict[str, Any]] = field(default_factory=lambda: dict(BENCH_MODELS))

    def __post_init__(self) -> None:
        for name in ("n_train", "n_test", "n_steps", "n_features", "max_epochs", "patience", "batch_size"):
            check_positive_int(getattr(self, name), name)
        check_positive_int(self.attribution_batch_size, "attribution_batch_size")
        check_fraction(self.validation, "validation")
        check_fraction(self.stop_accuracy, "stop_accuracy", open_high=False)
        check_fraction(self.accuracy_threshold, "accuracy_threshold", open_high=False)
        check_choice(self.variant, "variant", ("original", "corrected"))
        check_choice(self.random_source, "random_source", GRADIENT_METHODS + PERTURBATION_METHODS)
        for layout in self.layouts:
            check_choice(layout, "layouts", LAYOUTS)
        for process in self.processes:
            check_choice(process, "processes", PROCESSES)
        for model in self.models:
            check_choice(model, "models", tuple(self.model_options))
        for method in self.methods:
            check_method(method)

    def settings(self) -> dict[str, Any]:
        """What decides a result's value (everything but the selection), JSON-serialisable."""
        selection = {"name", "layouts", "processes", "models", "methods"}
        return {k: v for k, v in asdict(self).items() if k not in selection}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_method(method: str) -> str:
    """Validate a grid method name (a method of :data:`ALL_METHODS`, optionally with ``+tsr``)."""
    base = method.removesuffix(TSR_SUFFIX)
    if base not in ALL_METHODS or (method.endswith(TSR_SUFFIX) and base in BASELINE_METHODS):
        raise ValueError(
            f"methods: {method!r} is not a benchmark method; expected one of {', '.join(ALL_METHODS)}"
            f" (append {TSR_SUFFIX!r} to a non-random method for Temporal Saliency Rescaling)"
        )
    return method


PROFILES: dict[str, BenchProfile] = {
    "quick": BenchProfile(
        name="quick",
        layouts=tuple(LAYOUTS),
        processes=("Box", "Harmonic"),
        models=tuple(BENCH_MODELS),
        methods=GRADIENT_METHODS + BASELINE_METHODS,
        n_train=500,
        max_epochs=30,
        patience=10,
        lr=3e-3,
    ),
    "paper": BenchProfile(
        name="paper",
        layouts=tuple(LAYOUTS),
        processes=tuple(PROCESSES),
        models=tuple(BENCH_MODELS),
        methods=ALL_METHODS,
    ),
}


def resolve_profile(name: str, **overrides: Any) -> BenchProfile:
    """Profile ``name`` with ``overrides`` (``None`` values ignored; selections as sequences).

    Example:
        >>> resolve_profile("paper", layouts=["Middle"]).layouts
        ('Middle',)
    """
    check_choice(name, "profile", PROFILES)
    known = {f.name for f in fields(BenchProfile)} - {"name"}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"overrides: unknown profile settings {unknown}; known: {sorted(known)}")
    changes = {
        k: tuple(v) if isinstance(v, (list, tuple)) else v for k, v in overrides.items() if v is not None
    }
    for key in ("layouts", "processes", "models", "methods"):
        if key in changes and not changes[key]:
            raise ValueError(f"{key}: expected at least one name")
    return replace(PROFILES[name], **changes)
