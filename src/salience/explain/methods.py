"""The attribution methods as records: one :class:`MethodRecord` per name, in one registry.

A record says everything :func:`~salience.explain.attribute` needs to know about a method: the captum
class(es) whose options it accepts and the class it runs as, its family (``gradient``, ``shap``,
``perturbation`` or ``control``), captum defaults, baseline policy, default feature groups, whether
captum's draws are re-seeded before each call, how many input copies one call expands to (TSR's
chunk size), a label for tables and named presets (the settings a paper's evaluation used).
Adding a method is one record and one :func:`register_method` call; ``attribute`` is not edited.

Presets: ``"benchmark"`` holds the time-series benchmark's settings (original-behaviour.md §2.7:
U[0, 1) baselines where it drew them, batches of 10 for feature permutation) and ``"sgt-mnist"``
the fixed parts of saliency guided training's MNIST evaluation (§3.6: signed gradients, uniform
baselines, ``smoothgrad_sq``); :func:`method_preset` returns one as a fresh dict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import torch
from captum.attr import (
    DeepLift,
    DeepLiftShap,
    FeatureAblation,
    FeaturePermutation,
    GradientShap,
    IntegratedGradients,
    NoiseTunnel,
    Occlusion,
    Saliency,
    ShapleyValueSampling,
)

from salience.explain.perturbation import (
    occlusion_call_defaults,
    permuted_batches,
    perturbation_call_defaults,
)

FAMILIES = ("gradient", "shap", "perturbation", "control")
"""Method families: gradients of the score, SHAP over a baseline distribution, perturbations of the
input (forward passes only; padded cells are never perturbed), and controls that ignore the model."""

BASELINE_POLICIES = ("per_sample", "distribution", "none")
"""How ``baselines`` are matched: one per sample (N, T, F), a shared distribution (K, T, F) (drawn
as ``n_baselines`` seeded N(0, 1) samples when not given), or passed to captum as they are."""

GROUPS = ("cells", "time")
"""Default feature groups: every cell alone (captum's default) or one group per time step."""

Expansion = Callable[[Mapping[str, Any], Any], int]
"""``expansion(settings, shared_baselines)``: input copies one captum call evaluates per input."""


def _one(settings: Mapping[str, Any], shared_baselines: Any) -> int:
    return 1


def _setting(key: str, default: int) -> Expansion:
    """An expansion read from the call's settings (e.g. ``n_steps`` for integrated gradients)."""

    def expansion(settings: Mapping[str, Any], shared_baselines: Any) -> int:
        return int(settings.get(key, default))

    return expansion


def _twice(settings: Mapping[str, Any], shared_baselines: Any) -> int:
    return 2


def _twice_per_baseline(settings: Mapping[str, Any], shared_baselines: Any) -> int:
    return 2 * shared_baselines.shape[0] if isinstance(shared_baselines, torch.Tensor) else 1


def _uniform_noise(shape: tuple[int, int, int], seed: int) -> torch.Tensor:
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed))


