"""Vectorised input-cell attention against the per-step loop of the paper's equations."""

from __future__ import annotations

import math

import pytest
import torch

from reference_input_cell import classifier_loop, input_cell_loop
from salience.models import InputCellAttention, build_model
from salience.models import input_cell as input_cell_module

TOL = {"atol": 1e-10, "rtol": 1e-10}


def _attention(pooling: str, *, n_features: int = 5, r: int = 4, d_a: int = 6, seed: int = 0, **kw):
    torch.manual_seed(seed)
    module = InputCellAttention(n_features, r=r, d_a=d_a, pooling=pooling, **kw).double()
    # Non-zero biases so that b₁ and b₂ are exercised too (they start at zero).
    with torch.no_grad():
        module.w1.bias.normal_(0.0, 0.5)
        module.w2.bias.normal_(0.0, 0.5)
    return module


def _input(batch: int = 3, n_steps: int = 11, n_features: int = 5, seed: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, n_steps, n_features, generator=generator, dtype=torch.float64)


def _outputs_and_grads(module, fn, x):
    """fn(x) and the gradients of a random projection of it w.r.t. x and every parameter."""
    x = x.clone().requires_grad_(True)
    out = fn(x)
    weights = torch.randn(out.shape, generator=torch.Generator().manual_seed(7), dtype=out.dtype)
    params = [p for _, p in sorted(module.named_parameters())]
    grads = torch.autograd.grad((out * weights).sum(), [x, *params])
    return out.detach(), grads


def _assert_matches_loop(module, x, **tol):
    tol = tol or TOL
    out, grads = _outputs_and_grads(module, module, x)
    ref_out, ref_grads = _outputs_and_grads(module, lambda v: input_cell_loop(module, v), x)
    torch.testing.assert_close(out, ref_out, **tol)
    names = ["x", *sorted(name for name, _ in module.named_parameters())]
    assert len(grads) == len(ref_grads) == len(names)
    for name, grad, ref_grad in zip(names, grads, ref_grads, strict=True):
        torch.testing.assert_close(grad, ref_grad, **tol, msg=lambda m, n=name: f"grad of {n}: {m}")
    return out


# ---------------------------------------------------------------------------------------------
# Equality with the loop: outputs and gradients
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pooling", ["mean", "flatten"])
@pytest.mark.parametrize("block_size", [1, 3, 11, 40])
def test_matches_loop_outputs_and_gradients(pooling, block_size):
    n_steps = 11  # block sizes 1, 3 (uneven last block), T and larger than T
    module = _attention(pooling, block_size=block_size)
    _assert_matches_loop(module, _input(n_steps=n_steps))


@pytest.mark.parametrize("pooling", ["mean", "flatten"])
@pytest.mark.parametrize("partial_steps", [1, 4, 11, 50])
def test_partial_attention_matches_loop(pooling, partial_steps):
    module = _attention(pooling, partial_steps=partial_steps, block_size=3)
    out = _assert_matches_loop(module, _input(n_steps=11))
    if partial_steps < 11:
        # Before the window each step is x_t itself (hop mean) or r copies of it, normalised.
        x = _input(n_steps=11)
        early = x[:, : 11 - partial_steps]
        if pooling == "mean":
            torch.testing.assert_close(out[:, : 11 - partial_steps], early, **TOL)
        else:
            copies = early.repeat(1, 1, module.r)
            copies = copies / copies.norm(dim=-1, keepdim=True)
            torch.testing.assert_close(out[:, : 11 - partial_steps], copies, **TOL)


@pytest.mark.parametrize("pooling", ["mean", "flatten"])
def test_single_step_and_single_sample(pooling):
    module = _attention(pooling, block_size=2)
    _assert_matches_loop(module, _input(batch=1, n_steps=1))
    _assert_matches_loop(module, _input(batch=2, n_steps=2))


