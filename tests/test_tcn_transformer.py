"""The benchmark's TCN and Transformer: causality, receptive field, literal reference forwards,
positional encodings, ``lengths``, sizes and the registry.

References are written here from the equations of ``original-behaviour.md`` §2.5: explicit zero
left-padding and per-tap sums for the convolutions (with the weight-norm weight g·v/‖v‖ recomputed
from its parameters), per-head attention with an explicit softmax over j ≤ i, the norm formula and
the positional-encoding formula with ``math``.
"""

from __future__ import annotations

import math

import pytest
import torch
from captum.attr import IntegratedGradients

from salience.models import (
    MODELS,
    TCNClassifier,
    TemporalBlock,
    TransformerClassifier,
    build_model,
    model_label,
    positional_encoding,
)

SMALL_TCN = {"hidden_size": 4, "levels": 3, "last_channels": 6, "kernel_size": 3, "dropout": 0.1}
SMALL_TRANSFORMER = {"n_layers": 2, "n_heads": 2, "d_ff": 8, "dropout": 0.1}


def _x(batch=3, n_steps=10, n_features=4, seed=1, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, n_steps, n_features, generator=generator, dtype=dtype)


def _tcn(n_features=4, n_classes=3, seed=0, **options):
    torch.manual_seed(seed)
    return TCNClassifier(n_features, n_classes, **{**SMALL_TCN, **options}).double().eval()


def _transformer(n_features=4, n_classes=3, seed=0, **options):
    torch.manual_seed(seed)
    return TransformerClassifier(n_features, n_classes, **{**SMALL_TRANSFORMER, **options}).double().eval()


def _padded(x, lengths, fill):
    valid = torch.arange(x.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)
    return torch.where(valid.unsqueeze(-1), x, torch.full_like(x, fill))


# ---------------------------------------------------------------------------------------------
# TCN
# ---------------------------------------------------------------------------------------------


def _weight_norm_weight(conv):
    """g · v / ‖v‖ per output channel, from the parametrization's stored g and v."""
    g = conv.parametrizations.weight.original0
    v = conv.parametrizations.weight.original1
    return g * v / v.pow(2).sum(dim=(1, 2), keepdim=True).sqrt()


def _causal_conv_loop(x, weight, bias, dilation):
    """y[b, o, t] = bias[o] + Σ_c Σ_j weight[o, c, j] · x_pad[b, c, t + j·dilation], x zero-padded left."""
    kernel = weight.shape[2]
    padding = (kernel - 1) * dilation
    padded = torch.cat([x.new_zeros(x.shape[0], x.shape[1], padding), x], dim=2)
    out = x.new_zeros(x.shape[0], weight.shape[0], x.shape[2])
    for t in range(x.shape[2]):
        for j in range(kernel):
            tap = padded[:, :, t + j * dilation]  # (B, C_in)
            out[:, :, t] += tap @ weight[:, :, j].T
        out[:, :, t] += bias
    return out


def _block_reference(block, x, dilation):
    hidden = torch.relu(_causal_conv_loop(x, _weight_norm_weight(block.conv1), block.conv1.bias, dilation))
    out = torch.relu(_causal_conv_loop(hidden, _weight_norm_weight(block.conv2), block.conv2.bias, dilation))
    if block.downsample is None:
        residual = x
    else:
        residual = torch.einsum("oc,bct->bot", block.downsample.weight[:, :, 0], x)
        residual = residual + block.downsample.bias[:, None]
    return torch.relu(out + residual)


@pytest.mark.parametrize(("in_channels", "out_channels", "dilation"), [(3, 5, 1), (5, 5, 4)])
def test_tcn_block_matches_a_literal_reference(in_channels, out_channels, dilation):
    torch.manual_seed(3)
    block = TemporalBlock(in_channels, out_channels, kernel_size=3, dilation=dilation, dropout=0.2)
    block = block.double().eval()
    with torch.no_grad():  # move g away from ‖v‖ so that the weight-norm formula matters
        block.conv1.parametrizations.weight.original0.mul_(1.7)
        block.conv2.parametrizations.weight.original0.mul_(0.6)
    x = _x(batch=2, n_steps=11, n_features=in_channels).transpose(1, 2)
    torch.testing.assert_close(block(x), _block_reference(block, x, dilation), atol=1e-12, rtol=1e-12)
    assert (block.downsample is None) == (in_channels == out_channels)


