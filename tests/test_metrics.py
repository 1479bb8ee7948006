"""Ground-truth, temporal and classification metrics against hand values and loop references."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from salience.metrics import (
    accuracy,
    class_mean_saliency,
    euclidean_distance,
    late_mass_fraction,
    normalize_saliency,
    saliency_over_time,
    weighted_jaccard,
)

# --- independent references: one sample at a time, in numpy -------------------------------------


def _normalised(sample: np.ndarray) -> np.ndarray:
    s = np.abs(sample).astype(np.float64).ravel()
    low, high = s.min(), s.max()
    return (s - low) / (high - low) if high > low else np.zeros_like(s)


def _loop_wjac_euc(saliency: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    wjac, euc = [], []
    for sample, m in zip(saliency, mask, strict=True):
        s_hat, g = _normalised(sample), m.astype(np.float64).ravel()
        wjac.append(np.minimum(g, s_hat).sum() / np.maximum(g, s_hat).sum())
        euc.append(np.sqrt(((g - s_hat) ** 2).sum()) / np.sqrt((g**2).sum()))
    return np.array(wjac), np.array(euc)


@pytest.fixture
def random_maps() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    saliency = rng.normal(size=(6, 5, 4))
    mask = rng.random((6, 5, 4)) < 0.3
    mask[:, 0, 0] = True  # no empty mask
    return saliency, mask


# --- ground truth ---------------------------------------------------------------------------------


def test_hand_computed_example() -> None:
    # s = |[[-3, 1], [0, 2]]| → min 0, max 3 → ŝ = [[1, 1/3], [0, 2/3]];  g = [[1, 0], [0, 1]]
    # Σ min(g, ŝ) = 1 + 0 + 0 + 2/3 = 5/3;  Σ max(g, ŝ) = 1 + 1/3 + 0 + 1 = 7/3  → WJac = 5/7
    # g − ŝ = [[0, −1/3], [0, 1/3]] → ‖·‖ = √2/3;  ‖g‖ = √2                  → Euc = 1/3
    saliency = torch.tensor([[[-3.0, 1.0], [0.0, 2.0]]])
    mask = torch.tensor([[[True, False], [False, True]]])
    assert weighted_jaccard(saliency, mask).tolist() == pytest.approx([5 / 7], abs=1e-15)
    assert euclidean_distance(saliency, mask).tolist() == pytest.approx([1 / 3], abs=1e-15)
    expected = [[[1.0, 1 / 3], [0.0, 2 / 3]]]
    assert np.allclose(normalize_saliency(saliency).numpy(), expected, atol=1e-15)


def test_matches_loop_reference(random_maps: tuple[np.ndarray, np.ndarray]) -> None:
    saliency, mask = random_maps
    wjac_ref, euc_ref = _loop_wjac_euc(saliency, mask)
    wjac, euc = weighted_jaccard(saliency, mask), euclidean_distance(saliency, mask)
    assert wjac.shape == (6,) and wjac.dtype == torch.float64
    np.testing.assert_allclose(wjac.numpy(), wjac_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(euc.numpy(), euc_ref, rtol=0, atol=1e-12)


def test_float32_torch_and_01_mask_inputs(random_maps: tuple[np.ndarray, np.ndarray]) -> None:
    saliency, mask = random_maps
    s32 = saliency.astype(np.float32)
    wjac_ref, euc_ref = _loop_wjac_euc(s32, mask)
    wjac = weighted_jaccard(torch.from_numpy(s32), torch.from_numpy(mask.astype(np.int64)))
    euc = euclidean_distance(torch.from_numpy(s32), mask.astype(np.float32))
    np.testing.assert_allclose(wjac.numpy(), wjac_ref, atol=1e-12)
    np.testing.assert_allclose(euc.numpy(), euc_ref, atol=1e-12)


def test_perfect_saliency(random_maps: tuple[np.ndarray, np.ndarray]) -> None:
    _, mask = random_maps
    perfect = mask.astype(np.float64)
    assert torch.equal(weighted_jaccard(perfect, mask), torch.ones(6, dtype=torch.float64))
    assert torch.equal(euclidean_distance(perfect, mask), torch.zeros(6, dtype=torch.float64))


def test_sign_and_positive_scale_invariance(random_maps: tuple[np.ndarray, np.ndarray]) -> None:
    saliency, mask = random_maps
    for metric in (weighted_jaccard, euclidean_distance):
        base = metric(saliency, mask).numpy()
        np.testing.assert_allclose(metric(-saliency, mask).numpy(), base, atol=1e-12)
        np.testing.assert_allclose(metric(7.5 * saliency, mask).numpy(), base, atol=1e-12)


def test_constant_saliency_gives_zero_map() -> None:
    saliency = np.full((2, 3, 2), 4.0)
    mask = np.zeros((2, 3, 2), dtype=bool)
    mask[0, 1, 1] = True  # sample 1 keeps an empty mask
    assert torch.equal(normalize_saliency(saliency), torch.zeros(2, 3, 2, dtype=torch.float64))
    # Sample 0: ŝ = 0 → WJac = 0 / Σg = 0, Euc = ‖g‖ / ‖g‖ = 1.
    # Sample 1: g = ŝ = 0 agree exactly → WJac = 1; Euc is 0 / 0 → NaN.
    wjac, euc = weighted_jaccard(saliency, mask), euclidean_distance(saliency, mask)
    assert wjac.tolist() == [0.0, 1.0]
    assert euc[0].item() == 1.0 and math.isnan(euc[1].item())


def test_empty_mask_with_varying_saliency() -> None:
    saliency = np.array([[[0.0, 1.0]]])
    mask = np.zeros((1, 1, 2), dtype=bool)
    assert weighted_jaccard(saliency, mask).tolist() == [0.0]
    assert math.isnan(euclidean_distance(saliency, mask).item())


def test_normalize_saliency_with_lengths() -> None:
    # Sample 0 (length 2): valid |s| = [2, 4, 6, 3] → min 2, max 6; step 2 is padding → 0.
    saliency = torch.tensor([[[2.0, -4.0], [6.0, 3.0], [100.0, 0.0]]])
    s_hat = normalize_saliency(saliency, torch.tensor([2]))
    expected = [[[0.0, 0.5], [1.0, 0.25], [0.0, 0.0]]]
    np.testing.assert_allclose(s_hat.numpy(), expected, atol=1e-15)


@pytest.mark.parametrize(
    ("saliency", "mask", "error", "match"),
    [
        (np.zeros((2, 3)), np.zeros((2, 3)), ValueError, r"saliency: expected shape \(N, T, F\)"),
        (np.zeros((2, 3, 1)), np.zeros((2, 3)), ValueError, "mask: expected shape"),
        (np.zeros((2, 3, 1)), np.zeros((2, 3, 2)), ValueError, "mask: expected the shape of saliency"),
        (np.full((1, 2, 1), np.nan), np.zeros((1, 2, 1)), ValueError, "saliency: expected finite"),
        (np.zeros((1, 2, 1)), np.full((1, 2, 1), 2), ValueError, "mask: expected a boolean or 0/1"),
        (np.zeros((1, 2, 1)), np.full((1, 2, 1), np.nan), ValueError, "mask: expected a boolean or 0/1"),
        ([[[1.0]]], np.zeros((1, 1, 1)), TypeError, "saliency"),
        (np.zeros((1, 1, 1)), [[[True]]], TypeError, "mask"),
    ],
)
def test_errors_name_the_argument(saliency: object, mask: object, error: type, match: str) -> None:
    for metric in (weighted_jaccard, euclidean_distance):
        with pytest.raises(error, match=match):
            metric(saliency, mask)


def test_normalize_saliency_rejects_bad_lengths() -> None:
    with pytest.raises(ValueError, match="lengths"):
        normalize_saliency(np.zeros((2, 3, 1)), np.array([1, 4]))
    with pytest.raises(TypeError, match="lengths"):
        normalize_saliency(np.zeros((2, 3, 1)), np.array([1.0, 2.0]))


# --- temporal -------------------------------------------------------------------------------------


def test_saliency_over_time_hand_example() -> None:
    # ŝ₀ = [[0, 0], [1/3, 1]] → step means [0, 2/3];  ŝ₁ = [[1, 0], [0, 0]] → [1/2, 0]
    saliency = torch.tensor([[[0.0, 0.0], [1.0, 3.0]], [[2.0, 0.0], [0.0, 0.0]]])
    profile = saliency_over_time(saliency)
    np.testing.assert_allclose(profile.numpy(), [0.25, 1 / 3], atol=1e-15)


def test_saliency_over_time_with_lengths_matches_loop() -> None:
    rng = np.random.default_rng(1)
    saliency, lengths = rng.normal(size=(5, 6, 3)), np.array([6, 2, 4, 1, 3])
    sums, counts = np.zeros(6), np.zeros(6)
    for sample, length in zip(saliency, lengths, strict=True):
        s_hat = _normalised(sample[:length]).reshape(length, 3)
        sums[:length] += s_hat.mean(axis=1)
        counts[:length] += 1
    profile = saliency_over_time(saliency, lengths)
    np.testing.assert_allclose(profile.numpy(), sums / counts, atol=1e-12)


def test_saliency_over_time_step_without_samples_is_nan() -> None:
    profile = saliency_over_time(np.ones((2, 3, 1)), np.array([1, 2]))
    assert profile[:2].tolist() == [0.0, 0.0] and math.isnan(profile[2].item())


def test_class_mean_saliency_matches_loop() -> None:
    rng = np.random.default_rng(2)
    saliency, y = rng.normal(size=(7, 4, 3)), np.array([0, 2, 0, 2, 2, 0, 0])
    result = class_mean_saliency(saliency, y, n_classes=4)
    assert result.shape == (4, 4, 3)
    for label in range(4):
        members = [_normalised(s).reshape(4, 3) for s, c in zip(saliency, y, strict=True) if c == label]
        expected = np.mean(members, axis=0) if members else np.zeros((4, 3))  # class 1, 3: zeros
        np.testing.assert_allclose(result[label].numpy(), expected, atol=1e-12)


def test_class_mean_saliency_errors() -> None:
    with pytest.raises(ValueError, match="y: expected labels in"):
        class_mean_saliency(np.ones((2, 2, 1)), np.array([0, 3]), n_classes=3)
    with pytest.raises(ValueError, match="n_classes"):
        class_mean_saliency(np.ones((2, 2, 1)), np.array([0, 1]), n_classes=0)


def test_late_mass_fraction() -> None:
    # T = 5, last 20 % = 1 step: 4 / (1 + 1 + 1 + 1 + 4) = 0.5
    assert late_mass_fraction(torch.tensor([1.0, 1.0, 1.0, 1.0, 4.0])) == 0.5
    # T = 10, last 30 % = 3 steps: (7 + 8 + 9) / Σ 0..9 = 24 / 45
    assert late_mass_fraction(np.arange(10.0), last_fraction=0.3) == pytest.approx(24 / 45, abs=1e-15)
    # NaN steps count as zero mass; the whole profile is the last 100 %.
    assert late_mass_fraction(np.array([1.0, np.nan]), last_fraction=1.0) == 1.0
    assert math.isnan(late_mass_fraction(np.zeros(4)))


@pytest.mark.parametrize(
    ("profile", "fraction", "match"),
    [
        (np.array([1.0, -1.0]), 0.5, "profile: expected non-negative"),
        (np.ones((2, 2)), 0.5, r"profile: expected shape \(T,\)"),
        (np.ones(3), 0.0, "last_fraction"),
        (np.ones(3), 1.5, "last_fraction"),
        (np.array([1.0, np.inf]), 0.5, "profile: expected finite"),
    ],
)
def test_late_mass_fraction_errors(profile: np.ndarray, fraction: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        late_mass_fraction(profile, last_fraction=fraction)


# --- classification -------------------------------------------------------------------------------


def test_accuracy_from_logits_and_labels() -> None:
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [0.0, 1.0, 0.0]])
    y = np.array([0, 1, 1, 1])  # predictions 0, 1, 2, 1 → 3 of 4 right
    assert accuracy(logits, y) == 0.75
    assert accuracy(torch.tensor([0, 1, 2, 1]), torch.tensor(y)) == 0.75


@pytest.mark.parametrize(
    ("scores", "y", "error", "match"),
    [
        (np.zeros((2, 2)), np.array([0, 2]), ValueError, r"y: expected labels in \[0, 2\)"),
        (np.zeros((2, 2)), np.array([0]), ValueError, "y: expected 2 labels"),
        (np.zeros((2, 2, 2)), np.array([0, 1]), ValueError, "logits_or_predictions"),
        (np.array([0.5, 1.0]), np.array([0, 1]), TypeError, "logits_or_predictions"),
        (np.array([[np.nan, 0.0]]), np.array([0]), ValueError, "logits_or_predictions"),
        (np.zeros((0, 2)), np.zeros(0, dtype=np.int64), ValueError, "at least one sample"),
    ],
)
def test_accuracy_errors(scores: np.ndarray, y: np.ndarray, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        accuracy(scores, y)
