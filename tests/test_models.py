"""The model registry, the recurrent classifiers' contract, Bi-LSTM's readout and ``lengths``."""

from __future__ import annotations

import json

import pytest
import torch

from reference_input_cell import classifier_loop, lstm_cell_loop
from salience.models import (
    MODELS,
    RecurrentClassifier,
    build_model,
    model_options,
    register_model,
    sequence_models,
)

SMALL = {"hidden_size": 4, "attn_r": 3, "attn_d_a": 5}
SMALL_ICA = {**SMALL, "r": 3, "d_a": 4}


SMALL_OTHERS = {
    "tcn": {"hidden_size": 4, "last_channels": 6},
    "transformer": {"n_layers": 2, "n_heads": 1, "d_ff": 8},
}


def _options(name: str) -> dict:
    if name in SMALL_OTHERS:
        return dict(SMALL_OTHERS[name])
    return dict(SMALL_ICA) if name.startswith("ica") else dict(SMALL)


def _build(name: str, n_features: int = 5, n_classes: int = 3, seed: int = 0, **extra):
    torch.manual_seed(seed)
    return build_model(name, n_features=n_features, n_classes=n_classes, **{**_options(name), **extra})


def _x(batch=4, n_steps=9, n_features=5, seed=1, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, n_steps, n_features, generator=generator, dtype=dtype)


def test_registry_holds_the_paper_models():
    expected = {
        "lstm",
        "bilstm",
        "lstm-max",
        "lstm-mean",
        "lstm-selfattn",
        "ica-lstm",
        "ica-lstm-max",
        "ica-lstm-mean",
        "ica-lstm-selfattn",
    }
    assert expected <= set(MODELS)


@pytest.mark.parametrize("name", sorted(sequence_models()))
def test_every_model_returns_logits(name):
    model = build_model(name, n_features=5, n_classes=3)  # default options
    x = torch.randn(4, 9, 5)
    logits = model(x)
    assert logits.shape == (4, 3)
    assert logits.dtype == torch.float32
    assert torch.isfinite(logits).all()
    # Logits, not probabilities: rows do not sum to one and values leave [0, 1].
    model.eval()
    with torch.no_grad():
        for p in model.classifier.parameters():
            p.mul_(50.0)
        logits = model(x)
    assert not torch.allclose(logits.sum(dim=1), torch.ones(4))
    assert (logits < 0).any() or (logits > 1).any()


@pytest.mark.parametrize("name", sorted(sequence_models()))
def test_every_model_backpropagates_to_the_input(name):
    model = _build(name).eval()
    x = torch.randn(2, 6, 5, requires_grad=True)
    model(x)[:, 1].sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


@pytest.mark.parametrize("name", sorted(sequence_models()))
def test_one_sample_one_step(name):
    model = _build(name).eval()
    assert model(torch.randn(1, 1, 5)).shape == (1, 3)


def test_unknown_model_names_the_argument_and_lists_choices():
    with pytest.raises(ValueError, match=r"^model: ") as info:
        build_model("transformerx", n_features=3, n_classes=2)
    message = str(info.value)
    assert "transformerx" in message
    for name in MODELS:
        assert name in message


def test_unknown_option_is_refused():
    with pytest.raises(ValueError, match=r"^options: .*hiden_size") as info:
        build_model("lstm", n_features=3, n_classes=2, hiden_size=4)
    assert "hidden_size" in str(info.value)  # lists what it does take


@pytest.mark.parametrize(
    ("name", "option", "value"),
    [
        ("ica-lstm", "input_cell", False),
        ("lstm", "input_cell", True),
        ("lstm-max", "readout", "mean"),
        ("bilstm", "bidirectional", False),
        ("lstm", "bidirectional", True),
    ],
)
def test_option_fixed_by_the_name_is_refused(name, option, value):
    with pytest.raises(ValueError, match=rf"^options: .*{option}.*fixed"):
        build_model(name, n_features=3, n_classes=2, **{option: value})


@pytest.mark.parametrize("name", sorted(sequence_models()))
def test_config_rebuilds_an_identical_architecture(name):
    model = _build(name, n_features=6, n_classes=4)
    config = json.loads(json.dumps(model.config))  # checkpoints store it as JSON
    assert config["name"] == name
    rebuilt = build_model(
        config["name"], n_features=config["n_features"], n_classes=config["n_classes"], **config["options"]
    )
    assert str(rebuilt) == str(model)
    state, rebuilt_state = model.state_dict(), rebuilt.state_dict()
    assert list(state) == list(rebuilt_state)
    for key in state:
        assert state[key].shape == rebuilt_state[key].shape, key
    rebuilt.load_state_dict(state)
    x = torch.randn(3, 7, 6)
    torch.testing.assert_close(rebuilt.eval()(x), model.eval()(x), atol=0, rtol=0)