def test_tcn_classifier_matches_blocks_then_max_then_linear():
    model = _tcn()
    x = _x()
    h = x.transpose(1, 2)
    for i, block in enumerate(model.blocks):
        h = _block_reference(block, h, dilation=2**i)
    expected = h.max(dim=2).values @ model.classifier.weight.T + model.classifier.bias
    torch.testing.assert_close(model(x), expected, atol=1e-12, rtol=1e-12)


def test_tcn_is_causal():
    model = _tcn()
    x = _x(n_steps=12)
    base = model.encode(x)
    for t in (0, 5, 11):
        changed = x.clone()
        changed[:, t] += 3.0
        out = model.encode(changed)
        torch.testing.assert_close(out[:, :t], base[:, :t], atol=0, rtol=0)
        assert (out[:, t] - base[:, t]).abs().max() > 1e-8


@pytest.mark.parametrize(("kernel_size", "levels"), [(3, 3), (2, 4), (4, 3)])
def test_tcn_receptive_field_is_the_gradient_support(kernel_size, levels):
    # 1 + 2·(k − 1)·Σ dilations, with dilations 1, 2, 4, ...
    expected_field = 1 + 2 * (kernel_size - 1) * sum(2**i for i in range(levels))
    model = _tcn(kernel_size=kernel_size, levels=levels, hidden_size=6)
    assert model.receptive_field == expected_field
    with torch.no_grad():  # keep every ReLU active, so that the support is the convolutions' alone
        for block in model.blocks:
            block.conv1.bias.fill_(1.0)
            block.conv2.bias.fill_(1.0)
    n_steps = expected_field + 9
    x = _x(batch=16, n_steps=n_steps).requires_grad_(True)
    (grad,) = torch.autograd.grad(model.encode(x)[:, -1].sum(), x)
    support = (grad != 0).any(dim=(0, 2))
    expected = torch.arange(n_steps) >= n_steps - expected_field
    assert torch.equal(support, expected)


def test_tcn_default_receptive_field_is_the_benchmarks():
    assert TCNClassifier(50, 2).receptive_field == 1 + 2 * (4 - 1) * (1 + 2 + 4) == 43


@pytest.mark.parametrize("n_steps", [3, 57])
def test_tcn_any_sequence_length_pools_the_max_over_all_steps(n_steps):
    model = _tcn()
    x = _x(n_steps=n_steps)
    pooled = model.encode(x).amax(dim=1)
    expected = pooled @ model.classifier.weight.T + model.classifier.bias
    torch.testing.assert_close(model(x), expected, atol=1e-12, rtol=1e-12)


def test_tcn_padding_values_do_not_change_logits():
    model = _tcn()
    lengths = torch.tensor([10, 6, 1])
    x = _x(n_steps=10)
    first = model(_padded(x, lengths, 0.0), lengths)
    for fill in (1e6, float("nan")):
        torch.testing.assert_close(model(_padded(x, lengths, fill), lengths), first, atol=0, rtol=0)
    for i, length in enumerate(lengths.tolist()):
        torch.testing.assert_close(first[i : i + 1], model(x[i : i + 1, :length]), atol=1e-12, rtol=1e-12)


def test_tcn_normal_init_draws_conv_weights_from_n_0_001():
    torch.manual_seed(0)
    model = TCNClassifier(50, 2)
    last = model.blocks[-1]
    weights = [_weight_norm_weight(last.conv1), _weight_norm_weight(last.conv2), last.downsample.weight]
    values = torch.cat([w.detach().flatten() for w in weights])  # 1000 + 10000 + 250 draws
    assert abs(values.std().item() - 0.01) < 0.0005
    assert abs(values.mean().item()) < 0.0005


