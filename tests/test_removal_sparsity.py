"""The accuracy drop by removed-cell fraction, and the sparsity statistics (Gini, near-zero share)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from salience.metrics import (
    REMOVAL_FRACTIONS,
    accuracy_drop_curve,
    fraction_near_zero,
    gini_index,
    masked_accuracy_area,
    removal_counts,
    saliency_histogram,
)

# --- references --------------------------------------------------------------------------------


def _linear_predict(n_steps: int, n_features: int, n_classes: int = 3, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(n_steps * n_features, n_classes, generator=generator, dtype=torch.float64)

    def predict(inputs: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return inputs.reshape(inputs.shape[0], -1).to(torch.float64) @ weight

    return predict


def _loop_curve(predict, x, y, saliency, fractions, fill="first", lengths=None) -> list[float]:
    """One sample and one fraction at a time, with Python sorting: the slow reference."""
    n, n_steps, n_features = x.shape
    accuracies = []
    for d in fractions:
        correct = 0
        for i in range(n):
            valid_steps = n_steps if lengths is None else int(lengths[i])
            cells = [(t, f) for t in range(valid_steps) for f in range(n_features)]
            k = 0 if d == 0 else max(1, int(d * len(cells)))
            # largest first; ties: earlier step, then lower feature
            ranked = sorted(cells, key=lambda c: (-float(saliency[i, c[0], c[1]]), c[0], c[1]))
            sample = x[i].clone()
            for t, f in ranked[:k]:
                if isinstance(fill, str):
                    sample[t, f] = x[i, 0, 0]
                elif isinstance(fill, float):
                    sample[t, f] = fill
                else:
                    sample[t, f] = fill[t, f]
            sample_lengths = None if lengths is None else lengths[i : i + 1]
            logits = predict(sample[None], sample_lengths) if lengths is not None else predict(sample[None])
            correct += int(logits.argmax(dim=1).item() == int(y[i]))
        accuracies.append(correct / n)
    return accuracies


# --- accuracy drop -----------------------------------------------------------------------------


def test_removal_counts_truncate_like_the_original() -> None:
    # int(d · n) in float64, at least 1 cell for d > 0; 0.29 · 100 = 28.999999999999996 → 28.
    assert removal_counts((0.0, 0.1, 0.29, 0.3, 0.9), 784).flatten().tolist() == [0, 78, 227, 235, 705]
    assert removal_counts((0.29,), 100).item() == 28
    assert removal_counts((0.0, 0.01, 1.0), torch.tensor([5, 200])).tolist() == [[0, 0], [1, 2], [5, 200]]


def test_accuracy_drop_hand_made_case() -> None:
    # Two classes; the logits are cell 1 and cell 2 + 0.5. Sample 0 is class 0 (its cell 1 is large),
    # sample 1 is class 1. Removing the top cell (k = max(1, int(0.2 · 3)) = 1) of sample 0 flips it;
    # sample 1's ranking puts a useless cell first, so it survives until k = int(0.7 · 3) = 2, where
    # [0, 1, 0] gives logits (1, 0.5).
    x = torch.tensor([[[0.0, 4.0, 1.0]], [[0.0, 1.0, 3.0]]])
    y = torch.tensor([0, 1])
    saliency = torch.tensor([[[0.0, 9.0, 1.0]], [[5.0, 0.0, 2.0]]])

    def predict(inputs: torch.Tensor) -> torch.Tensor:
        return inputs[:, 0, 1:] + torch.tensor([0.0, 0.5])

    curve = accuracy_drop_curve(predict, x, y, saliency, fractions=(0.0, 0.2, 0.7))
    assert curve.dtype == torch.float64 and curve.tolist() == [1.0, 0.5, 0.0]
    # With the fill 5.0, sample 0's cell 1 becomes 5 (still class 0) and sample 1's cell 0 does not count.
    assert accuracy_drop_curve(predict, x, y, saliency, fractions=(0.2,), fill=5.0).tolist() == [1.0]


@pytest.mark.parametrize("batch_size", [1, 4, 64])
def test_accuracy_drop_matches_a_per_sample_loop(batch_size: int) -> None:
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(11, 4, 3, generator=generator)
    y = torch.randint(0, 3, (11,), generator=generator)
    predict = _linear_predict(4, 3)
    # integer saliency forces many ties, which must be broken by position
    saliency = torch.randint(0, 3, (11, 4, 3), generator=generator).to(torch.float32)
    y = predict(x).argmax(dim=1)  # all correct at d = 0 …
    y[:3] = (y[:3] + 1) % 3  # … but three
    expected = _loop_curve(predict, x, y, saliency, REMOVAL_FRACTIONS)
    curve = accuracy_drop_curve(predict, x, y, saliency, batch_size=batch_size)
    assert curve.tolist() == pytest.approx(expected, abs=1e-12)
    assert curve[0].item() == pytest.approx(8 / 11)
    assert len({round(v, 6) for v in expected}) > 2  # the curve really moves


def test_accuracy_drop_with_lengths_and_array_fill_matches_the_loop() -> None:
    generator = torch.Generator().manual_seed(2)
    x = torch.randn(7, 5, 2, generator=generator)
    saliency = torch.rand(7, 5, 2, generator=generator)
    lengths = torch.tensor([5, 1, 3, 2, 5, 4, 1])
    fill = torch.randn(5, 2, generator=generator)
    predict = _linear_predict(5, 2, seed=3)
    y = predict(x).argmax(dim=1)
    fractions = (0.0, 0.25, 0.5, 0.75, 1.0)
    expected = _loop_curve(predict, x, y, saliency, fractions, fill=fill, lengths=lengths)
    curve = accuracy_drop_curve(predict, x, y, saliency, fractions=fractions, fill=fill, lengths=lengths)
    assert curve.tolist() == pytest.approx(expected, abs=1e-12)
    # padded cells are never replaced: with a huge saliency there, nothing changes
    padded = saliency.clone()
    for i, length in enumerate(lengths.tolist()):
        padded[i, length:] = 100.0
    again = accuracy_drop_curve(predict, x, y, padded, fractions=fractions, fill=fill, lengths=lengths)
    assert again.tolist() == curve.tolist()


def test_accuracy_drop_area_is_the_trapezoid() -> None:
    curve = torch.tensor([1.0, 0.5, 0.25, 0.25])
    # 100 · [(1 + .5)/2 + (.5 + .25)/2 + (.25 + .25)/2] · 0.1
    assert masked_accuracy_area(curve, levels=(0.0, 0.1, 0.2, 0.3)) == pytest.approx(13.75)


def test_accuracy_drop_validates_its_input() -> None:
    x, y, saliency = torch.zeros(2, 3, 2), torch.tensor([0, 1]), torch.zeros(2, 3, 2)

    def predict(inputs: torch.Tensor) -> torch.Tensor:
        return inputs[:, 0, :]

    with pytest.raises(TypeError, match="predict: expected a callable"):
        accuracy_drop_curve("model", x, y, saliency)
    with pytest.raises(ValueError, match=r"saliency: expected the shape of x \(2, 3, 2\)"):
        accuracy_drop_curve(predict, x, y, torch.zeros(2, 3, 3))
    with pytest.raises(ValueError, match="fractions: expected strictly increasing"):
        accuracy_drop_curve(predict, x, y, saliency, fractions=(0.5, 0.1))
    with pytest.raises(ValueError, match=r"fractions: expected numbers in \[0, 1\]"):
        accuracy_drop_curve(predict, x, y, saliency, fractions=(0.0, 1.5))
    with pytest.raises(ValueError, match="fill: expected 'first', a number or an array, got 'mean'"):
        accuracy_drop_curve(predict, x, y, saliency, fill="mean")
    with pytest.raises(ValueError, match=r"fill: expected .* broadcastable to x"):
        accuracy_drop_curve(predict, x, y, saliency, fill=torch.zeros(4, 2))
    with pytest.raises(ValueError, match="saliency: expected finite values"):
        accuracy_drop_curve(predict, x, y, torch.full((2, 3, 2), float("nan")))
    with pytest.raises(ValueError, match="y: expected 2 labels"):
        accuracy_drop_curve(predict, x, torch.tensor([0]), saliency)
    with pytest.raises(ValueError, match=r"predict: expected logits \(2, C\)"):
        accuracy_drop_curve(lambda inputs: inputs.sum(), x, y, saliency)


# --- sparsity ----------------------------------------------------------------------------------


def _pairwise_gini(values: np.ndarray) -> float:
    """The classical Gini: Σ_i Σ_j |c_i − c_j| / (2 n Σ c), equal to Hurley & Rickard's form."""
    c = np.abs(values)
    total = sum(abs(a - b) for a, b in itertools.product(c, c))
    return total / (2 * len(c) * c.sum())