@pytest.mark.parametrize("pooling", ["mean", "flatten"])
@pytest.mark.parametrize("block_size", [1, 3, 11, 40])
@pytest.mark.parametrize("partial_steps", [None, 5])
def test_huge_scores_take_the_running_max_path_and_match_loop(
    pooling, block_size, partial_steps, monkeypatch
):
    module = _attention(pooling, block_size=block_size, partial_steps=partial_steps)
    with torch.no_grad():
        module.w2.weight.mul_(1e4)
    x = _input(n_steps=11)
    scores = module.scores(x).detach()
    spread = float((scores.amax(dim=1) - scores.amin(dim=1)).max())
    assert spread > -math.log(torch.finfo(torch.float64).tiny)  # e^{-spread} underflows to 0

    calls = []
    original = input_cell_module._prefix_attention_running_max

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(input_cell_module, "_prefix_attention_running_max", spy)
    out = module(x)
    assert calls, "huge scores must use the running-max path"
    assert torch.isfinite(out).all()
    # Softmax is nearly one-hot here; the loop's torch.softmax is stable, so they still agree.
    torch.testing.assert_close(out, input_cell_loop(module, x), **TOL)
    _, grads = _outputs_and_grads(module, module, x)
    _, ref_grads = _outputs_and_grads(module, lambda v: input_cell_loop(module, v), x)
    for grad, ref_grad in zip(grads, ref_grads, strict=True):
        assert torch.isfinite(grad).all()
        torch.testing.assert_close(grad, ref_grad, **TOL)


@pytest.mark.parametrize("pooling", ["mean", "flatten"])
def test_float32_large_scores_stay_finite_and_close(pooling):
    module = _attention(pooling, block_size=4)
    with torch.no_grad():
        module.w2.weight.mul_(60.0)  # spread beyond float32's safe range, well inside float64's
    x = _input(n_steps=11)
    reference = input_cell_loop(module, x)
    out = module.float()(x.float())
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out.double(), reference, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("block_size", [1, 3, 11, 40])
def test_shifted_and_running_max_paths_agree(block_size):
    generator = torch.Generator().manual_seed(3)
    s = torch.randn(2, 11, 4, generator=generator, dtype=torch.float64) * 3
    x = torch.randn(2, 11, 5, generator=generator, dtype=torch.float64)
    running = input_cell_module._prefix_attention_running_max(s, x, block_size)
    assert running.shape == (2, 11, 4, 5)
    flat = input_cell_module._prefix_attention_shifted(s, x, "flatten", block_size)
    mean = input_cell_module._prefix_attention_shifted(s, x, "mean", block_size)
    flattened = running.flatten(start_dim=2)
    torch.testing.assert_close(flat, flattened / flattened.norm(dim=-1, keepdim=True), **TOL)
    torch.testing.assert_close(mean, running.mean(dim=2), **TOL)
    # And both are the prefix softmax written out directly.
    for t in range(11):
        weights = torch.softmax(s[:, : t + 1], dim=1)  # (B, t+1, r)
        expected = torch.einsum("bjk,bjf->bkf", weights, x[:, : t + 1])
        torch.testing.assert_close(running[:, t], expected, **TOL)


# ---------------------------------------------------------------------------------------------
# Contract: shapes, normalisation, causality, parameters, initialisation, errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("pooling", "size"), [("flatten", 4 * 5), ("mean", 5)])
def test_shape_contract(pooling, size):
    module = InputCellAttention(5, r=4, d_a=6, pooling=pooling)
    assert module.output_size == size
    out = module(torch.randn(3, 7, 5))
    assert out.shape == (3, 7, size)
    assert out.dtype == torch.float32


def test_flatten_outputs_have_unit_norm_per_step():
    module = _attention("flatten")
    out = module(_input(n_steps=9) * 10)
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(3, 9, dtype=torch.float64), **TOL)


@pytest.mark.parametrize("pooling", ["mean", "flatten"])
@pytest.mark.parametrize("block_size", [2, 64])
def test_causal(pooling, block_size):
    module = _attention(pooling, block_size=block_size)
    x = _input(n_steps=10)
    base = module(x)
    for t in (0, 3, 9):
        changed = x.clone()
        changed[:, t] += torch.randn_like(changed[:, t]) * 5
        out = module(changed)
        # Exact up to rounding: the per-hop shift is the maximum over the whole sequence, which a
        # later step can change (the result does not depend on it mathematically).
        torch.testing.assert_close(out[:, :t], base[:, :t], atol=1e-14, rtol=0)
        assert (out[:, t:] - base[:, t:]).abs().amax(dim=(0, 2)).min() > 0  # every later step moves
    # Gradients are exactly causal: no earlier output depends on a later input.
    x = x.clone().requires_grad_(True)
    out = module(x)
    for t in (1, 5, 9):
        (grad,) = torch.autograd.grad(out[:, :t].sum(), x, retain_graph=True)
        assert torch.equal(grad[:, t:], torch.zeros_like(grad[:, t:]))
        assert (grad[:, :t].abs().sum(dim=(0, 2)) > 0).all()