def test_tcn_benchmark_init_keeps_pytorch_defaults_on_weight_normed_convs():
    torch.manual_seed(0)
    block = TCNClassifier(50, 2, conv_init="benchmark").blocks[-1]  # conv2: 50 → 50, kernel 4
    weight = _weight_norm_weight(block.conv2).detach()
    bound = 1 / math.sqrt(50 * 4)  # kaiming_uniform(a=√5): U(−1/√fan_in, 1/√fan_in)
    assert weight.abs().max() <= bound
    assert abs(weight.std().item() - bound / math.sqrt(3)) < 0.1 * bound / math.sqrt(3)
    assert abs(block.downsample.weight.std().item() - 0.01) < 0.002  # 1×1 conv: N(0, 0.01) regardless


def test_tcn_parameter_count_at_the_benchmark_sizes():
    n_features, hidden, last, kernel, n_classes = 50, 5, 50, 4, 2

    def conv(c_in, c_out, k):  # weight-normed: v (c_out·c_in·k), g (c_out), bias (c_out)
        return c_out * c_in * k + 2 * c_out

    def block(c_in, c_out):
        residual = c_out * c_in + c_out if c_in != c_out else 0
        return conv(c_in, c_out, kernel) + conv(c_out, c_out, kernel) + residual

    expected = block(n_features, hidden) + block(hidden, hidden) + block(hidden, last)
    expected += last * n_classes + n_classes
    model = build_model("tcn", n_features=n_features, n_classes=n_classes, preset="paper")
    assert model.channels == [5, 5, 50]
    assert sum(p.numel() for p in model.parameters()) == expected == 13197


def test_tcn_constructor_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^kernel_size: "):
        TCNClassifier(3, 2, kernel_size=0)
    with pytest.raises(ValueError, match=r"^levels: "):
        TCNClassifier(3, 2, levels=0)
    with pytest.raises(ValueError, match=r"^dropout: "):
        TCNClassifier(3, 2, dropout=1.5)
    with pytest.raises(ValueError, match=r"^conv_init: "):
        TCNClassifier(3, 2, conv_init="xavier")


# ---------------------------------------------------------------------------------------------
# Transformer
# ---------------------------------------------------------------------------------------------


def _pe_formula(n_steps, d_model, variant):
    """§2.5: for even i, PE[pos, i] = sin(pos / 10000^{2i/d}), PE[pos, i+1] = cos(pos / 10000^{2(i+1)/d})
    (benchmark); the standard encoding uses 2i/d for both columns of a pair."""
    table = torch.zeros(n_steps, d_model, dtype=torch.float64)
    for pos in range(n_steps):
        for i in range(0, d_model, 2):
            if variant == "benchmark":
                table[pos, i] = math.sin(pos / 10000 ** (2 * i / d_model))
                if i + 1 < d_model:
                    table[pos, i + 1] = math.cos(pos / 10000 ** (2 * (i + 1) / d_model))
            else:
                table[pos, i] = math.sin(pos / 10000 ** (i / d_model))
                if i + 1 < d_model:
                    table[pos, i + 1] = math.cos(pos / 10000 ** (i / d_model))
    return table


def test_positional_encoding_at_hand_computed_positions():
    benchmark = positional_encoding(4, 4, "benchmark")
    assert benchmark[3].tolist() == pytest.approx(
        [math.sin(3), math.cos(3 / 100), math.sin(3e-4), math.cos(3e-6)]
    )
    standard = positional_encoding(4, 4, "sinusoidal")
    assert standard[3].tolist() == pytest.approx([math.sin(3), math.cos(3), math.sin(0.03), math.cos(0.03)])
    # d = 50, position 7, column 10: exponent 2·10/50 (benchmark) against 10/50 (standard)
    assert positional_encoding(8, 50, "benchmark")[7, 10].item() == pytest.approx(math.sin(7 / 10000**0.4))
    assert positional_encoding(8, 50, "sinusoidal")[7, 11].item() == pytest.approx(math.cos(7 / 10000**0.2))
    assert positional_encoding(1, 6)[0].tolist() == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]


