"""The cascading model-parameter randomisation sanity check (Adebayo et al. 2018): Spearman against
scipy, the caller's model untouched, seeding, layer order, a trained LSTM separated from its
randomised copy on a box dataset, and the check's known failure case (a method ignoring the model)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr
from torch import nn

from salience.data import make_box
from salience.explain import RandomizationResult, attribute, cascading_randomization, spearman_per_sample
from salience.models.recurrent import RecurrentClassifier

pytestmark = pytest.mark.usefixtures("one_thread")


def test_spearman_matches_scipy_with_ties_and_padding():
    g = torch.Generator().manual_seed(0)
    a = torch.randint(0, 4, (6, 5, 3), generator=g).to(torch.float64)  # many ties
    b = a + torch.randn(6, 5, 3, generator=g, dtype=torch.float64)
    lengths = torch.tensor([5, 2, 3, 4, 2, 5])
    got = spearman_per_sample(a, b, lengths)
    for i, length in enumerate(lengths.tolist()):
        expected = spearmanr(a[i, :length].reshape(-1).numpy(), b[i, :length].reshape(-1).numpy()).statistic
        assert float(got[i]) == pytest.approx(float(expected), abs=1e-12)
    assert spearman_per_sample(a, a).tolist() == pytest.approx([1.0] * 6)
    constant = spearman_per_sample(torch.ones(1, 3, 2), torch.rand(1, 3, 2))
    assert math.isnan(float(constant[0]))


def _trained_lstm(readout: str) -> tuple[nn.Module, torch.Tensor]:
    box = make_box("middle", n=200, n_steps=20, n_features=20, seed=0)
    x, y = torch.as_tensor(box.x, dtype=torch.float32), torch.as_tensor(box.y).long()
    torch.manual_seed(0)
    model = RecurrentClassifier(20, 2, hidden_size=16, dropout=0.0, readout=readout)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(60):
        optimiser.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimiser.step()
    model.eval()
    assert float((model(x).argmax(1) == y).float().mean()) == 1.0
    return model, x[:40]


@pytest.fixture(scope="module")
def trained_lstm() -> tuple[nn.Module, torch.Tensor]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _trained_lstm("mean")
    finally:
        torch.set_num_threads(threads)


def test_separates_a_trained_lstm_from_its_randomised_copy(trained_lstm):
    # Mean readout: with the last-step readout, a trained LSTM's gradient is dominated by the last
    # steps (vanishing saliency), a profile a random LSTM shares, and the correlation stays ~0.56.
    model, x = trained_lstm
    state = {name: value.clone() for name, value in model.state_dict().items()}
    maps = attribute(model, x, model(x).argmax(1), "gradient")
    assert spearman_per_sample(maps.abs(), maps.abs()).tolist() == pytest.approx([1.0] * len(x))
    result = cascading_randomization(model, x, "gradient")
    assert isinstance(result, RandomizationResult)
    assert result.layers == ("classifier", "lstm")
    assert result.per_sample.shape == (2, len(x))
    assert result.spearman[-1] < 0.5
    assert result.spearman[-1] < result.spearman[0]
    assert all(math.isfinite(v) for v in result.spearman_signed)
    assert all(torch.equal(state[name], value) for name, value in model.state_dict().items())
    again = cascading_randomization(model, x, "gradient")
    assert again.spearman == result.spearman  # seeded
    other = cascading_randomization(model, x, "gradient", seed=5)
    assert other.spearman != result.spearman


def test_a_method_that_ignores_the_model_fails_the_check(trained_lstm):
    model, x = trained_lstm
    result = cascading_randomization(model, x, lambda net, inputs: inputs * 3.0)
    assert result.spearman == pytest.approx((1.0, 1.0))

    def random_maps(net: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(np.random.default_rng(0).normal(size=tuple(inputs.shape)))

    assert cascading_randomization(model, x, random_maps).spearman == pytest.approx((1.0, 1.0))


def test_rule_for_modules_without_reset_parameters_and_explicit_layers():
    class Scale(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = nn.Parameter(torch.ones(3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * self.weight

    torch.manual_seed(0)
    net = nn.Sequential(Scale(), nn.Flatten(), nn.Linear(6, 2))
    seen = []

    def weights(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
        seen.append(model[0].weight.detach().clone())
        return inputs * model[0].weight.detach()

    result = cascading_randomization(net, torch.rand(4, 2, 3), weights, layers=["0"])
    assert result.layers == ("0",)
    assert torch.equal(seen[0], torch.ones(3))
    assert float(seen[1].abs().max()) < 0.1  # normal(0, 0.01)
    assert torch.equal(net[0].weight.detach(), torch.ones(3))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda net, x: cascading_randomization("net", x), "model"),
        (lambda net, x: cascading_randomization(net, x, 3), "method"),
        (lambda net, x: cascading_randomization(net, x[0], lambda m, v: v), "x"),
        (lambda net, x: cascading_randomization(net, x, lambda m, v: v, layers=["nope"]), "layers"),
        (lambda net, x: cascading_randomization(net, x, lambda m, v: v, seed=-1), "seed"),
        (lambda net, x: cascading_randomization(nn.Flatten(), x, lambda m, v: v), "model"),
    ],
)
def test_errors_name_the_argument(call, message):
    net = nn.Sequential(nn.Flatten(), nn.Linear(6, 2))
    with pytest.raises((TypeError, ValueError), match=rf"^{message}"):
        call(net, torch.rand(3, 2, 3))


def test_padding_is_not_compared_and_lengths_reach_the_method(trained_lstm):
    model, x = trained_lstm
    lengths = torch.tensor([20, 10, 5, 1] * 10)
    calls = iter(range(100))

    def noisy_padding(net: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
        maps = inputs * 2.0
        padded = torch.arange(20)[None, :, None] >= lengths[:, None, None]
        noise = torch.randn(inputs.shape, generator=torch.Generator().manual_seed(next(calls)))
        return torch.where(padded, noise, maps)

    with_lengths = cascading_randomization(model, x, noisy_padding, lengths=lengths)
    assert with_lengths.spearman == pytest.approx((1.0, 1.0))
    assert cascading_randomization(model, x, noisy_padding).spearman[0] < 1.0
    result = cascading_randomization(model, x, "gradient", lengths=lengths)
    assert all(math.isfinite(v) for v in result.spearman)
    assert result.spearman[-1] < 0.5