def test_input_cell_options_reach_the_attention():
    model = build_model("ica-lstm", n_features=6, n_classes=2, r=3, d_a=4, hop_pooling="mean")
    assert model.attention.r == 3 and model.attention.d_a == 4 and model.attention.pooling == "mean"
    assert model.lstm.input_size == 6
    model = build_model("ica-lstm", n_features=6, n_classes=2, r=3, d_a=4, hop_pooling="flatten")
    assert model.lstm.input_size == 18
    assert build_model("lstm", n_features=6, n_classes=2).attention is None


def test_input_cell_lstm_initialisation_is_xavier_with_zero_biases():
    torch.manual_seed(0)
    model = build_model("ica-lstm", n_features=10, n_classes=2, r=4, d_a=5, hidden_size=5)
    for name, parameter in model.lstm.named_parameters():
        if "bias" in name:
            assert torch.equal(parameter.detach(), torch.zeros_like(parameter)), name
        else:
            fan_out, fan_in = parameter.shape
            assert parameter.abs().max() <= (6.0 / (fan_in + fan_out)) ** 0.5


@pytest.mark.parametrize("name", sorted(sequence_models()))
def test_forward_errors_name_x(name):
    model = _build(name)
    with pytest.raises(ValueError, match=r"^x: .*\(B, T, F\)"):
        model(torch.randn(9, 5))
    with pytest.raises(ValueError, match=r"^x: expected 5 features"):
        model(torch.randn(2, 9, 4))


def test_constructor_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^readout: "):
        RecurrentClassifier(3, 2, readout="first")
    with pytest.raises(ValueError, match=r"^hidden_size: "):
        RecurrentClassifier(3, 2, hidden_size=0)
    with pytest.raises(ValueError, match=r"^n_classes: "):
        RecurrentClassifier(3, 0)
    with pytest.raises(ValueError, match=r"^hop_pooling|^pooling: "):
        RecurrentClassifier(3, 2, input_cell=True, hop_pooling="sum")


# ---------------------------------------------------------------------------------------------
# Bi-LSTM: forward state at the last step, backward state at the first step
# ---------------------------------------------------------------------------------------------


def test_bilstm_reads_backward_direction_at_the_first_step():
    model = _build("bilstm").double().eval()
    hidden = model.lstm.hidden_size
    x = _x()
    out = model.lstm(x)[0]  # (B, T, 2H): forward half then backward half
    summary = torch.cat([out[:, -1, :hidden], out[:, 0, hidden:]], dim=-1)
    expected = summary @ model.classifier.weight.T + model.classifier.bias
    torch.testing.assert_close(model(x), expected, atol=1e-12, rtol=1e-12)
    # The same from the explicit cell loops of both directions.
    torch.testing.assert_close(model(x), classifier_loop(model, x), atol=1e-10, rtol=1e-10)
    backward = lstm_cell_loop(model.lstm, x, reverse=True)
    torch.testing.assert_close(out[..., hidden:], backward, atol=1e-12, rtol=1e-12)


def test_bilstm_backward_half_sees_the_whole_sequence():
    model = _build("bilstm").double().eval()
    hidden = model.lstm.hidden_size
    with torch.no_grad():
        model.classifier.weight[:, :hidden] = 0.0  # logits now come from the backward half only
    x = _x().requires_grad_(True)
    (grad,) = torch.autograd.grad(model(x)[:, 0].sum(), x)
    per_step = grad.abs().sum(dim=(0, 2))
    # Read at the first step, the backward state has seen every x_t. (Read at the last step, as in
    # the original code, it would have seen x_{T−1} only and all other gradients would be zero.)
    assert (per_step > 0).all()

    with torch.no_grad():
        model.classifier.weight[:, :hidden] = 1.0
        model.classifier.weight[:, hidden:] = 0.0  # forward half only: also every step
    (grad,) = torch.autograd.grad(model(x)[:, 0].sum(), x)
    assert (grad.abs().sum(dim=(0, 2)) > 0).all()


# ---------------------------------------------------------------------------------------------
# Variable lengths: padded input with ``lengths`` equals each sample run alone, unpadded
# ---------------------------------------------------------------------------------------------


def _padded_batch(n_steps=8, n_features=5):
    lengths = torch.tensor([n_steps, 5, 1, 3])
    x = _x(batch=4, n_steps=n_steps, n_features=n_features)
    garbage = _x(batch=4, n_steps=n_steps, n_features=n_features, seed=9) * 5 + 3
    valid = torch.arange(n_steps).unsqueeze(0) < lengths.unsqueeze(1)
    return torch.where(valid.unsqueeze(-1), x, garbage), lengths