@pytest.mark.parametrize("variant", ["benchmark", "sinusoidal"])
@pytest.mark.parametrize("d_model", [6, 5])
def test_positional_encoding_matches_the_formula(variant, d_model):
    torch.testing.assert_close(
        positional_encoding(13, d_model, variant), _pe_formula(13, d_model, variant), atol=1e-12, rtol=0
    )


def _norm_reference(norm, x):
    mean = x.sum(dim=-1, keepdim=True) / x.shape[-1]
    std = ((x - mean) ** 2).sum(dim=-1, keepdim=True).div(x.shape[-1] - 1).sqrt()
    return norm.alpha * (x - mean) / (std + 1e-6) + norm.beta


def _linear(layer, x):
    return x @ layer.weight.T + layer.bias


def _attention_reference(attention, x, causal):
    batch, n_steps, d_model = x.shape
    n_heads = attention.n_heads
    d_k = d_model // n_heads
    q, k, v = _linear(attention.query, x), _linear(attention.key, x), _linear(attention.value, x)
    heads = []
    for h in range(n_heads):
        cols = slice(h * d_k, (h + 1) * d_k)
        out = x.new_zeros(batch, n_steps, d_k)
        for i in range(n_steps):
            allowed = i + 1 if causal else n_steps
            scores = torch.einsum("bd,bjd->bj", q[:, i, cols], k[:, :allowed, cols]) / math.sqrt(d_k)
            weights = torch.exp(scores - scores.max(dim=1, keepdim=True).values)
            weights = weights / weights.sum(dim=1, keepdim=True)
            out[:, i] = torch.einsum("bj,bjd->bd", weights, v[:, :allowed, cols])
        heads.append(out)
    return _linear(attention.output, torch.cat(heads, dim=-1))


def _layer_reference(layer, x, causal):
    x = x + _attention_reference(layer.attention, _norm_reference(layer.norm1, x), causal)
    first, _, _, second = layer.feed_forward
    hidden = torch.relu(_linear(first, _norm_reference(layer.norm2, x)))
    return x + _linear(second, hidden)


def _perturb_norms(model):
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith(("alpha", "beta")):
                parameter.add_(0.3 * torch.randn_like(parameter))


@pytest.mark.parametrize("causal", [True, False])
def test_transformer_layer_matches_a_literal_reference(causal):
    model = _transformer(n_features=6, n_heads=3, causal=causal)
    _perturb_norms(model)
    layer = model.layers[0]
    x = _x(batch=2, n_steps=7, n_features=6)
    torch.testing.assert_close(
        layer(x, is_causal=causal), _layer_reference(layer, x, causal), atol=1e-12, rtol=1e-10
    )


@pytest.mark.parametrize(("causal", "variant"), [(True, "benchmark"), (False, "sinusoidal")])
def test_transformer_classifier_matches_a_literal_reference(causal, variant):
    model = _transformer(n_features=6, n_heads=2, causal=causal, positional=variant)
    _perturb_norms(model)
    x = _x(batch=2, n_steps=7, n_features=6)
    h = x * math.sqrt(6) + _pe_formula(7, 6, variant)
    for layer in model.layers:
        h = _layer_reference(layer, h, causal)
    pooled = _norm_reference(model.norm, h).max(dim=1).values
    torch.testing.assert_close(model(x), _linear(model.classifier, pooled), atol=1e-10, rtol=1e-10)


def test_transformer_is_causal():
    model = _transformer()
    x = _x(n_steps=9)
    base = model.encode(x)
    for t in (0, 4, 8):
        changed = x.clone()
        changed[:, t] += torch.tensor([3.0, -1.0, 0.5, 2.0], dtype=x.dtype)  # not constant: see below
        out = model.encode(changed)
        torch.testing.assert_close(out[:, :t], base[:, :t], atol=1e-13, rtol=0)
        assert (out[:, t:] - base[:, t:]).abs().amax(dim=(0, 2)).min() > 1e-6  # every later step sees it


