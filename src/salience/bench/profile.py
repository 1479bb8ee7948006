"""Settings of the time-series saliency benchmark grid (Ismail et al., NeurIPS 2020).

A :class:`BenchProfile` fixes everything that decides a result's value — data sizes, training,
attribution — and the default selection of layouts, processes, models and methods. Two profiles
ship:

- ``quick``: all 10 layouts on two processes (``Box`` and ``Harmonic``), the four models, the six
  gradient methods and the two random baselines, fewer training samples and epochs. It is sized to
  finish in minutes on a 2-core machine and is what CI runs.
- ``paper``: the benchmark's sizes (T = F = 50, 1000 training and 100 test samples, up to 500
  epochs with 200 epochs of patience, stop at 99% accuracy), all 70 datasets and all 10 methods.

Training is a selection too: ``trainings=("traditional", "sgt")`` trains every model both ways, the
saliency guided way (Ismail et al., NeurIPS 2021) with the profile's ``sgt`` settings and the same
optimiser, epochs and stopping rules as traditional training. The default ``sgt`` masks
k = 50% of each sample's cells (time × feature), ranked by the **absolute** input gradient, with
random values within each feature's range of the sample (the paper's "random values within the
feature range"), in the paper's faithful computation and λ = 1. The paper's time-series k is in an
appendix we do not have; 50% is the original MNIST command's k and stays under the share of
uninformative cells of every benchmark layout (64% for Middle, 84–92% for the others), so it can mask
background only. Absolute, not signed, ranking: with the benchmark's ±μ class signal the most negative
gradients of a negative-class sample are its informative cells, which a signed ranking would mask
(see docs/results-benchmark.md for the pilot behind both choices).

Differences from the original, by decision: model selection and early stopping use a validation
split carved from the training samples (the original selected on the test set); the accuracy
threshold (90%) is applied to test accuracy, as the original did, and models under it are trained
and recorded but their saliency is not scored.

Example:
    >>> profile = resolve_profile("quick", max_epochs=3)
    >>> profile.max_epochs, len(profile.layouts), profile.trainings
    (3, 10, ('traditional',))
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from salience._validation import check_choice, check_fraction, check_positive_int
from salience.data.benchmark import LAYOUTS
from salience.data.processes import PROCESSES
from salience.models.registry import model_options
from salience.runs.layout import FIT_METHOD
from salience.training.saliency_guided import SaliencyGuidedConfig
from salience.training.trainer import TRAININGS

SUITE = "bench"
TRAINING_RUN = FIT_METHOD
"""The ``method`` of a task that trains a model (its row holds the model's accuracies): ``fit``."""

#: The benchmark's four architectures and the options that give the benchmark's sizes (the paper
#: preset where the benchmark used the model's paper defaults).
BENCH_MODELS: dict[str, dict[str, Any]] = {
    "lstm": {"hidden_size": 5},
    "ica-lstm": {"hidden_size": 5, "hop_pooling": "mean", "r": 10, "d_a": 50},
    "tcn": model_options("tcn", preset="paper"),
    "transformer": model_options("transformer", preset="paper"),
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

#: Saliency guided training's settings for the benchmark (see the module docstring).
BENCH_SGT = SaliencyGuidedConfig(
    fraction=0.5, lam=1.0, rank="absolute", mode="faithful", fill="feature_range"
)
#: The selection fields of a profile (everything else decides a result's value).
SELECTIONS = ("layouts", "processes", "models", "methods", "trainings")


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
    trainings: tuple[str, ...] = ("traditional",)
    sgt: SaliencyGuidedConfig = BENCH_SGT

    def __post_init__(self) -> None:
        if isinstance(self.sgt, dict):  # read back from config.json
            object.__setattr__(self, "sgt", SaliencyGuidedConfig.from_dict(self.sgt))
        if not isinstance(self.sgt, SaliencyGuidedConfig):
            raise TypeError(
                f"sgt: expected a SaliencyGuidedConfig or its fields, got {type(self.sgt).__name__}"
            )
        if self.sgt.modality != "time_series":
            raise ValueError(f"sgt: expected modality 'time_series', got {self.sgt.modality!r}")
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
        for training in self.trainings:
            check_choice(training, "trainings", TRAININGS)

    def settings(self) -> dict[str, Any]:
        """What decides a result's value (everything but the selection), JSON-serialisable."""
        return {k: v for k, v in asdict(self).items() if k not in ("name", *SELECTIONS)}

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
        >>> resolve_profile("quick", trainings=["traditional", "sgt"], sgt={"fraction": 0.3}).sgt.fraction
        0.3
    """
    check_choice(name, "profile", PROFILES)
    known = {f.name for f in fields(BenchProfile)} - {"name"}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"overrides: unknown profile settings {unknown}; known: {sorted(known)}")
    changes = {
        k: tuple(v) if isinstance(v, (list, tuple)) else v for k, v in overrides.items() if v is not None
    }
    for key in SELECTIONS:
        if key in changes and not changes[key]:
            raise ValueError(f"{key}: expected at least one name")
    base = PROFILES[name]
    if isinstance(changes.get("sgt"), dict):  # fields to change in the profile's settings
        sgt_fields = {f.name for f in fields(SaliencyGuidedConfig)}
        unknown = sorted(set(changes["sgt"]) - sgt_fields)
        if unknown:
            raise ValueError(f"sgt: unknown settings {unknown}; known: {sorted(sgt_fields)}")
        changes["sgt"] = replace(base.sgt, **changes["sgt"])
    return replace(base, **changes)
