"""The two sets of model defaults: the plain ones (sizes for real data) train a 4-class univariate
set well above chance in a few epochs; the ``paper`` preset and ``d_model=None`` rebuild the models
of the papers and the benchmark exactly (logits recorded from the code before the real-data
defaults, commit 5750c9c); the Transformer's input projection serves one channel."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from salience.data import Dataset, split_dataset
from salience.models import (
    MODELS,
    TransformerClassifier,
    build_model,
    convert_option,
    model_options,
    positional_encoding,
    sequence_models,
)
from salience.training import TrainConfig, fit, predict_logits

#: First four logits (float64, seed 0, F = 5, C = 3, x from Generator seed 1 of shape (3, 7, 5)) of
#: ``build_model(name, **options)`` at commit 5750c9c, when the classes' defaults were the defaults.
_BEFORE = {
    ("transformer", (("n_layers", 2), ("n_heads", 5), ("d_ff", 8))): [
        -1.386285529333748, 0.302208687177666, -0.3965700896019744, -1.3481928513573505],
    ("transformer", ()): [
        -0.3349901467493586, 0.049322044314503044, -1.4576046507460418, -0.5945093331177735],
    ("tcn", ()): [0.03027157246304918, 0.05988454223886841, -0.10970243500511084, 0.04237583752518423],
    ("lstm", ()): [-0.1189264648106774, -0.43897324907413615, 0.23384411162703655, -0.0737159335365234],
    ("ica-lstm", (("r", 3), ("d_a", 4))): [
        0.2837726204720191, -0.36287302540134636, 0.3247866308019749, 0.33295333779180936],
}  # fmt: skip


def _x(batch=3, n_steps=7, n_features=5, seed=1):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, n_steps, n_features, generator=generator, dtype=torch.float64)


@pytest.mark.parametrize(("name", "options"), list(_BEFORE))
def test_paper_preset_gives_the_models_built_before_the_real_data_defaults(name, options):
    model = build_model(name, n_features=5, n_classes=3, seed=0, preset="paper", **dict(options))
    logits = model.double().eval()(_x())
    before = torch.tensor(_BEFORE[name, options], dtype=torch.float64)
    torch.testing.assert_close(logits.flatten()[:4], before)
    rebuilt = build_model(name, n_features=5, n_classes=3, seed=0, **model.config["options"])
    torch.testing.assert_close(rebuilt.double().eval()(_x()), logits)  # the config alone rebuilds it


def test_d_model_none_is_the_benchmark_transformer_literally():
    """No projection: x·√F + PE (benchmark variant) → layers → norm → max → linear, written out here."""
    torch.manual_seed(0)
    model = TransformerClassifier(4, 3, d_model=None, n_layers=2, n_heads=2, d_ff=8).double().eval()
    assert model.projection is None and not any("projection" in key for key in model.state_dict())
    x = _x(n_features=4)
    h = x * math.sqrt(4) + positional_encoding(7, 4, "benchmark")
    for layer in model.layers:
        h = layer(h, None, is_causal=True)
    expected = model.classifier(model.norm(h).max(dim=1).values)
    torch.testing.assert_close(model(x), expected)


def test_projected_transformer_is_projection_then_the_encoder_at_d_model():
    torch.manual_seed(0)
    model = TransformerClassifier(1, 2, d_model=6, n_layers=1, n_heads=3, d_ff=8, causal=False,
                                  positional="sinusoidal").double().eval()  # fmt: skip
    x = _x(n_features=1)
    h = (x @ model.projection.weight.T + model.projection.bias) * math.sqrt(6)
    h = h + positional_encoding(7, 6, "sinusoidal")
    h = model.layers[0](h, None, is_causal=False)
    expected = model.classifier(model.norm(h).max(dim=1).values)
    torch.testing.assert_close(model(x), expected)


def test_default_transformer_serves_a_univariate_series_forward_and_backward():
    model = build_model("transformer", n_features=1, n_classes=4, seed=0).double()
    assert model.d_model == 64 and len(model.layers) == 2 and not model.causal
    x = _x(batch=5, n_steps=30, n_features=1).requires_grad_(True)
    logits = model(x)
    assert logits.shape == (5, 4)
    logits[:, 1].sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_transformer_width_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^n_features: expected at least 2 .*set d_model"):
        TransformerClassifier(1, 2, n_heads=1)
    with pytest.raises(ValueError, match=r"^d_model: expected at least 2"):
        TransformerClassifier(3, 2, d_model=1, n_heads=1)
    with pytest.raises(ValueError, match=r"^n_heads: .*d_model = 10.*n_heads = 4"):
        TransformerClassifier(3, 2, d_model=10, n_heads=4)


def _halves(n: int, seed: int, n_steps: int = 16) -> Dataset:
    """Four classes, one channel: the signs of the first and the second half's level (±1), plus noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 4
    level = np.stack([np.where(y // 2, 1.0, -1.0), np.where(y % 2, 1.0, -1.0)], 1)
    x = np.repeat(level, n_steps // 2, axis=1) + 0.5 * rng.standard_normal((n, n_steps))
    return Dataset(x=x[..., None].astype(np.float32), y=y)


@pytest.mark.parametrize("name", ["lstm", "tcn", "transformer"])
def test_plain_defaults_learn_a_four_class_univariate_set(name):
    parts = split_dataset(_halves(96, seed=0), test=0, validation=0.25, seed=0)
    test = _halves(64, seed=1)
    model = build_model(name, n_features=1, n_classes=4, seed=0)
    fit(model, parts.train, parts.validation, TrainConfig(max_epochs=15, batch_size=16, device="cpu"))
    accuracy = float((predict_logits(model, torch.from_numpy(test.x)).argmax(1).numpy() == test.y).mean())
    assert accuracy > 0.6  # chance 0.25


def test_every_listed_default_builds_and_every_option_reads_back_its_type():
    for name in MODELS:
        for preset in ("default", "paper"):
            for key, value in model_options(name, preset).items():
                if value is None or isinstance(value, (tuple, list)):
                    continue
                text = str(value).lower() if isinstance(value, bool) else str(value)
                read = convert_option(name, key, text)
                assert read == value and type(read) is type(value)
    for name in sequence_models():
        model = build_model(name, n_features=3, n_classes=2, seed=0)
        assert model(torch.randn(2, 12, 3)).shape == (2, 2)


def test_convert_option_types_and_refusals():
    assert convert_option("cnn", "channels", "4,6") == [4, 6]
    assert convert_option("transformer", "d_model", "null") is None
    assert convert_option("tcn", "conv_init", "normal") == "normal"
    assert convert_option("lstm-selfattn", "attn_r", "3") == 3
    assert convert_option("ica-lstm", "partial_steps", "7") == 7
    assert convert_option("ica-lstm", "partial_steps", "none") is None
    message = r"^r: 'lstm' does not take this option; it takes dropout, hidden_size$"
    with pytest.raises(ValueError, match=message):
        convert_option("lstm", "r", "5")
    with pytest.raises(ValueError, match=r"^attn_r: 'ica-lstm' does not take"):
        convert_option("ica-lstm", "attn_r", "5")
    with pytest.raises(ValueError, match=r"^hidden_size: expected int for model 'lstm', got '5.5'"):
        convert_option("lstm", "hidden_size", "5.5")
    with pytest.raises(ValueError, match=r"^causal: expected bool"):
        convert_option("transformer", "causal", "maybe")
    with pytest.raises(ValueError, match=r"^model: expected one of"):
        convert_option("gru", "hidden_size", "5")


def test_build_model_refuses_an_unknown_preset():
    with pytest.raises(ValueError, match=r"^preset: expected one of"):
        build_model("lstm", n_features=2, n_classes=2, preset="toy")