@dataclass(frozen=True)
class MethodRecord:
    """One attribution method: what ``attribute(..., method=name)`` runs and how.

    Attributes:
        name: the ``method=`` name.
        captum: captum classes whose ``__init__``/``attribute`` keywords the method accepts.
        family: one of :data:`FAMILIES`.
        label: the name in tables and figures.
        runs_as: the class constructed (default: the last of ``captum``).
        wrapper: a captum wrapper around it (smoothgrad's ``NoiseTunnel``), or None.
        defaults: captum keywords the caller's override.
        baselines: one of :data:`BASELINE_POLICIES`.
        groups: one of :data:`GROUPS`.
        shared_groups: the feature groups must be the same for every sample.
        reseeded: captum's random draws are re-seeded before every call (so maps do not depend on
            the batch size).
        summed_score: attribute Σ_i score_i[target_i] (one autograd root; same gradients).
        expansion: input copies per call, for the default TSR chunk (see :data:`Expansion`).
        call_defaults: ``call_defaults(inputs)``: keywords that depend on the call's inputs.
        per_sample_values: ``per_sample_values(inputs, batches, feature_mask, lengths)``: the
            per-sample baselines the method draws itself (within the seeded block), or None.
        min_batch: fewest samples a captum call may hold; a smaller last batch joins the one before.
        min_batch_reason: why, for the error message.
        draw: for controls, ``draw((N, T, F), seed)`` gives the maps without reading the model.
        presets: named keyword sets, e.g. ``{"benchmark": {"baselines": "uniform"}}``; the key
            ``batch_size`` is ``attribute``'s argument.

    Example:
        >>> from captum.attr import InputXGradient
        >>> record = MethodRecord("input_x_gradient", (InputXGradient,), "gradient", "Input × Gradient")
        >>> record.runs_as.__name__, record.baselines, record.groups
        ('InputXGradient', 'none', 'cells')
    """

    name: str
    captum: tuple[type, ...]
    family: str
    label: str
    runs_as: type | None = None
    wrapper: type | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    baselines: str = "none"
    groups: str = "cells"
    shared_groups: bool = False
    reseeded: bool = False
    summed_score: bool = False
    expansion: Expansion = _one
    call_defaults: Callable[[torch.Tensor], dict[str, Any]] | None = None
    per_sample_values: Callable[..., torch.Tensor] | None = None
    min_batch: int = 1
    min_batch_reason: str = ""
    draw: Callable[[tuple[int, int, int], int], torch.Tensor] | None = None
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name: expected a non-empty method name, got {self.name!r}")
        for value, argument, choices in (
            (self.family, "family", FAMILIES),
            (self.baselines, "baselines", BASELINE_POLICIES),
            (self.groups, "groups", GROUPS),
        ):
            if value not in choices:
                raise ValueError(f"{argument}: expected one of {', '.join(choices)}, got {value!r}")
        if (self.draw is None) == (not self.captum):
            raise ValueError("captum: expected captum classes, or a draw function for a control, not both")
        if self.runs_as is None and self.captum:
            object.__setattr__(self, "runs_as", self.captum[-1])
        object.__setattr__(self, "defaults", MappingProxyType(dict(self.defaults)))
        presets = {key: MappingProxyType(dict(value)) for key, value in self.presets.items()}
        object.__setattr__(self, "presets", MappingProxyType(presets))

    @property
    def option_classes(self) -> tuple[type, ...]:
        """The classes whose keywords the method accepts (the wrapper's included)."""
        return self.captum if self.wrapper is None else (self.wrapper, *self.captum)


_UNIFORM = {"baselines": "uniform"}
_BUILT_IN = (
    MethodRecord(
        "gradient", (Saliency,), "gradient", "Gradient", defaults={"abs": True}, summed_score=True,
        presets={"sgt-mnist": {"abs": False}},
    ),
    MethodRecord(
        "integrated_gradients", (IntegratedGradients,), "gradient", "Integrated Gradients",
        baselines="per_sample", expansion=_setting("n_steps", 50),
        presets={"benchmark": _UNIFORM, "sgt-mnist": _UNIFORM},
    ),
    MethodRecord(
        "deeplift", (DeepLift,), "gradient", "DeepLIFT", baselines="per_sample", expansion=_twice,
        presets={"benchmark": _UNIFORM, "sgt-mnist": _UNIFORM},
    ),
    MethodRecord(
        "smoothgrad", (Saliency,), "gradient", "SmoothGrad", wrapper=NoiseTunnel,
        defaults={"nt_type": "smoothgrad", "nt_samples": 5, "stdevs": 1.0, "abs": True},
        expansion=_setting("nt_samples", 5), presets={"sgt-mnist": {"nt_type": "smoothgrad_sq"}},
    ),
    MethodRecord(
        "gradient_shap", (GradientShap,), "shap", "GradientSHAP", defaults={"n_samples": 5, "stdevs": 0.09},
        baselines="distribution", expansion=_setting("n_samples", 5),
        presets={"benchmark": _UNIFORM, "sgt-mnist": _UNIFORM},
    ),
    MethodRecord(
        "deeplift_shap", (DeepLiftShap,), "shap", "DeepLIFT SHAP", baselines="distribution",
        expansion=_twice_per_baseline, presets={"benchmark": _UNIFORM, "sgt-mnist": _UNIFORM},
    ),
    MethodRecord(
        "shapley_sampling", (ShapleyValueSampling,), "perturbation", "Shapley Value Sampling",
        defaults={"n_samples": 25}, baselines="per_sample", groups="time", reseeded=True,
        expansion=_setting("perturbations_per_eval", 1), call_defaults=perturbation_call_defaults,
        presets={"benchmark": _UNIFORM},
    ),
    MethodRecord(
        "feature_permutation", (FeaturePermutation,), "perturbation", "Feature Permutation",
        runs_as=FeatureAblation, groups="time", shared_groups=True,
        expansion=_setting("perturbations_per_eval", 1), call_defaults=perturbation_call_defaults,
        per_sample_values=permuted_batches, min_batch=2,
        min_batch_reason="permutes across the samples of a batch", presets={"benchmark": {"batch_size": 10}},
    ),
    MethodRecord(
        "feature_ablation", (FeatureAblation,), "perturbation", "Feature Ablation", baselines="per_sample",
        expansion=_setting("perturbations_per_eval", 1), call_defaults=perturbation_call_defaults,
    ),
    MethodRecord(
        "occlusion", (Occlusion,), "perturbation", "Occlusion", baselines="per_sample",
        expansion=_setting("perturbations_per_eval", 1), call_defaults=occlusion_call_defaults,
        presets={"benchmark": _UNIFORM},
    ),
    MethodRecord("random", (), "control", "Random", draw=_uniform_noise),
)  # fmt: skip
_REGISTRY: dict[str, MethodRecord] = {record.name: record for record in _BUILT_IN}