@pytest.mark.parametrize("causal", [True, False])
def test_transformer_ignores_a_constant_added_to_all_features_of_a_step(causal):
    # Every sublayer and the final norm read the residual stream through the norm, which removes the
    # mean over features: adding c·(1, ..., 1) at a step changes nothing, so each step's input
    # gradient sums to zero over features.
    model = _transformer(causal=causal)
    x = _x(n_steps=6)
    shifted = x + torch.linspace(-2.0, 3.0, 6, dtype=x.dtype)[None, :, None]
    torch.testing.assert_close(model(shifted), model(x), atol=1e-12, rtol=1e-10)
    x.requires_grad_(True)
    (grad,) = torch.autograd.grad(model(x)[:, 0].sum(), x)
    torch.testing.assert_close(grad.sum(dim=2), torch.zeros(3, 6, dtype=x.dtype), atol=1e-12, rtol=0)
    assert grad.abs().amax() > 1e-3


def test_non_causal_transformer_sees_the_future():
    model = _transformer(causal=False)
    x = _x(n_steps=9)
    changed = x.clone()
    changed[:, -1] += torch.tensor([3.0, -1.0, 0.5, 2.0], dtype=x.dtype)
    assert (model.encode(changed) - model.encode(x))[:, 0].abs().max() > 1e-6


@pytest.mark.parametrize("causal", [True, False])
def test_transformer_padding_does_not_change_logits(causal):
    model = _transformer(causal=causal)
    lengths = torch.tensor([9, 4, 1])
    x = _x(n_steps=9)
    first = model(_padded(x, lengths, 0.0), lengths)
    second = model(_padded(x, lengths, float("nan")), lengths)
    torch.testing.assert_close(first, second, atol=1e-13, rtol=0)
    for i, length in enumerate(lengths.tolist()):
        torch.testing.assert_close(first[i : i + 1], model(x[i : i + 1, :length]), atol=1e-12, rtol=1e-10)


def test_n_heads_must_divide_n_features():
    with pytest.raises(ValueError, match=r"^n_heads: .*n_features = 50.*n_heads = 7"):
        TransformerClassifier(50, 2, n_heads=7)
    with pytest.raises(ValueError, match=r"^n_heads: .*n_features = 6.*n_heads = 4"):
        build_model("transformer", n_features=6, n_classes=2, n_heads=4, preset="paper")
    with pytest.raises(ValueError, match=r"^n_heads: .*d_model = 64.*n_heads = 5"):
        build_model("transformer", n_features=6, n_classes=2, n_heads=5)


def test_transformer_constructor_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^positional: "):
        TransformerClassifier(4, 2, n_heads=2, positional="learned")
    with pytest.raises(ValueError, match=r"^n_features: .*at least 2"):
        TransformerClassifier(1, 2, n_heads=1)
    with pytest.raises(ValueError, match=r"^d_ff: "):
        TransformerClassifier(4, 2, n_heads=2, d_ff=0)


def test_transformer_parameter_count_at_the_benchmark_sizes():
    d, d_ff, n_layers, n_classes = 50, 400, 6, 2

    def linear(n_in, n_out):
        return n_in * n_out + n_out

    norm = 2 * d  # α and β
    layer = 2 * norm + 4 * linear(d, d) + linear(d, d_ff) + linear(d_ff, d)
    expected = n_layers * layer + norm + linear(d, n_classes)
    model = build_model("transformer", n_features=50, n_classes=2, preset="paper")
    assert sum(p.numel() for p in model.parameters()) == expected == 305302
    assert model.layers[0].attention.n_heads == 5 and model.layers[0].attention.d_k == 10


# ---------------------------------------------------------------------------------------------
# Both
# ---------------------------------------------------------------------------------------------

BOTH = [("tcn", SMALL_TCN), ("transformer", SMALL_TRANSFORMER)]


