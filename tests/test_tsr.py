"""Temporal Saliency Rescaling: the batched implementation against the per-sample, per-step, per-cell
loop reference, and against the equations on models where every Δ is computable by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from reference_tsr import loop_tsr
from salience.explain import attribute, temporal_saliency_rescaling
from salience.models import build_model

T, F, C = 5, 3, 2


pytestmark = pytest.mark.usefixtures("one_thread")


class LinearModel(nn.Module):
    """z = W vec(x) + b in float64; ignores lengths."""

    def __init__(self, n_steps: int = T, weight: torch.Tensor | None = None) -> None:
        super().__init__()
        self.linear = nn.Linear(n_steps * F, C).double()
        generator = torch.Generator().manual_seed(0)
        with torch.no_grad():
            if weight is None:
                weight = torch.randn(C, n_steps * F, generator=generator, dtype=torch.float64)
            self.linear.weight.copy_(weight)
            self.linear.bias.zero_()
        self.n_steps = n_steps

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.linear(x.flatten(1))

    def w(self, labels: torch.Tensor) -> torch.Tensor:
        return self.linear.weight.detach()[labels].view(-1, self.n_steps, F)


def _data(n: int = 3, n_steps: int = T, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(n, n_steps, F, generator=generator, dtype=torch.float64)
    return x, torch.arange(n) % C


def _by_hand(
    r: np.ndarray,
    x: np.ndarray,
    values: np.ndarray,
    lengths: list[int],
    threshold: float = 0.55,
    fill: float = 0.1,
    counts: list[int] | None = None,
) -> np.ndarray:
    """TSR for an attribution that is linear and cell-wise, R(X) = X ⊙ r (+ const): replacing cell
    (t, c) by v changes R only there, by |(x_tc − v_tc) r_tc|, so Δ_t and φ are sums of those.
    ``counts`` receives the number of steps that get feature scores."""
    change = np.abs((x - values) * r)  # (N, T, F)
    out = np.zeros_like(x)
    for i, length in enumerate(lengths):
        delta = change[i, :length].sum(axis=1)
        tau = (delta - delta.min()) / (delta.max() - delta.min())
        alpha = np.quantile(tau, threshold)
        for t in range(length):
            if tau[t] > alpha:
                if counts is not None:
                    counts.append(t)
                cells = change[i, t]
                out[i, t] = tau[t] * (cells - cells.min()) / (cells.max() - cells.min())
            else:
                out[i, t] = tau[t] * fill
    return out


# --- against the loop reference -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("gradient", {}),
        ("integrated_gradients", {"n_steps": 3}),
        ("occlusion", {"baselines": "uniform"}),
        ("shapley_sampling", {"n_samples": 2}),
    ],
)
@pytest.mark.parametrize("with_lengths", [False, True])
def test_batched_equals_loop_reference(method: str, options: dict, with_lengths: bool) -> None:
    model = build_model("lstm", n_features=F, n_classes=C, seed=2).double()
    x, y = _data()
    lengths = torch.tensor([5, 3, 4]) if with_lengths else None
    reference_options = dict(options)
    if options.get("baselines") == "uniform":  # sample i's own draw, passed explicitly to the loop
        reference_options["baselines"] = torch.rand(x.shape, generator=torch.Generator().manual_seed(0))
    expected = loop_tsr(model, x, y, method, lengths=lengths, **reference_options)
    got = attribute(model, x, y=y, method=method, lengths=lengths, tsr=True, internal_batch_size=4, **options)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-4, atol=1e-6)
    assert got.min() >= 0 and got.max() <= 1


def test_replacement_and_options_against_loop_reference() -> None:
    model = build_model("lstm", n_features=F, n_classes=C, seed=4).double()
    x, y = _data(2)
    per_feature = np.array([0.2, -1.0, 3.0])
    options = {"threshold": 0.3, "fill": 0.25, "replacement": per_feature}
    expected = loop_tsr(model, x, y, "gradient", **options)
    got = attribute(model, x, y=y, tsr=True, tsr_threshold=0.3, tsr_fill=0.25, tsr_replacement=per_feature)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-4, atol=1e-6)


# --- against the equations ------------------------------------------------------------------------------


def test_integrated_gradients_on_a_linear_logit_by_hand() -> None:
    model = LinearModel()
    x, y = _data(4)
    r = model.w(y).numpy()  # IG with baseline 0 on a linear logit: R(X) = X ⊙ w_y
    first = np.broadcast_to(x[:, :1, :1].numpy(), x.shape)
    cases = [
        ({}, first, {}),  # the original's replacement: each input's first element
        ({"tsr_replacement": 0.5}, np.full(x.shape, 0.5), {}),
        ({"tsr_threshold": 0.0, "tsr_fill": 0.3}, first, {"threshold": 0.0, "fill": 0.3}),
        ({"tsr_threshold": 1.0}, first, {"threshold": 1.0}),  # no step above the maximum: all fill
    ]
    for options, values, hand in cases:
        got = attribute(
            model, x, y=y, method="integrated_gradients", output="logit", n_steps=2, tsr=True, **options
        )
        expected = _by_hand(r, x.numpy(), values, [T] * 4, **hand)
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_lengths_by_hand() -> None:
    model = LinearModel()
    x, y = _data(3)
    lengths = [5, 2, 3]
    per_sample = np.array([0.3, 0.6, 0.9]).reshape(3, 1, 1)
    got = attribute(
        model,
        x,
        y=y,
        method="feature_ablation",  # baseline 0, logit: R(X) = X ⊙ w_y, like IG
        output="logit",
        lengths=torch.tensor(lengths),
        tsr=True,
        tsr_replacement=per_sample,
    )
    expected = _by_hand(model.w(y).numpy(), x.numpy(), np.broadcast_to(per_sample, x.shape), lengths)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert torch.all(got[1, 2:] == 0) and torch.all(got[2, 3:] == 0)


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("feature_permutation", {}),
        ("occlusion", {"baselines": "uniform"}),
        ("shapley_sampling", {"baselines": "uniform", "n_samples": 2}),
    ],
)
def test_time_step_methods_by_hand(method: str, options: dict) -> None:
    # On a linear logit these methods give step t the value Σ_c w_tc (x_tc − d_tc) in each of its F
    # cells, d being the sample's baseline (or permuted values). A copy reusing the sample's d changes
    # only the perturbed step, so Δ_t = F·|Σ_c w_tc (x_tc − v)| and φ_c ∝ |w_tc (x_tc − v)|: d cancels.
    model = LinearModel()
    x, y = _data(4)
    got = attribute(model, x, y=y, method=method, output="logit", tsr=True, tsr_replacement=0.5, **options)
    change = (model.w(y) * (x - 0.5)).numpy()
    delta = F * np.abs(change.sum(axis=2))
    expected = np.zeros(x.shape)
    for i in range(4):
        tau = (delta[i] - delta[i].min()) / (delta[i].max() - delta[i].min())
        for t in range(T):
            if tau[t] > np.quantile(tau, 0.55):
                cells = np.abs(change[i, t])
                expected[i, t] = tau[t] * (cells - cells.min()) / (cells.max() - cells.min())
            else:
                expected[i, t] = tau[t] * 0.1
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_zero_spread_and_single_step() -> None:
    # Equal weights and equal rows: every step has the same Δ (exactly: binary fractions), so τ = 1
    # everywhere and every step goes on to the feature stage (documented decision).
    weight = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64).repeat(C, T)
    model = LinearModel(weight=weight)
    row = torch.tensor([0.25, 0.5, 1.0], dtype=torch.float64)
    x = row.repeat(1, T, 1)
    got = attribute(
        model, x, target=0, method="feature_ablation", output="logit", tsr=True, tsr_replacement=0.0
    )
    change = (row * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).numpy()  # 0.25, 1, 3
    phi = (change - change.min()) / (change.max() - change.min())
    np.testing.assert_allclose(got.numpy(), np.broadcast_to(phi, (1, T, F)), rtol=1e-5, atol=1e-6)
    # T = 1: the same rule ranks the features of the single step.
    single = LinearModel(n_steps=1, weight=weight[:, :F])
    got = attribute(
        single, x[:, :1], target=0, method="feature_ablation", output="logit", tsr=True, tsr_replacement=0.0
    )
    np.testing.assert_allclose(got.numpy(), phi.reshape(1, 1, F), rtol=1e-5, atol=1e-6)
    # A model that ignores its input: Δ = 0 everywhere, so the map is 0.
    blind = LinearModel(weight=torch.zeros(C, T * F, dtype=torch.float64))
    assert torch.all(attribute(blind, x, target=0, method="feature_ablation", tsr=True) == 0)


def test_public_function_with_any_explainer_and_chunking() -> None:
    x, _ = _data(3)
    scale = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    seen: list[int] = []

    def explain(inputs: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        seen.append(inputs.shape[0])
        return inputs * scale[rows].view(-1, 1, 1)  # per-sample R: R(X_i) = s_i X_i

    values = np.full(x.shape, 0.2)
    selected: list[int] = []
    r = np.broadcast_to(scale.view(-1, 1, 1).numpy(), x.shape)
    expected = _by_hand(r, x.numpy(), values, [T] * 3, counts=selected)
    for chunk_size in (1, 7, 1000):
        seen.clear()
        got = temporal_saliency_rescaling(explain, x, replacement=0.2, chunk_size=chunk_size)
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10, atol=1e-12)
        assert max(seen) <= chunk_size
        # The plain maps of the 3 samples, their 3·T time copies, then F copies per selected step.
        assert sum(seen) == 3 + 3 * T + len(selected) * F


def test_internal_batch_size_is_the_chunk_not_captums() -> None:
    model = build_model("lstm", n_features=F, n_classes=C, seed=2).double()
    x, y = _data()
    # Passed to captum, internal_batch_size=1 would split IG's 3 steps × chunk rows differently
    # (or fail for chunks of several copies); as the chunk size it changes nothing in the result.
    small = attribute(
        model, x, y=y, method="integrated_gradients", n_steps=3, tsr=True, internal_batch_size=1
    )
    large = attribute(model, x, y=y, method="integrated_gradients", n_steps=3, tsr=True)
    torch.testing.assert_close(small, large, rtol=1e-5, atol=1e-7)


def test_tsr_errors() -> None:
    model = LinearModel()
    x, y = _data()
    with pytest.raises(ValueError, match="tsr: method 'random' ignores the model"):
        attribute(model, x, y=y, method="random", tsr=True)
    with pytest.raises(TypeError, match="tsr: expected True or False"):
        attribute(model, x, y=y, tsr="yes")
    with pytest.raises(ValueError, match=r"tsr_threshold: expected a quantile in \[0, 1\]"):
        attribute(model, x, y=y, tsr=True, tsr_threshold=1.5)
    with pytest.raises(ValueError, match="tsr_fill: expected a finite number >= 0"):
        attribute(model, x, y=y, tsr=True, tsr_fill=-0.1)
    with pytest.raises(ValueError, match=r"tsr_replacement: expected an array broadcastable to \(3, 5, 3\)"):
        attribute(model, x, y=y, tsr=True, tsr_replacement=np.zeros(4))
    with pytest.raises(TypeError, match="tsr_replacement: expected None"):
        attribute(model, x, y=y, tsr=True, tsr_replacement="first")
    with pytest.raises(ValueError, match="internal_batch_size: not an option of method 'gradient'"):
        attribute(model, x, y=y, internal_batch_size=4)
    with pytest.raises(ValueError, match="internal_batch_size: expected a positive integer"):
        attribute(model, x, y=y, tsr=True, internal_batch_size=0)
    with pytest.raises(ValueError, match="explain: expected maps of the inputs' shape"):
        temporal_saliency_rescaling(lambda inputs, rows: inputs[:, :1], x)