def test_gini_hand_computed_values() -> None:
    n = 7
    one_hot = torch.zeros(1, n)
    one_hot[0, 3] = -2.5
    assert gini_index(one_hot).item() == pytest.approx(1 - 1 / n)
    assert gini_index(torch.full((1, 5, 2), 0.3)).item() == pytest.approx(0.0, abs=1e-12)
    # c = 1, 2, 3, 4: 1 − 2 (1·3.5 + 2·2.5 + 3·1.5 + 4·0.5) / (10 · 4) = 0.25
    assert gini_index(torch.tensor([[4.0, -1.0, 3.0, 2.0]])).item() == pytest.approx(0.25)
    assert torch.isnan(gini_index(torch.zeros(1, 3, 3))).item()


def test_gini_matches_the_pairwise_formula_and_is_scale_invariant() -> None:
    rng = np.random.default_rng(0)
    maps = rng.standard_normal((5, 4, 3)) * rng.random((5, 1, 1))
    gini = gini_index(maps)
    assert gini.dtype == torch.float64 and gini.shape == (5,)
    for i in range(5):
        assert gini[i].item() == pytest.approx(_pairwise_gini(maps[i].ravel()), rel=1e-10)
    torch.testing.assert_close(gini_index(maps * 37.0), gini)


def test_fraction_near_zero_matches_a_loop() -> None:
    rng = np.random.default_rng(1)
    maps = rng.standard_normal((6, 5, 4)) ** 3
    for tolerance in (0.0, 0.01, 0.2):
        values = fraction_near_zero(maps, tolerance=tolerance)
        for i in range(6):
            flat = np.abs(maps[i].ravel())
            expected = sum(v <= tolerance * flat.max() for v in flat) / flat.size
            assert values[i].item() == pytest.approx(expected)
    assert fraction_near_zero(torch.zeros(2, 3)).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match=r"tolerance: expected a number in \[0, 1\], got 2"):
        fraction_near_zero(maps, tolerance=2)


def test_saliency_histogram_scales_each_sample_by_its_peak() -> None:
    maps = torch.tensor([[-4.0, 2.0, 1.0, 0.0], [0.5, 0.5, -0.25, 0.0]])
    # scaled: [-1, .5, .25, 0] and [1, 1, -.5, 0]; bins [-1, -.5), [-.5, 0), [0, .5), [.5, 1]
    fractions, edges = saliency_histogram(maps, bins=4)
    assert edges.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert fractions.tolist() == pytest.approx([1 / 8, 1 / 8, 3 / 8, 3 / 8])


def test_sparsity_input_errors() -> None:
    with pytest.raises(ValueError, match=r"saliency: expected maps \(N, \.\.\.\)"):
        gini_index(torch.zeros(4))
    with pytest.raises(ValueError, match="saliency: expected finite values"):
        gini_index(torch.tensor([[1.0, float("inf")]]))
    with pytest.raises(ValueError, match="bins: expected a positive integer"):
        saliency_histogram(torch.ones(1, 2), bins=0)