def test_parameters_are_w1_and_w2_linear_layers():
    module = InputCellAttention(7, r=3, d_a=5)
    assert isinstance(module.w1, torch.nn.Linear) and isinstance(module.w2, torch.nn.Linear)
    assert (module.w1.in_features, module.w1.out_features) == (7, 5)
    assert (module.w2.in_features, module.w2.out_features) == (5, 3)
    assert module.w1.bias is not None and module.w2.bias is not None
    assert sorted(name for name, _ in module.named_parameters()) == [
        "w1.bias",
        "w1.weight",
        "w2.bias",
        "w2.weight",
    ]


def test_xavier_uniform_weights_and_zero_biases():
    torch.manual_seed(0)
    module = InputCellAttention(100, r=20, d_a=50)
    for layer in (module.w1, module.w2):
        fan_out, fan_in = layer.weight.shape
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        weight = layer.weight.detach()
        assert weight.abs().max() <= bound
        # Uniform(−a, a) has sd a/√3; PyTorch's default Linear init would give a different spread.
        assert weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.1)
        assert torch.equal(layer.bias.detach(), torch.zeros_like(layer.bias))


def test_input_errors_name_the_argument():
    module = InputCellAttention(5, r=2, d_a=3)
    with pytest.raises(ValueError, match=r"^x: .*\(B, T, F\)"):
        module(torch.randn(7, 5))
    with pytest.raises(ValueError, match=r"^x: .*\(B, T, F\)"):
        module(torch.randn(1, 2, 7, 5))
    with pytest.raises(ValueError, match=r"^x: expected 5 features, got 4"):
        module(torch.randn(2, 7, 4))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"pooling": "max"}, "pooling"),
        ({"pooling": "Flatten"}, "pooling"),
        ({"r": 0}, "r"),
        ({"d_a": -1}, "d_a"),
        ({"block_size": 0}, "block_size"),
        ({"partial_steps": 0}, "partial_steps"),
        ({"n_features": 0}, "n_features"),
    ],
)
def test_constructor_errors_name_the_argument(kwargs, argument):
    options = {"n_features": 5, **kwargs}
    with pytest.raises(ValueError, match=rf"^{argument}: "):
        InputCellAttention(**options)


def test_bad_pooling_lists_the_choices():
    with pytest.raises(ValueError, match="flatten") as info:
        InputCellAttention(5, pooling="sum")
    assert "mean" in str(info.value)


# ---------------------------------------------------------------------------------------------
# Full classifiers against the loop
# ---------------------------------------------------------------------------------------------


_CLASSIFIER_CASES = [
    *[
        (name, pooling)
        for name in ("ica-lstm", "ica-lstm-max", "ica-lstm-mean", "ica-lstm-selfattn")
        for pooling in ("flatten", "mean")
    ],
    ("lstm", None),
    ("lstm-max", None),
    ("lstm-mean", None),
    ("lstm-selfattn", None),
]


@pytest.mark.parametrize(("name", "hop_pooling"), _CLASSIFIER_CASES)
def test_classifier_matches_loop(name, hop_pooling):
    options = {"hidden_size": 4, "attn_r": 3, "attn_d_a": 5}
    if hop_pooling is not None:
        options.update(r=3, d_a=4, hop_pooling=hop_pooling)
    torch.manual_seed(0)
    model = build_model(name, n_features=5, n_classes=3, **options).double().eval()
    with torch.no_grad():  # non-zero LSTM biases, so both bias vectors are exercised
        model.lstm.bias_ih_l0.normal_(0.0, 0.3)
        model.lstm.bias_hh_l0.normal_(0.0, 0.3)
    x = _input(batch=3, n_steps=9)
    logits = model(x)
    assert logits.shape == (3, 3)
    torch.testing.assert_close(logits, classifier_loop(model, x), **TOL)


def test_classifier_with_partial_attention_matches_loop():
    torch.manual_seed(0)
    model = build_model("ica-lstm", n_features=5, n_classes=2, r=3, d_a=4, partial_steps=3)
    model = model.double().eval()
    x = _input(batch=2, n_steps=8)
    torch.testing.assert_close(model(x), classifier_loop(model, x), **TOL)
