"""Perturbation methods (Shapley sampling, feature permutation, feature ablation, occlusion) and the
benchmark's uniform baselines, against hand-computed score differences and loops over the definition."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from explain_helpers import assert_close_float32
from salience.explain import attribute
from salience.models import build_model

T, F, C = 4, 3, 3
PERTURBATION = ("shapley_sampling", "feature_permutation", "feature_ablation", "occlusion")


pytestmark = pytest.mark.usefixtures("one_thread")


class LinearModel(nn.Module):
    """z = W vec(x) + b in float64 (ignores lengths); counts its forward calls."""

    def __init__(self) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(0)
        self.linear = nn.Linear(T * F, C).double()
        with torch.no_grad():
            self.linear.weight.copy_(torch.randn(C, T * F, generator=generator, dtype=torch.float64))
            self.linear.bias.copy_(torch.randn(C, generator=generator, dtype=torch.float64))
        self.calls = 0

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        self.calls += 1
        return self.linear(x.flatten(1))

    def w(self, labels: torch.Tensor) -> torch.Tensor:
        return self.linear.weight.detach()[labels].view(-1, T, F)

    def probability(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return torch.softmax(self.linear(x.flatten(1)), dim=1)[torch.arange(len(labels)), labels]


@pytest.fixture
def linear() -> LinearModel:
    return LinearModel()


@pytest.fixture
def data() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return torch.rand(5, T, F, generator=generator, dtype=torch.float64), torch.tensor([0, 2, 1, 2, 0])


def _uniform(seed: int, shape: tuple[int, ...]) -> torch.Tensor:
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed)).double()


def _lstm() -> nn.Module:
    return build_model("lstm", n_features=F, n_classes=2, seed=3).double()


# --- feature ablation and occlusion: score differences -------------------------------------------------


def test_feature_ablation_is_the_score_drop_of_each_cell(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    # Logit, baseline 0: z_y(x) − z_y(x with cell (t, c) = 0) = w_{y,tc} x_tc.
    assert_close_float32(
        attribute(linear, x, y=y, method="feature_ablation", output="logit"), linear.w(y) * x
    )
    expected = torch.zeros_like(x)
    for t in range(T):
        for c in range(F):
            ablated = x.clone()
            ablated[:, t, c] = 0.0
            expected[:, t, c] = linear.probability(x, y) - linear.probability(ablated, y)
    assert_close_float32(attribute(linear, x, y=y, method="feature_ablation"), expected)


def test_occlusion_drops_whole_steps_to_per_sample_uniform_baselines(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    baselines = _uniform(4, tuple(x.shape))  # "uniform": one U[0, 1) baseline per sample, seeded
    expected = torch.zeros_like(x)
    for t in range(T):
        occluded = x.clone()
        occluded[:, t] = baselines[:, t]
        expected[:, t] = (linear.probability(x, y) - linear.probability(occluded, y)).unsqueeze(1)
    for batch_size in (None, 2):
        got = attribute(
            linear, x, y=y, method="occlusion", baselines="uniform", seed=4, batch_size=batch_size
        )
        assert_close_float32(got, expected)
    # A (1, 1) window occludes single cells: the per-cell score drop with baseline 0.
    got = attribute(linear, x, y=y, method="occlusion", output="logit", sliding_window_shapes=(1, 1))
    assert_close_float32(got, linear.w(y) * x)


# --- Shapley sampling -----------------------------------------------------------------------------------


def test_shapley_sampling_recovers_additive_step_contributions(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    # A linear logit is additive over the time-step groups: every permutation gives the exact
    # contribution Σ_c w_tc (x_tc − b_tc), shared by the features of step t.
    for baselines, reference in ((None, torch.zeros_like(x)), ("uniform", _uniform(9, tuple(x.shape)))):
        options = {} if baselines is None else {"baselines": baselines}
        got = attribute(linear, x, y=y, method="shapley_sampling", output="logit", seed=9, **options)
        step = (linear.w(y) * (x - reference)).sum(dim=2, keepdim=True)
        assert_close_float32(got, step.expand_as(x))


def test_shapley_sampling_is_seeded_and_batch_size_independent() -> None:
    model = _lstm()
    x = torch.rand(5, T, F, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    y = torch.tensor([0, 1, 1, 0, 1])
    first = attribute(model, x, y=y, method="shapley_sampling", n_samples=3, seed=5)
    assert torch.all(first == first[..., :1])  # one value per time step
    torch.testing.assert_close(
        attribute(model, x, y=y, method="shapley_sampling", n_samples=3, seed=5, batch_size=2), first
    )
    other = attribute(model, x, y=y, method="shapley_sampling", n_samples=3, seed=6)
    assert not torch.allclose(other, first)


# --- feature permutation --------------------------------------------------------------------------------


def _donors(
    linear: LinearModel, x: torch.Tensor, y: torch.Tensor, maps: torch.Tensor, lengths: torch.Tensor
) -> np.ndarray:
    """For each valid (i, t), the unique sample j whose step t, put into x_i, gives the map's value
    (j = i, value 0, where the permutation leaves i in place)."""
    w = linear.w(y)
    donors = np.full((len(x), T), -1)
    for i in range(len(x)):
        for t in range(int(lengths[i])):
            # Linear logit: permuting step t from sample j changes z_y by Σ_c w_tc (x_itc − x_jtc).
            candidates = [
                j
                for j in range(len(x))
                if t < int(lengths[j])
                and abs(float((w[i, t] * (x[i, t] - x[j, t])).sum()) - float(maps[i, t, 0])) < 1e-5
            ]
            assert len(candidates) == 1, (i, t, candidates)
            donors[i, t] = candidates[0]
    return donors


def test_feature_permutation_permutes_steps_across_valid_samples(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    lengths = torch.tensor([4, 2, 4, 3, 4])
    maps = attribute(linear, x, y=y, method="feature_permutation", output="logit", lengths=lengths)
    assert torch.all(maps == maps[..., :1])  # one group per time step
    valid = torch.arange(T)[None, :] < lengths[:, None]
    assert torch.all(maps[~valid] == 0)
    donors = _donors(linear, x, y, maps, lengths)
    for t in range(T):
        receivers = np.flatnonzero(valid[:, t].numpy())
        # Within the batch, step t moves along a permutation of the samples valid at t.
        assert sorted(donors[receivers, t].tolist()) == receivers.tolist()
        assert not np.array_equal(donors[receivers, t], receivers)  # never the identity


def test_feature_permutation_batches_and_seed(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    lengths = torch.full((5,), T)
    first = attribute(linear, x, y=y, method="feature_permutation", output="logit", seed=1)
    assert torch.equal(attribute(linear, x, y=y, method="feature_permutation", output="logit", seed=1), first)
    assert not torch.equal(
        attribute(linear, x, y=y, method="feature_permutation", output="logit", seed=2), first
    )
    # batch_size 2 over 5 samples: batches {0, 1} and {2, 3, 4} (a last single sample joins the one
    # before); values only move within a batch.
    maps = attribute(linear, x, y=y, method="feature_permutation", output="logit", batch_size=2)
    donors = _donors(linear, x, y, maps, lengths)
    assert set(donors[:2].flatten()) == {0, 1} and set(donors[2:].flatten()) <= {2, 3, 4}
    with pytest.raises(ValueError, match=r"batch_size: feature_permutation .* at least 2"):
        attribute(linear, x, y=y, method="feature_permutation", batch_size=1)
    with pytest.raises(ValueError, match=r"x: feature_permutation .* at least 2 samples"):
        attribute(linear, x[:1], y=y[:1], method="feature_permutation")


def test_perturbations_per_eval_reaches_captum(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    expected = linear.w(y) * x
    for per_eval, forwards in ((1, T * F), (5, -(-T * F // 5))):
        linear.calls = 0
        got = attribute(
            linear, x, y=y, method="feature_ablation", output="logit", perturbations_per_eval=per_eval
        )
        assert_close_float32(got, expected)
        assert linear.calls - 2 == forwards  # one call finds n_classes, one evaluates x itself


# --- lengths --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", PERTURBATION)
def test_padding_never_reaches_valid_steps(method: str) -> None:
    model = _lstm()
    generator = torch.Generator().manual_seed(7)
    x = torch.rand(4, T, F, generator=generator, dtype=torch.float64)
    y, lengths = torch.tensor([1, 0, 1, 0]), torch.tensor([4, 2, 3, 1])
    padded = torch.arange(T)[None, :, None] >= lengths[:, None, None]
    garbage = torch.where(padded, 100 * torch.rand(x.shape, generator=generator, dtype=torch.float64), x)
    options = {"n_samples": 3} if method == "shapley_sampling" else {}
    clean = attribute(model, x, y=y, method=method, lengths=lengths, seed=3, **options)
    dirty = attribute(model, garbage, y=y, method=method, lengths=lengths, seed=3, **options)
    assert torch.all(clean[padded.expand_as(x)] == 0) and clean.abs().sum() > 0
    torch.testing.assert_close(dirty, clean, rtol=1e-5, atol=1e-7)


def test_padded_cells_are_not_perturbed_even_if_the_model_reads_them(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data  # the linear model ignores lengths, and the softmax couples all cells
    lengths = torch.tensor([4, 1, 2, 3, 4])
    valid = (torch.arange(T)[None, :] < lengths[:, None]).unsqueeze(-1)
    expected = torch.zeros_like(x)
    for t in range(T):
        for c in range(F):
            ablated = x.clone()
            ablated[:, t, c] = 0.0
            expected[:, t, c] = linear.probability(x, y) - linear.probability(ablated, y)
    got = attribute(linear, x, y=y, method="feature_ablation", lengths=lengths)
    assert_close_float32(got, torch.where(valid, expected, 0.0))
    # Shapley sampling: padded steps act as if their baseline were the input itself.
    baselines = _uniform(2, tuple(x.shape))
    pinned = torch.where(valid, baselines, x)
    got = attribute(
        linear, x, y=y, method="shapley_sampling", lengths=lengths, baselines=baselines, n_samples=4
    )
    reference = attribute(linear, x, y=y, method="shapley_sampling", baselines=pinned, n_samples=4)
    assert_close_float32(got, torch.where(valid, reference, 0.0))


# --- uniform baselines ----------------------------------------------------------------------------------


def test_uniform_baselines_per_sample(linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]) -> None:
    x, y = data
    drawn = _uniform(11, tuple(x.shape))
    for method in ("integrated_gradients", "deeplift"):
        for batch_size in (None, 2):
            got = attribute(
                linear,
                x,
                y=y,
                method=method,
                output="logit",
                baselines="uniform",
                seed=11,
                batch_size=batch_size,
            )
            assert_close_float32(got, (x - drawn) * linear.w(y))
    implied = x - attribute(
        linear, x, y=y, method="deeplift", output="logit", baselines="uniform"
    ).double() / linear.w(y)
    assert implied.min() >= -1e-5 and implied.max() < 1 + 1e-5  # U[0, 1)
    other = attribute(linear, x, y=y, method="deeplift", output="logit", baselines="uniform", seed=12)
    assert not torch.allclose(
        other, attribute(linear, x, y=y, method="deeplift", output="logit", baselines="uniform", seed=11)
    )
    # A sample's baseline does not depend on how many samples follow it.
    first_two = attribute(
        linear, x[:2], y=y[:2], method="deeplift", output="logit", baselines="uniform", seed=11
    )
    assert_close_float32(first_two, ((x - drawn) * linear.w(y))[:2])


def test_uniform_baselines_for_shap_are_a_shared_distribution(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    for n_baselines in (5, 2):
        drawn = _uniform(3, (n_baselines, T, F))
        got = attribute(
            linear,
            x,
            y=y,
            method="deeplift_shap",
            output="logit",
            baselines="uniform",
            seed=3,
            n_baselines=n_baselines,
        )
        assert_close_float32(got, linear.w(y) * (x - drawn.mean(0)))


# --- options and errors ---------------------------------------------------------------------------------


def test_caller_overrides_groups(linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]) -> None:
    x, y = data
    # One group per feature (over all steps): the contribution Σ_t w_tc x_tc, shared along time.
    by_feature = torch.arange(F).view(1, 1, F).expand(1, T, F).numpy()
    got = attribute(linear, x, y=y, method="shapley_sampling", output="logit", feature_mask=by_feature)
    assert_close_float32(got, (linear.w(y) * x).sum(dim=1, keepdim=True).expand_as(x))
    got = attribute(
        linear,
        x,
        y=y,
        method="feature_ablation",
        output="logit",
        feature_mask=torch.zeros(1, T, F, dtype=torch.long),
    )
    assert_close_float32(got, (linear.w(y) * x).sum(dim=(1, 2), keepdim=True).expand_as(x))


def test_option_errors(linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]) -> None:
    x, y = data
    with pytest.raises(ValueError, match="perm_func: not accepted here; salience draws"):
        attribute(linear, x, y=y, method="feature_permutation", perm_func=lambda a, b: a)
    with pytest.raises(ValueError, match="baselines: not an option of method 'feature_permutation'"):
        attribute(linear, x, y=y, method="feature_permutation", baselines="uniform")
    with pytest.raises(ValueError, match="baselines: expected one of uniform; got 'gaussian'"):
        attribute(linear, x, y=y, method="occlusion", baselines="gaussian")
    with pytest.raises(
        ValueError, match=r"baselines: expected 'uniform', a number or a tensor broadcastable"
    ):
        attribute(linear, x, y=y, method="feature_ablation", baselines=torch.zeros(2, T, F))
    with pytest.raises(ValueError, match="sliding_window_shape: not an option of method 'occlusion'"):
        attribute(linear, x, y=y, method="occlusion", sliding_window_shape=(1, F))
    with pytest.raises(ValueError, match=r"feature_mask: feature_permutation needs the same groups"):
        attribute(
            linear, x, y=y, method="feature_permutation", feature_mask=torch.zeros(5, T, F, dtype=torch.long)
        )
    with pytest.raises(TypeError, match="feature_mask: expected integer group ids"):
        attribute(linear, x, y=y, method="shapley_sampling", feature_mask=torch.zeros(1, T, F))


# --- the gradient through captum ------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Setting forward, backward hooks")
def test_gradient_equals_captum_saliency_with_per_sample_targets() -> None:
    from captum.attr import Saliency

    model = _lstm().eval()
    x = torch.rand(4, T, F, generator=torch.Generator().manual_seed(8), dtype=torch.float64)
    y, lengths = torch.tensor([0, 1, 1, 0]), torch.tensor([4, 2, 3, 4])

    def probability(inputs: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        logits = model(inputs) if lengths is None else model(inputs, lengths=lengths)
        return torch.softmax(logits, dim=1)

    reference = Saliency(probability).attribute(x.clone().requires_grad_(), target=y)
    torch.testing.assert_close(attribute(model, x, y=y), reference.float(), rtol=1e-6, atol=1e-9)
    padded = Saliency(probability).attribute(
        x.clone().requires_grad_(), target=y, additional_forward_args=(lengths,)
    )
    torch.testing.assert_close(
        attribute(model, x, y=y, lengths=lengths), padded.float(), rtol=1e-6, atol=1e-9
    )
