"""The recipe "add a model" (docs/architecture.md), followed step by step: a model class, one
registry line, then build, train, save, load and attribute it like any model. The attribution is
checked against the gradient of the softmax of a linear model, computed by hand."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch
from torch import nn

from salience.data import make_box, split_dataset
from salience.explain import attribute
from salience.models import (
    MODELS,
    build_model,
    load_checkpoint,
    model_options,
    register_model,
    save_checkpoint,
)
from salience.training import TrainConfig, fit

pytestmark = pytest.mark.usefixtures("one_thread")


# Step 1: the model, a module that takes (B, T, F) and optional lengths (B,) and returns logits (B, C).
class LastStepLinear(nn.Module):
    """A linear classifier over the last (valid) time step."""

    def __init__(self, n_features: int, n_classes: int, *, bias: bool = True) -> None:
        super().__init__()
        self.classifier = nn.Linear(n_features, n_classes, bias=bias)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        last = x[:, -1] if lengths is None else x[torch.arange(x.shape[0]), lengths.to(torch.int64) - 1]
        return self.classifier(last)


@pytest.fixture
def last_step() -> Iterator[str]:
    # Step 2: one registry line (in a real model: at the end of salience/models/registry.py).
    register_model("last-step", LastStepLinear, "Last step")
    try:
        yield "last-step"
    finally:
        MODELS.pop("last-step", None)


def test_add_a_model_recipe(last_step, tmp_path):
    assert model_options(last_step) == {"bias": True}
    refused = r"^options: 'last-step' does not take \['hidden_size'\]; it takes \['bias'\]$"
    with pytest.raises(ValueError, match=refused):
        build_model(last_step, n_features=4, n_classes=2, hidden_size=3)

    # Step 3: build, train, save and load it like every registered model.
    parts = split_dataset(make_box("latter", n=40, n_steps=6, n_features=4), seed=0)
    model = build_model(last_step, n_features=4, n_classes=2, seed=0)
    before = model.classifier.weight.detach().clone()
    result = fit(model, parts.train, parts.validation, TrainConfig(max_epochs=1, device="cpu"))
    assert result.epochs_run == 1 and not torch.equal(model.classifier.weight, before)
    path = save_checkpoint(tmp_path / "ckpt", model, metadata={"recipe": "add a model"})
    loaded = load_checkpoint(path)
    assert isinstance(loaded.model, LastStepLinear) and loaded.config["name"] == last_step
    x = torch.from_numpy(parts.test.x)
    with torch.no_grad():
        assert torch.equal(loaded.model(x), model(x))

    # Step 4: attribute it. The vanilla gradient of p_y = softmax(W x_T + b)_y is, at the last step,
    # |p_y (W_y - sum_k p_k W_k)|, and zero at every other step.
    y = parts.test.y
    saliency = attribute(loaded.model, x, method="gradient", y=y).numpy()
    weight = loaded.model.classifier.weight.detach().double().numpy()
    bias = loaded.model.classifier.bias.detach().double().numpy()
    logits = parts.test.x[:, -1].astype(np.float64) @ weight.T + bias
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p_y = p[np.arange(len(y)), y]
    expected = np.zeros(parts.test.x.shape)
    expected[:, -1] = np.abs(p_y[:, None] * (weight[y] - p @ weight))
    np.testing.assert_allclose(saliency, expected, rtol=1e-4, atol=1e-7)