def method_names() -> tuple[str, ...]:
    """The names :func:`~salience.explain.attribute` accepts: the built-ins, then registered ones.

    Example:
        >>> method_names()[:3]
        ('gradient', 'integrated_gradients', 'deeplift')
    """
    return tuple(_REGISTRY)


def method_record(method: str) -> MethodRecord:
    """The record of ``method``; a ValueError naming ``method`` for an unknown name.

    Example:
        >>> method_record("occlusion").family
        'perturbation'
    """
    record = _REGISTRY.get(method) if isinstance(method, str) else None
    if record is None:
        raise ValueError(f"method: expected one of {', '.join(_REGISTRY)}, got {method!r}")
    return record


def register_method(record: MethodRecord) -> MethodRecord:
    """Add ``record`` to the registry (after the built-ins) and return it; names are unique.

    Example:
        >>> from captum.attr import InputXGradient
        >>> record = register_method(MethodRecord("ixg", (InputXGradient,), "gradient", "Input × Gradient"))
        >>> "ixg" in method_names()
        True
        >>> unregister_method("ixg")
    """
    if not isinstance(record, MethodRecord):
        raise TypeError(f"record: expected a MethodRecord, got {type(record).__name__}")
    if record.name in _REGISTRY:
        raise ValueError(f"record: method {record.name!r} is already registered")
    _REGISTRY[record.name] = record
    return record


def unregister_method(method: str) -> None:
    """Remove a method added by :func:`register_method` (the built-ins stay).

    Example:
        >>> unregister_method("gradient")
        Traceback (most recent call last):
        ...
        ValueError: method: 'gradient' is built in and cannot be removed
    """
    record = method_record(method)
    if any(record is built_in for built_in in _BUILT_IN):
        raise ValueError(f"method: {method!r} is built in and cannot be removed")
    del _REGISTRY[method]


def method_preset(method: str, preset: str) -> dict[str, Any]:
    """The keywords of ``method`` under the named ``preset``, as a fresh dict (``{}`` where it has none).

    A preset that fixes the batch size holds it as ``batch_size`` (an argument of ``attribute``).

    Example:
        >>> method_preset("occlusion", "benchmark"), method_preset("gradient", "benchmark")
        ({'baselines': 'uniform'}, {})
        >>> method_preset("feature_permutation", "benchmark")
        {'batch_size': 10}
    """
    record = method_record(method)
    known = sorted({name for item in _REGISTRY.values() for name in item.presets})
    if preset not in known:
        raise ValueError(f"preset: expected one of {', '.join(known)}, got {preset!r}")
    return dict(record.presets.get(preset, {}))


def __getattr__(name: str) -> Any:
    if name == "METHODS":  # computed on access, so that registered methods are included
        return method_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
