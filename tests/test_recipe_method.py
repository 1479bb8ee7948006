"""The recipe "add an attribution method" (docs/architecture.md), followed step by step.

Gradient × input through captum's ``InputXGradient``: one record, one registry line, and
``attribute(..., method="input_x_gradient")`` runs it, checked against the closed form on a
linear model.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from captum.attr import InputXGradient
from torch import nn

import salience.explain
from explain_helpers import assert_close_float32
from salience.explain import MethodRecord, attribute, method_preset, register_method, unregister_method

T, F, C = 4, 3, 3


@pytest.fixture
def input_x_gradient() -> Iterator[MethodRecord]:
    # Step 1: the record (captum class, family, label; presets where a suite needs fixed settings).
    record = MethodRecord(
        "input_x_gradient", (InputXGradient,), "gradient", "Input × Gradient",
        presets={"benchmark": {}},
    )  # fmt: skip
    # Step 2: the registry line.
    register_method(record)
    yield record
    unregister_method("input_x_gradient")


@pytest.fixture
def linear() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(T * F, C)).double()


def test_registered_method_runs_through_attribute(input_x_gradient: MethodRecord, linear: nn.Module) -> None:
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(5, T, F, generator=generator, dtype=torch.float64)
    y = torch.tensor([0, 2, 1, 2, 0])
    weight = linear[1].weight.detach()  # (C, T·F)
    # logit: ∂z_y/∂x = w_y, so the map is x ⊙ w_y
    expected_logit = x * weight[y].view(-1, T, F)
    assert_close_float32(attribute(linear, x, y=y, method="input_x_gradient", output="logit"), expected_logit)
    # probability: ∂p_y/∂x = p_y (w_y − Σ_c p_c w_c)
    p = torch.softmax(linear(x), dim=1).detach()
    grad = p.gather(1, y[:, None]) * (weight[y] - p @ weight)
    expected = x * grad.view(-1, T, F)
    assert_close_float32(attribute(linear, x, y=y, method="input_x_gradient", batch_size=2), expected)


def test_registered_method_is_listed_and_removed(input_x_gradient: MethodRecord) -> None:
    assert salience.explain.METHODS[-1] == "input_x_gradient"
    assert isinstance(salience.explain.METHODS, tuple)
    assert method_preset("input_x_gradient", "benchmark") == {}
    with pytest.raises(ValueError, match="already registered"):
        register_method(input_x_gradient)
    with pytest.raises(ValueError, match="n_steps: not an option of method 'input_x_gradient'"):
        attribute(nn.Linear(T * F, C), torch.zeros(2, T, F), y=[0, 1], method="input_x_gradient", n_steps=3)


def test_unregistered_method_is_gone() -> None:
    assert "input_x_gradient" not in salience.explain.METHODS
    with pytest.raises(ValueError, match="method: expected one of"):
        attribute(nn.Linear(T * F, C), torch.zeros(2, T, F), y=[0, 1], method="input_x_gradient")