def test_registry_names_and_labels():
    assert MODELS["tcn"].factory is TCNClassifier
    assert MODELS["transformer"].factory is TransformerClassifier
    assert model_label("tcn") == "TCN" and model_label("transformer") == "Transformer"
    model = build_model("tcn", n_features=50, n_classes=2, seed=0, levels=2, last_channels=7, hidden_size=5)
    assert isinstance(model, TCNClassifier) and model.channels == [5, 7]
    assert model.config == {
        "name": "tcn",
        "n_features": 50,
        "n_classes": 2,
        # every option is recorded: the given ones, the others at their (real-data) defaults
        "options": {"levels": 2, "last_channels": 7, "hidden_size": 5, "kernel_size": 4, "dropout": 0.1,
                    "conv_init": "benchmark"},
    }  # fmt: skip
    model = build_model("transformer", n_features=50, n_classes=2, causal=False, n_layers=1)
    assert isinstance(model, TransformerClassifier) and not model.causal and len(model.layers) == 1


@pytest.mark.parametrize(("name", "options"), BOTH)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_logits_shape_dtype_and_finite_input_gradients(name, options, dtype):
    model = build_model(name, n_features=4, n_classes=3, seed=0, **options).to(dtype).eval()
    x = _x(batch=5, n_steps=8, dtype=dtype).requires_grad_(True)
    logits = model(x)
    assert logits.shape == (5, 3) and logits.dtype == dtype
    (grad,) = torch.autograd.grad(logits[:, 1].sum(), x)
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0


@pytest.mark.parametrize(("name", "options"), BOTH)
def test_input_gradient_matches_finite_differences(name, options):
    model = build_model(name, n_features=4, n_classes=2, seed=0, **options).double().eval()
    x = _x(batch=2, n_steps=6).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda inputs: model(inputs), (x,), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize(("name", "options"), BOTH)
def test_integrated_gradients_complete_the_logit_difference(name, options):
    model = build_model(name, n_features=4, n_classes=2, seed=0, **options).double().eval()
    x = _x(batch=2, n_steps=6)
    baseline = torch.zeros_like(x)
    attributions = IntegratedGradients(model).attribute(x, baseline, target=1, n_steps=200)
    difference = model(x)[:, 1] - model(baseline)[:, 1]
    torch.testing.assert_close(attributions.sum(dim=(1, 2)), difference, atol=2e-2, rtol=2e-2)


@pytest.mark.parametrize(("name", "options"), BOTH)
def test_eval_is_deterministic_and_train_mode_applies_dropout(name, options):
    model = build_model(name, n_features=4, n_classes=3, seed=0, **options).double()
    x = _x()
    model.eval()
    torch.testing.assert_close(model(x), model(x), atol=0, rtol=0)
    model.train()
    torch.manual_seed(5)
    first = model(x)
    torch.manual_seed(5)
    torch.testing.assert_close(model(x), first, atol=0, rtol=0)  # seeded dropout repeats
    assert not torch.allclose(model(x), first)


@pytest.mark.parametrize(("name", "options"), BOTH)
def test_full_lengths_equal_no_lengths(name, options):
    model = build_model(name, n_features=4, n_classes=3, seed=0, **options).double().eval()
    x = _x(n_steps=7)
    torch.testing.assert_close(model(x, lengths=torch.tensor([7, 7, 7])), model(x), atol=1e-12, rtol=0)


@pytest.mark.parametrize(("name", "options"), BOTH)
def test_forward_errors_name_x_and_lengths(name, options):
    model = build_model(name, n_features=4, n_classes=3, **options)
    with pytest.raises(ValueError, match=r"^x: .*\(B, T, F\)"):
        model(torch.randn(9, 4))
    with pytest.raises(ValueError, match=r"^x: expected 4 features"):
        model(torch.randn(2, 9, 5))
    with pytest.raises(ValueError, match=r"^lengths: "):
        model(torch.randn(2, 9, 4), torch.tensor([9, 10]))