@pytest.mark.parametrize("name", sorted(sequence_models()))
def test_lengths_match_unpadded_samples(name):
    model = _build(name).double().eval()
    x, lengths = _padded_batch()
    out = model(x, lengths)
    assert out.shape == (4, 3)
    for i, length in enumerate(lengths.tolist()):
        alone = model(x[i : i + 1, :length])
        torch.testing.assert_close(out[i : i + 1], alone, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(sequence_models()))
def test_full_lengths_equal_no_lengths(name):
    model = _build(name).double().eval()
    x = _x(batch=3, n_steps=7)
    torch.testing.assert_close(model(x, torch.tensor([7, 7, 7])), model(x), atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("hop_pooling", ["flatten", "mean"])
def test_lengths_with_partial_attention_match_unpadded_samples(hop_pooling):
    model = _build("ica-lstm", partial_steps=3, hop_pooling=hop_pooling).double().eval()
    x, lengths = _padded_batch()
    out = model(x, lengths)
    for i, length in enumerate(lengths.tolist()):
        torch.testing.assert_close(out[i : i + 1], model(x[i : i + 1, :length]), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize(
    "lengths",
    [
        torch.tensor([7, 0]),  # empty sequence
        torch.tensor([8, 2]),  # longer than T
        torch.tensor([7]),  # one length for two samples
        torch.tensor([[7, 2]]),  # not (B,)
        torch.tensor([7.0, 2.0]),  # not integers
    ],
    ids=["zero", "too-long", "wrong-count", "2d", "float"],
)
def test_bad_lengths_name_the_argument(lengths):
    model = _build("lstm").eval()
    with pytest.raises((ValueError, TypeError), match=r"^lengths: "):
        model(torch.randn(2, 7, 5), lengths)


def test_seeded_build_is_reproducible_and_leaves_global_rng_alone():
    state = torch.random.get_rng_state()
    first = build_model("ica-lstm", n_features=4, n_classes=2, r=2, d_a=3, seed=11)
    assert torch.equal(torch.random.get_rng_state(), state)
    second = build_model("ica-lstm", n_features=4, n_classes=2, r=2, d_a=3, seed=11)
    other = build_model("ica-lstm", n_features=4, n_classes=2, r=2, d_a=3, seed=12)
    for (name, a), b in zip(first.state_dict().items(), second.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    assert any(
        not torch.equal(a, c)
        for a, c in zip(first.state_dict().values(), other.state_dict().values(), strict=True)
    )


def test_model_options_list_what_the_model_takes_with_defaults():
    # The papers' defaults as documented in RecurrentClassifier and TCNClassifier (written out by hand);
    # a plain LSTM lists no attention sizes, an input-cell one no self-attention sizes.
    recurrent = {
        "hidden_size": 5, "r": 20, "d_a": 50, "hop_pooling": "flatten", "partial_steps": None,
        "attn_r": 20, "attn_d_a": 50, "dropout": 0.1,
    }  # fmt: skip
    plain = {"hidden_size": 5, "dropout": 0.1}
    assert model_options("lstm", preset="paper") == plain  # input_cell, bidirectional, readout: by the name
    assert model_options("lstm") == {**plain, "hidden_size": 64}
    assert model_options("lstm-selfattn", preset="paper") == {**plain, "attn_r": 20, "attn_d_a": 50}
    ica = {k: v for k, v in recurrent.items() if not k.startswith("attn")}
    assert model_options("ica-lstm", preset="paper") == ica
    partial = {k: v for k, v in ica.items() if k != "partial_steps"}
    assert model_options("ica-lstm-partial", "paper") == partial
    assert model_options("tcn", preset="paper") == {
        "hidden_size": 5, "levels": 3, "last_channels": 50, "kernel_size": 4, "dropout": 0.1,
        "conv_init": "normal",
    }  # fmt: skip
    for name in MODELS:  # every listed option is accepted, with its default, by build_model
        assert set(model_options(name)).isdisjoint(MODELS[name].implied)
    model = build_model("tcn", n_features=3, n_classes=2, **model_options("tcn", preset="paper"))
    assert model.channels == [5, 5, 50]
    with pytest.raises(ValueError, match=r"^model: expected one of .*bilstm-text"):
        model_options("gru")


def test_register_model_refuses_an_option_without_default():
    class NoDefault(torch.nn.Module):
        def __init__(self, n_features: int, n_classes: int, *, width: int) -> None:
            super().__init__()

    with pytest.raises(ValueError, match=r"^factory: option 'width' of 'no-default' needs a default"):
        register_model("no-default", NoDefault, "No default")
    assert "no-default" not in MODELS
