"""Attribution against closed forms on linear models, and its seeding, batching and mode handling."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from explain_helpers import assert_close_float32
from salience.explain import METHODS, attribute, recurrent_backward_safe
from salience.models import build_model

T, F, C = 4, 3, 3


pytestmark = pytest.mark.usefixtures("one_thread")


class LinearModel(nn.Module):
    """z = W vec(x) + b in float64; records the lengths it was given."""

    def __init__(self, n_classes: int = C) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(0)
        self.linear = nn.Linear(T * F, n_classes).double()
        with torch.no_grad():
            self.linear.weight.copy_(torch.randn(n_classes, T * F, generator=generator, dtype=torch.float64))
            self.linear.bias.copy_(torch.randn(n_classes, generator=generator, dtype=torch.float64))
        self.seen_lengths: list[torch.Tensor | None] = []

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        self.seen_lengths.append(lengths)
        return self.linear(x.flatten(1))

    def w(self, labels: torch.Tensor) -> torch.Tensor:
        """Rows W_y reshaped to (N, T, F)."""
        return self.linear.weight.detach()[labels].view(-1, T, F)


@pytest.fixture
def linear() -> LinearModel:
    return LinearModel()


@pytest.fixture
def data() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(5, T, F, generator=generator, dtype=torch.float64), torch.tensor([0, 2, 1, 2, 0])


# --- closed forms on a linear-logit model -----------------------------------------------------------


def test_gradient_of_probability(linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]) -> None:
    x, y = data
    weight = linear.linear.weight.detach()  # (C, T·F)
    p = torch.softmax(linear.linear(x.flatten(1)), dim=1).detach()  # (N, C)
    # ∂p_y/∂x = p_y (w_y − Σ_c p_c w_c)
    grad = p.gather(1, y[:, None]) * (weight[y] - p @ weight)
    assert_close_float32(attribute(linear, x, y=y), grad.abs().view(-1, T, F))
    assert_close_float32(attribute(linear, x, y=y, abs=False), grad.view(-1, T, F))


def test_gradient_of_logit_is_weight_row(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    assert_close_float32(attribute(linear, x, y=y, output="logit"), linear.w(y).abs())


def test_gradient_of_log_probability(linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]) -> None:
    x, y = data
    weight = linear.linear.weight.detach()
    p = torch.softmax(linear.linear(x.flatten(1)), dim=1).detach()
    # ∂ log p_y/∂x = w_y − Σ_c p_c w_c
    grad = weight[y] - p @ weight
    assert_close_float32(attribute(linear, x, y=y, output="log_probability", abs=False), grad.view(-1, T, F))


def test_integrated_gradients_on_linear_logit(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    # Completeness is exact for a linear score: IG = (x − baseline) ⊙ w_y.
    assert_close_float32(
        attribute(linear, x, y=y, method="integrated_gradients", output="logit", n_steps=4), x * linear.w(y)
    )
    baselines = torch.full_like(x, 0.5) + torch.arange(5.0, dtype=torch.float64).view(5, 1, 1)
    expected = (x - baselines) * linear.w(y)
    for batch_size in (None, 2):
        got = attribute(
            linear,
            x,
            y=y,
            method="integrated_gradients",
            output="logit",
            baselines=baselines.numpy(),  # one per sample, split along with the batches
            batch_size=batch_size,
            n_steps=4,
        )
        assert_close_float32(got, expected)
    scalar = attribute(linear, x, y=y, method="integrated_gradients", output="logit", baselines=1.0)
    assert_close_float32(scalar, (x - 1.0) * linear.w(y))


def test_deeplift_on_linear_logit(linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]) -> None:
    x, y = data
    assert_close_float32(attribute(linear, x, y=y, method="deeplift", output="logit"), x * linear.w(y))


def test_deeplift_softmax_rule_is_per_sample(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    # Rescale rule on the softmax, normalised within each sample: the multiplier of logit c is
    # r (δ_cy − 1/C) with r = Δp_y / Δz_y (baseline 0), so DeepLIFT = r (x − 0) ⊙ (w_y − mean_c w_c).
    z, z0 = linear.linear(x.flatten(1)).detach(), linear.linear(torch.zeros(1, T * F).double()).detach()
    p, p0 = torch.softmax(z, 1), torch.softmax(z0, 1)
    rows = torch.arange(5)
    r = (p[rows, y] - p0[0, y]) / (z[rows, y] - z0[0, y])
    weight = linear.linear.weight.detach()
    expected = r.view(-1, 1, 1) * x * (weight[y] - weight.mean(0)).view(-1, T, F)
    for batch_size in (None, 2):
        assert_close_float32(attribute(linear, x, y=y, method="deeplift", batch_size=batch_size), expected)


def test_shap_methods_on_linear_logit(linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]) -> None:
    x, y = data
    generator = torch.Generator().manual_seed(5)
    baselines = torch.randn(3, T, F, generator=generator, dtype=torch.float64)
    # DeepLiftShap averages DeepLIFT over the baselines: w_y ⊙ (x − mean_k b_k).
    expected = linear.w(y) * (x - baselines.mean(0))
    assert_close_float32(
        attribute(linear, x, y=y, method="deeplift_shap", output="logit", baselines=baselines), expected
    )
    # GradientShap without input noise, one baseline: the gradient is w_y everywhere on the path.
    got = attribute(
        linear, x, y=y, method="gradient_shap", output="logit", baselines=baselines[:1], stdevs=0.0
    )
    assert_close_float32(got, linear.w(y) * (x - baselines[0]))


def test_shap_default_baselines_are_seeded_normal(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    drawn = torch.randn((5, T, F), generator=torch.Generator().manual_seed(3)).double()
    got = attribute(linear, x, y=y, method="deeplift_shap", output="logit", seed=3)
    assert_close_float32(got, linear.w(y) * (x - drawn.mean(0)))
    got = attribute(linear, x, y=y, method="deeplift_shap", output="logit", seed=3, n_baselines=2)
    drawn = torch.randn((2, T, F), generator=torch.Generator().manual_seed(3)).double()
    assert_close_float32(got, linear.w(y) * (x - drawn.mean(0)))


def test_smoothgrad_without_noise_is_gradient(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    assert_close_float32(
        attribute(linear, x, y=y, method="smoothgrad", stdevs=0.0, nt_samples=2), attribute(linear, x, y=y)
    )


# --- targets ----------------------------------------------------------------------------------------


def test_target_defaults_to_y_and_accepts_many_forms(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    expected = attribute(linear, x, target=y)
    for form in (y.numpy(), y.tolist(), y.to(torch.int32)):
        assert torch.equal(attribute(linear, x, target=form), expected)
    assert torch.equal(attribute(linear, x, y=y), expected)
    assert torch.equal(attribute(linear, x, target=y, y=torch.zeros(5, dtype=torch.int64)), expected)
    assert torch.equal(attribute(linear, x, target=2), attribute(linear, x, target=[2] * 5))


def test_missing_or_bad_target(linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]) -> None:
    x, y = data
    with pytest.raises(ValueError, match=r"target: .*true label.*y="):
        attribute(linear, x)
    with pytest.raises(ValueError, match=r"target: expected labels in \[0, 3\)"):
        attribute(linear, x, target=3)
    with pytest.raises(ValueError, match=r"y: expected labels in \[0, 3\)"):
        attribute(linear, x, y=y + 1)
    with pytest.raises(ValueError, match="target: expected 5 labels"):
        attribute(linear, x, target=[0, 1])
    with pytest.raises(TypeError, match="target: expected integer"):
        attribute(linear, x, target=y.double())


def test_n_classes_from_config() -> None:
    model = build_model("lstm", n_features=F, n_classes=2)
    with pytest.raises(ValueError, match=r"target: expected labels in \[0, 2\)"):
        attribute(model, torch.zeros(1, T, F), target=2)


# --- validation -------------------------------------------------------------------------------------


def test_input_and_option_errors(linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]) -> None:
    x, y = data
    with pytest.raises(ValueError, match=r"method: expected one of .*deeplift.*gradient"):
        attribute(linear, x, y=y, method="saliency")
    with pytest.raises(ValueError, match=r"x: expected shape \(N, T, F\)"):
        attribute(linear, x[0], y=y)
    bad = x.clone()
    bad[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="x: expected finite"):
        attribute(linear, bad, y=y)
    with pytest.raises(TypeError, match="x: expected floating-point"):
        attribute(linear, x.long(), y=y)
    with pytest.raises(ValueError, match="n_stepz: not an option of method 'integrated_gradients'"):
        attribute(linear, x, y=y, method="integrated_gradients", n_stepz=3)
    with pytest.raises(ValueError, match="baselines: not an option of method 'gradient'"):
        attribute(linear, x, y=y, baselines=0.0)
    with pytest.raises(ValueError, match=r"additional_forward_args: .*lengths="):
        attribute(linear, x, y=y, additional_forward_args=(None,))
    with pytest.raises(ValueError, match=r"baselines: expected shape \(K, 4, 3\)"):
        attribute(linear, x, y=y, method="deeplift_shap", baselines=torch.zeros(2, T, F + 1))
    with pytest.raises(ValueError, match="output: expected one of"):
        attribute(linear, x, y=y, output="softmax")
    with pytest.raises(ValueError, match="batch_size"):
        attribute(linear, x, y=y, batch_size=0)
    with pytest.raises(ValueError, match="lengths: expected values in"):
        attribute(linear, x, y=y, lengths=torch.tensor([1, 2, 3, 4, 5]))


# --- batching, seeding, lengths, modes ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["lstm", "ica-lstm"])
def test_recurrent_models_all_methods(name: str) -> None:
    options = {"r": 2, "d_a": 3} if name == "ica-lstm" else {}
    torch.manual_seed(0)
    model = build_model(name, n_features=3, n_classes=2, **options)
    x = torch.randn(4, 5, 3, generator=torch.Generator().manual_seed(2))
    y = torch.tensor([0, 1, 1, 0])
    for method in METHODS:
        kwargs = {"n_steps": 4} if method == "integrated_gradients" else {}
        result = attribute(model, x, y=y, method=method, **kwargs)
        assert result.shape == x.shape and result.dtype == torch.float32
        assert torch.isfinite(result).all() and result.abs().sum() > 0
        if method not in ("smoothgrad", "gradient_shap"):  # their noise is drawn per batch
            batched = attribute(model, x, y=y, method=method, batch_size=3, **kwargs)
            torch.testing.assert_close(batched, result, rtol=1e-4, atol=1e-6)


def test_lengths_reach_the_model_and_zero_padding() -> None:
    torch.manual_seed(0)
    model = build_model("lstm", n_features=3, n_classes=2)
    x = torch.randn(3, 6, 3, generator=torch.Generator().manual_seed(4))
    y, lengths = torch.tensor([1, 0, 1]), torch.tensor([6, 2, 4])
    result = attribute(model, x, y=y, lengths=lengths, batch_size=2)
    for i, length in enumerate(lengths.tolist()):
        assert torch.all(result[i, length:] == 0)
        alone = attribute(model, x[i : i + 1, :length], y=y[i : i + 1])  # the truncated sequence
        torch.testing.assert_close(result[i, :length], alone[0], rtol=1e-4, atol=1e-7)


def test_lengths_zero_cells_even_if_model_ignores_them(
    linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    lengths = torch.tensor([4, 1, 2, 3, 4])
    inside = torch.arange(T)[None, :] < lengths[:, None]
    for method in ("gradient", "random"):
        result = attribute(linear, x, y=y, method=method, lengths=lengths)
        assert torch.all(result[~inside] == 0) and torch.all(result[inside] != 0)
        if method == "gradient":
            assert torch.equal(linear.seen_lengths[-1], lengths)  # passed on as lengths=


@pytest.mark.parametrize("method", ["random", "smoothgrad", "gradient_shap"])
def test_seeded_and_global_rng_untouched(
    method: str, linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]
) -> None:
    x, y = data
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    first = attribute(linear, x, y=y, method=method, seed=7)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state)
    assert torch.equal(attribute(linear, x, y=y, method=method, seed=7), first)
    assert not torch.equal(attribute(linear, x, y=y, method=method, seed=8), first)


def test_random_is_iid_uniform(linear: LinearModel, data: tuple[torch.Tensor, torch.Tensor]) -> None:
    x, y = data
    result = attribute(linear, x, y=y, method="random", seed=11)
    expected = torch.rand((5, T, F), generator=torch.Generator().manual_seed(11))
    assert torch.equal(result, expected)
    assert torch.equal(attribute(linear, x, y=y, method="random", seed=11, batch_size=2), expected)


def test_model_modes_restored() -> None:
    model = build_model("ica-lstm", n_features=3, n_classes=2, r=2, d_a=3)
    model.train()
    model.input_dropout.eval()  # a mixed state must come back exactly
    before = [m.training for m in model.modules()]
    x = torch.randn(2, 5, 3, generator=torch.Generator().manual_seed(0))
    first = attribute(model, x, target=0)
    assert [m.training for m in model.modules()] == before
    # Dropout (p = 0.1) is off during attribution: repeated calls agree.
    torch.testing.assert_close(attribute(model, x, target=0), first)


def _recurrent_stack() -> nn.Module:
    return nn.ModuleDict(
        {
            "lstm": nn.LSTM(3, 4, num_layers=2, dropout=0.3),
            "gru": nn.GRU(3, 4, num_layers=2, dropout=0.2),
            "drop": nn.Dropout(0.5),
            "norm": nn.BatchNorm1d(4),
        }
    ).eval()


def test_recurrent_backward_safe_toggles_and_restores() -> None:
    model = _recurrent_stack()
    with recurrent_backward_safe(model, force=True):
        assert model["lstm"].training and model["gru"].training
        assert model["lstm"].dropout == 0.0 and model["gru"].dropout == 0.0
        assert not model["drop"].training and not model["norm"].training and not model.training
    assert not model["lstm"].training and not model["gru"].training
    assert (model["lstm"].dropout, model["gru"].dropout) == (0.3, 0.2)
    with pytest.raises(RuntimeError, match="boom"), recurrent_backward_safe(model, "cuda:0"):
        assert model["lstm"].training  # a CUDA device acts without force
        raise RuntimeError("boom")
    assert not model["lstm"].training and model["lstm"].dropout == 0.3


def test_recurrent_backward_safe_is_a_no_op_on_cpu() -> None:
    model = _recurrent_stack()
    for device in (None, "cpu"):
        with recurrent_backward_safe(model, device):
            assert not model["lstm"].training and model["lstm"].dropout == 0.3


@pytest.mark.filterwarnings("ignore:Setting forward, backward hooks")
def test_deeplift_equals_captum_one_sample_at_a_time() -> None:
    from captum.attr import DeepLift

    torch.manual_seed(0)
    model = build_model("ica-lstm", n_features=3, n_classes=3, r=2, d_a=3).eval()
    reference_model = nn.Sequential(model, nn.Softmax(dim=-1))
    x = torch.randn(4, 5, 3, generator=torch.Generator().manual_seed(6))
    y = torch.tensor([0, 1, 2, 0])
    reference = torch.cat(
        [
            DeepLift(reference_model).attribute(x[i : i + 1].requires_grad_(), target=int(y[i]))
            for i in range(4)
        ]
    ).detach()
    torch.testing.assert_close(attribute(model, x, y=y, method="deeplift"), reference, rtol=1e-5, atol=1e-8)
