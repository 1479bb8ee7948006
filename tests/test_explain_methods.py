"""The method registry: names, records, presets and their checks, against the settings written out."""

from __future__ import annotations

import pytest
import torch
from captum.attr import FeatureAblation, FeaturePermutation, NoiseTunnel, Saliency

import salience.explain
from salience.explain import MethodRecord, method_names, method_preset, method_record, unregister_method

BUILT_IN = (
    "gradient",
    "integrated_gradients",
    "deeplift",
    "smoothgrad",
    "gradient_shap",
    "deeplift_shap",
    "shapley_sampling",
    "feature_permutation",
    "feature_ablation",
    "occlusion",
    "random",
)
# The 2020 benchmark's settings (original-behaviour.md §2.7), as bench/profile.py held them.
BENCHMARK = {
    "integrated_gradients": {"baselines": "uniform"},
    "deeplift": {"baselines": "uniform"},
    "gradient_shap": {"baselines": "uniform"},
    "deeplift_shap": {"baselines": "uniform"},
    "shapley_sampling": {"baselines": "uniform"},
    "occlusion": {"baselines": "uniform"},
    "feature_permutation": {"batch_size": 10},
}
# The fixed parts of saliency guided training's MNIST evaluation (original-behaviour.md §3.6).
SGT_MNIST = {
    "gradient": {"abs": False},
    "integrated_gradients": {"baselines": "uniform"},
    "deeplift": {"baselines": "uniform"},
    "smoothgrad": {"nt_type": "smoothgrad_sq"},
    "gradient_shap": {"baselines": "uniform"},
    "deeplift_shap": {"baselines": "uniform"},
}


def test_names_keep_their_order() -> None:
    assert method_names() == BUILT_IN
    assert salience.explain.METHODS == BUILT_IN and isinstance(salience.explain.METHODS, tuple)


@pytest.mark.parametrize("preset, table", [("benchmark", BENCHMARK), ("sgt-mnist", SGT_MNIST)])
def test_presets(preset: str, table: dict[str, dict[str, object]]) -> None:
    for name in BUILT_IN:
        assert method_preset(name, preset) == table.get(name, {}), name


def test_preset_is_a_fresh_copy() -> None:
    method_preset("occlusion", "benchmark")["baselines"] = "changed"
    assert method_preset("occlusion", "benchmark") == {"baselines": "uniform"}
    with pytest.raises(TypeError):
        method_record("occlusion").presets["benchmark"]["baselines"] = "changed"  # type: ignore[index]


def test_lookup_errors() -> None:
    with pytest.raises(ValueError, match=r"^method: expected one of gradient, .*, got 'nope'$"):
        method_record("nope")
    with pytest.raises(ValueError, match=r"^preset: expected one of benchmark, sgt-mnist, got 'paper'$"):
        method_preset("gradient", "paper")
    with pytest.raises(ValueError, match="built in"):
        unregister_method("gradient")


def test_records_carry_what_attribute_did_by_name() -> None:
    assert method_record("smoothgrad").option_classes == (NoiseTunnel, Saliency)
    permutation = method_record("feature_permutation")
    assert permutation.captum == (FeaturePermutation,) and permutation.runs_as is FeatureAblation
    assert (permutation.min_batch, permutation.groups, permutation.shared_groups) == (2, "time", True)
    records = [method_record(name) for name in BUILT_IN]
    assert [r.name for r in records if r.reseeded] == ["shapley_sampling"]
    assert [r.name for r in records if r.groups == "time"] == ["shapley_sampling", "feature_permutation"]
    assert [r.name for r in records if r.baselines == "distribution"] == ["gradient_shap", "deeplift_shap"]
    assert [r.name for r in records if r.family == "perturbation"] == [
        "shapley_sampling", "feature_permutation", "feature_ablation", "occlusion",
    ]  # fmt: skip


def test_expansion_per_call() -> None:
    """Input copies one captum call evaluates: n_steps, 2 (input and reference), noise samples, 2K."""

    def expansion(name: str, settings: dict[str, object], shared: object = None) -> int:
        record = method_record(name)
        return record.expansion({**record.defaults, **settings}, shared)

    assert expansion("gradient", {}) == 1
    assert expansion("integrated_gradients", {}) == 50
    assert expansion("integrated_gradients", {"n_steps": 8}) == 8
    assert expansion("deeplift", {}) == 2
    assert expansion("smoothgrad", {}) == 5 and expansion("gradient_shap", {"n_samples": 7}) == 7
    assert expansion("deeplift_shap", {}, torch.zeros(3, 2, 2)) == 6 and expansion("deeplift_shap", {}) == 1
    assert expansion("occlusion", {}) == 1 and expansion("occlusion", {"perturbations_per_eval": 4}) == 4


def test_record_checks() -> None:
    with pytest.raises(ValueError, match="family: expected one of"):
        MethodRecord("x", (Saliency,), "other", "X")
    with pytest.raises(ValueError, match="baselines: expected one of"):
        MethodRecord("x", (Saliency,), "gradient", "X", baselines="some")
    with pytest.raises(ValueError, match="captum: expected"):
        MethodRecord("x", (), "control", "X")
    with pytest.raises(ValueError, match="name: expected"):
        MethodRecord("", (Saliency,), "gradient", "X")
