"""Benchmark metrics (masks, weighted precision/recall, AUP/AUR, masked accuracy) against references.

References: hand-computed tiny cases, and the per-sample loops of ``reference_benchmark_metrics``
written from the definitions in original-behaviour.md §2.9–2.13.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import reference_benchmark_metrics as ref
from salience.metrics import (
    ACCURACY_LEVELS,
    LEVEL_METRICS,
    MASS_LEVELS,
    METRICS,
    aup,
    aupr,
    aur,
    diff_scores,
    ground_truth_scores,
    masked_accuracy_area,
    masked_accuracy_curve,
    metric_info,
    precision_recall_curve,
    saliency_distribution,
    saliency_mass_counts,
    saliency_mass_masks,
    weighted_precision_recall,
)

UNITS = ("cell", "time", "feature")


def _random_case(seed: int, n: int = 6, t: int = 5, f: int = 4, ties: bool = False):
    """Signed saliency (with an all-zero and a constant sample), box masks, lengths in [1, T]."""
    rng = np.random.default_rng(seed)
    saliency = rng.integers(-3, 4, size=(n, t, f)).astype(np.float64) if ties else rng.normal(size=(n, t, f))
    saliency[1] = 0.0  # all-zero map
    saliency[2] = 2.5  # constant map: ŝ = 0 as well
    mask = np.zeros((n, t, f), dtype=bool)
    for i in range(n):
        t0, f0 = rng.integers(0, t), rng.integers(0, f)
        t1, f1 = rng.integers(t0 + 1, t + 1), rng.integers(f0 + 1, f + 1)
        mask[i, t0:t1, f0:f1] = True
    mask[3] = rng.random((t, f)) < 0.3  # not a box; may even be empty
    lengths = rng.integers(1, t + 1, size=n)
    lengths[0] = t
    return saliency, mask, lengths


def _assert_same(actual: torch.Tensor, expected: np.ndarray) -> None:
    np.testing.assert_allclose(actual.numpy(), expected, rtol=0, atol=1e-12, equal_nan=True)


# --- masks ----------------------------------------------------------------------------------------


def test_mask_hand_example() -> None:
    # ŝ = [[1, .75], [.25, 0]], Σ = 2; top-X shares .5, .875, 1 → X = 1 up to p = .5, 2 up to .8,
    # then 3 (the cap #cells − 1 = 3 also applies at p = 1).
    saliency = torch.tensor([[[4.0, 3.0], [1.0, 0.0]]])
    counts = saliency_mass_counts(saliency, levels=(*MASS_LEVELS, 1.0))
    assert counts[:, 0].tolist() == [1, 1, 1, 1, 1, 2, 2, 2, 3, 3]
    masks = saliency_mass_masks(saliency)
    assert masks.shape == (9, 1, 2, 2) and masks.dtype == torch.bool
    assert masks[0, 0].tolist() == [[True, False], [False, False]]
    assert masks[5, 0].tolist() == [[True, True], [False, False]]
    assert masks[8, 0].tolist() == [[True, True], [True, False]]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ties", [False, True])
def test_masks_match_incremental_reference(seed: int, ties: bool) -> None:
    saliency, _, lengths = _random_case(seed, ties=ties)
    np.testing.assert_array_equal(saliency_mass_masks(saliency).numpy(), ref.masks(saliency))
    np.testing.assert_array_equal(
        saliency_mass_masks(torch.from_numpy(saliency), lengths=lengths).numpy(),
        ref.masks(saliency, lengths=lengths),
    )


@pytest.mark.parametrize("seed", [3, 4])
def test_incremental_search_equals_direct_definition(seed: int) -> None:
    # The original continues the search from the previous level; with increasing levels that is the
    # smallest X reaching p at every level, which is what the library computes directly.
    rng = np.random.default_rng(seed)
    for _ in range(20):
        s = rng.exponential(size=rng.integers(2, 30)) * (rng.random() < 0.9)
        assert ref.mask_sizes_incremental(s, MASS_LEVELS) == ref.mask_sizes_direct(s, MASS_LEVELS)
        sample = torch.from_numpy(s).view(1, -1, 1)  # the library rescales: compare on ŝ
        expected = ref.mask_sizes_direct(ref.rescale(s[:, None]).ravel(), MASS_LEVELS)
        assert saliency_mass_counts(sample)[:, 0].tolist() == expected


def test_ties_keep_index_order_and_masks_are_nested() -> None:
    saliency = torch.tensor([[[1.0, 2.0, 2.0], [2.0, 0.0, 1.0]]])  # three cells tie at the maximum
    masks = saliency_mass_masks(saliency, levels=(0.2, 0.5, 0.7))
    # ŝ = [.5, 1, 1, 1, 0, .5], Σ = 4: X = 1, 2, 3 → cells (0,1), then (0,2), then (1,0)
    assert masks[0, 0].int().tolist() == [[0, 1, 0], [0, 0, 0]]
    assert masks[1, 0].int().tolist() == [[0, 1, 1], [0, 0, 0]]
    assert masks[2, 0].int().tolist() == [[0, 1, 1], [1, 0, 0]]
    rng = np.random.default_rng(5)
    nested = saliency_mass_masks(rng.integers(0, 3, size=(4, 6, 5)).astype(float))
    assert bool((nested[:-1] <= nested[1:]).all())


def test_all_zero_and_single_cell_samples() -> None:
    masks = saliency_mass_masks(torch.zeros(2, 3, 3))
    assert not bool(masks.any())  # documented: an uninformative map selects nothing
    # one valid cell: ŝ = 0 (max = min), so nothing is selected either
    one = saliency_mass_masks(torch.tensor([[[5.0], [9.0]]]), lengths=np.array([1]))
    assert not bool(one.any())
    # the cap: never more than #cells − 1, even at p = 1 (the smallest cell has ŝ = 0 anyway)
    counts = saliency_mass_counts(torch.tensor([[[1.0, 2.0, 3.0]], [[3.0, 1.0, 2.0]]]), levels=(1.0,))
    assert counts.tolist() == [[2, 2]]


def test_lengths_ignore_padding() -> None:
    # Huge saliency in the padding must change nothing: compare with each sample cropped alone.
    saliency, mask, lengths = _random_case(6)
    padded = saliency.copy()
    for i, length in enumerate(lengths):
        padded[i, length:] = 1e6
    masks = saliency_mass_masks(padded, lengths=lengths)
    scores = weighted_precision_recall(padded, mask, lengths=lengths, unit="time")
    for i, length in enumerate(lengths):
        alone = saliency_mass_masks(saliency[i : i + 1, :length])
        assert bool((masks[:, i, :length] == alone[:, 0]).all()) and not bool(masks[:, i, length:].any())
        p_alone, r_alone = weighted_precision_recall(saliency[i : i + 1, :length], mask[i : i + 1, :length],
                                                     unit="time")  # fmt: skip
        _assert_same(scores[0][:, i], p_alone[:, 0].numpy())
        _assert_same(scores[1][:, i], r_alone[:, 0].numpy())


# --- weighted precision / recall --------------------------------------------------------------


def _hand_case():
    # ŝ = [[1, .75], [.25, 0]]; G = {(0,0), (1,0)}: Σ_G ŝ = 1.25. Levels: X = 1 (p ≤ .5), 2, 3 (p = .9).
    saliency = torch.tensor([[[4.0, -3.0], [1.0, 0.0]]])
    mask = torch.tensor([[[True, False], [True, False]]])
    return saliency, mask


def test_cell_precision_recall_by_hand() -> None:
    saliency, mask = _hand_case()
    precision, recall = precision_recall_curve(saliency, mask)
    # X=1: P = {1}: 1/1, 1/1.25;  X=2: P = {1, .75}: 1/1.75, .8;  X=3: 1.25/2, 1.25/1.25
    expected_p = [1.0] * 5 + [4 / 7] * 3 + [0.625]
    expected_r = [0.8] * 8 + [1.0]
    np.testing.assert_allclose(precision.numpy(), expected_p, atol=1e-15)
    np.testing.assert_allclose(recall.numpy(), expected_r, atol=1e-15)
    # trapezoid with spacing .1: .1 · (y0/2 + y1 + … + y7 + y8/2)
    assert aup(saliency, mask) == pytest.approx(0.1 * (0.5 + 4 + 12 / 7 + 0.3125), abs=1e-14)
    assert aur(saliency, mask) == pytest.approx(0.1 * (0.4 + 0.8 * 7 + 0.5), abs=1e-14)
    # recall ties at .8 add no area; the one step .8 → 1 joins precision 4/7 and .625
    assert aupr(saliency, mask) == pytest.approx(0.2 * (4 / 7 + 0.625) / 2, abs=1e-14)


def test_time_and_feature_precision_recall_by_hand() -> None:
    saliency, mask = _hand_case()
    # box: 2 rows long, 1 column wide. Rows [1, .75], [.25, 0] are both true.
    # corrected K_row = 1: weights 1, .25; reference K_row = 2: weights .875, .125
    # row 0 selected for X = 1, 2; both rows for X = 3.
    for top_k, w0, w1 in (("corrected", 1.0, 0.25), ("reference", 0.875, 0.125)):
        p, r = precision_recall_curve(saliency, mask, levels=(0.5, 0.8, 0.9), unit="time", top_k=top_k)
        np.testing.assert_allclose(p.numpy(), [1.0, 1.0, 1.0], atol=1e-15)
        np.testing.assert_allclose(r.numpy(), [w0 / (w0 + w1), w0 / (w0 + w1), 1.0], atol=1e-15)
    # columns [1, .25] (true) and [.75, 0]; corrected K_col = 2: .625, .375; reference K_col = 1: 1, .75
    # X = 1 selects column 0; X = 2, 3 select both.
    for top_k, w0, w1 in (("corrected", 0.625, 0.375), ("reference", 1.0, 0.75)):
        p, r = precision_recall_curve(saliency, mask, levels=(0.5, 0.8, 0.9), unit="feature", top_k=top_k)
        np.testing.assert_allclose(p.numpy(), [1.0, w0 / (w0 + w1), w0 / (w0 + w1)], atol=1e-15)
        np.testing.assert_allclose(r.numpy(), [1.0, 1.0, 1.0], atol=1e-15)


def test_perfect_map_areas() -> None:
    mask = torch.zeros(3, 6, 5, dtype=torch.bool)
    mask[:, 1:3, 0:5] = True  # ten cells: X = 10 p, recall = p exactly, precision 1
    saliency = mask.double() * torch.tensor([1.0, -2.0, 7.0]).view(3, 1, 1)
    assert aup(saliency, mask) == pytest.approx(0.8, abs=1e-14)
    assert aur(saliency, mask) == pytest.approx(0.4, abs=1e-14)  # trapezoid of p over .1 … .9
    assert aupr(saliency, mask) == pytest.approx(0.8, abs=1e-14)  # precision 1 for recall .1 … .9


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("top_k", ["corrected", "reference"])
def test_precision_recall_match_reference(seed: int, unit: str, top_k: str) -> None:
    saliency, mask, lengths = _random_case(seed, ties=seed == 2)
    for use_lengths in (None, lengths):
        expected_p, expected_r = ref.precision_recall(saliency, mask, MASS_LEVELS, use_lengths, unit, top_k)
        precision, recall = weighted_precision_recall(
            saliency, mask, lengths=use_lengths, unit=unit, top_k=top_k
        )
        assert precision.shape == (9, 6) and precision.dtype == torch.float64
        _assert_same(precision, expected_p)
        _assert_same(recall, expected_r)
        curve_p, curve_r = precision_recall_curve(saliency, mask, lengths=use_lengths, unit=unit, top_k=top_k)
        _assert_same(curve_p, ref.mean_over_counted(expected_p))
        _assert_same(curve_r, ref.mean_over_counted(expected_r))


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("top_k", ["corrected", "reference"])
def test_ground_truth_scores_match_reference(seed: int, top_k: str) -> None:
    saliency, mask, lengths = _random_case(seed, n=8, t=6, f=5)
    for use_lengths in (None, lengths):
        got = ground_truth_scores(torch.from_numpy(saliency).float(), mask, lengths=use_lengths, top_k=top_k)
        # float32 saliency is rescaled in float64, like the reference does with the float32 values
        expected = ref.scores(saliency.astype(np.float32), mask, MASS_LEVELS, use_lengths, top_k)
        assert set(got) == set(expected)
        for key, value in expected.items():
            assert got[key] == pytest.approx(value, abs=1e-12, nan_ok=True), key
        assert got["aup"] == pytest.approx(
            aup(saliency.astype(np.float32), mask, lengths=use_lengths), abs=1e-12
        )


def test_area_ranges_on_random_maps() -> None:
    rng = np.random.default_rng(8)
    for _ in range(5):
        saliency, mask, _ = _random_case(int(rng.integers(1000)))
        scores = ground_truth_scores(saliency * rng.exponential(size=saliency.shape), mask)
        for key, value in scores.items():
            low, high = metric_info(key).range
            assert low - 1e-12 <= value <= high + 1e-12, key


def test_samples_without_denominator_are_left_out() -> None:
    saliency = torch.tensor([[[4.0, 3.0], [1.0, 0.0]], [[2.0, 1.0], [0.0, 0.0]]])
    mask = torch.tensor([[[True, False], [False, False]], [[False, False], [False, False]]])
    precision, recall = weighted_precision_recall(saliency, mask, levels=(0.5,))
    # sample 1 has an empty mask: precision 0 (counted), recall undefined (left out)
    assert precision[0].tolist() == [1.0, 0.0]
    assert recall[0, 0].item() == 1.0 and math.isnan(recall[0, 1].item())
    curve_p, curve_r = precision_recall_curve(saliency, mask, levels=(0.5,))
    assert curve_p.tolist() == [0.5] and curve_r.tolist() == [1.0]
    zero = torch.zeros(2, 2, 2)
    assert math.isnan(aup(zero, mask)) and math.isnan(aur(zero, mask)) and math.isnan(aupr(zero, mask))
    assert all(math.isnan(v) for v in ground_truth_scores(zero, mask).values())


def test_diff_scores() -> None:
    assert diff_scores({"aup": 0.5, "aur": 0.3, "aupr": 1.0}, {"aup": 0.2, "aur": 0.4}) == pytest.approx(
        {"diff_aup": 0.3, "diff_aur": -0.1}
    )
    with pytest.raises(ValueError, match=r"baseline: .*aur"):
        diff_scores({"aup": 0.5, "aur": 0.3}, {"aup": 0.2})


# --- saliency distribution ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_distribution_matches_reference(seed: int) -> None:
    saliency, _, lengths = _random_case(seed, ties=seed == 1)
    _assert_same(saliency_distribution(saliency), ref.distribution(saliency))
    _assert_same(saliency_distribution(saliency, lengths=lengths), ref.distribution(saliency, lengths))


# --- masked accuracy -----------------------------------------------------------------------------


class _Recorder:
    """predict = a fixed linear read-out; remembers every input it saw."""

    def __init__(self, weights: torch.Tensor) -> None:
        self.weights, self.inputs = weights, []

    def __call__(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        self.inputs.append(x.clone())
        return torch.einsum("ntf,tfc->nc", x.double(), self.weights)


def _accuracy_case(seed: int, n: int = 7, t: int = 4, f: int = 3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, t, f))
    y = rng.integers(0, 2, size=n)
    saliency = rng.normal(size=(n, t, f))
    replacement = rng.normal(size=(t, f))
    weights = torch.from_numpy(rng.normal(size=(t, f, 2)))
    return x, y, saliency, replacement, weights


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("batch_size", [1, 5, 100])
def test_masked_accuracy_matches_reference(seed: int, batch_size: int) -> None:
    x, y, saliency, replacement, weights = _accuracy_case(seed)
    predict = _Recorder(weights)
    scale = lambda v: 2.0 * v - 1.0  # noqa: E731
    expected = ref.masked_accuracy(predict, x, y, saliency, replacement, ACCURACY_LEVELS, scale)
    got = masked_accuracy_curve(predict, x, y, saliency, replacement, scale=scale, batch_size=batch_size)
    assert got.dtype == torch.float64 and got.shape == (11,)
    _assert_same(got, expected)
    per_sample = np.stack([replacement] * len(x)) + 0.1 * np.arange(len(x))[:, None, None]
    expected = ref.masked_accuracy(predict, x, y, saliency, per_sample, ACCURACY_LEVELS, scale)
    got = masked_accuracy_curve(predict, torch.from_numpy(x), y, saliency, per_sample, scale=scale,
                                batch_size=batch_size)  # fmt: skip
    _assert_same(got, expected)


def test_masked_accuracy_level_inputs() -> None:
    # p = 0 sees the raw inputs (scaled), p = 1 the replacement everywhere, 0 < p < 1 the mask.
    x, y, saliency, replacement, weights = _accuracy_case(3, n=3)
    weights[..., 0] = 0.0  # logits [0, positive · x]: never all wrong for these inputs
    predict = _Recorder(weights)
    levels = (0.0, 0.5, 1.0)
    masked_accuracy_curve(predict, x, y, saliency, replacement, scale=lambda v: v + 10.0, levels=levels,
                          batch_size=3)  # fmt: skip
    seen = torch.cat(predict.inputs).view(3, 3, *x.shape[1:]).numpy()
    np.testing.assert_array_equal(seen[0], x + 10.0)
    np.testing.assert_array_equal(seen[2], np.broadcast_to(replacement, x.shape) + 10.0)
    hidden = ref.masks(saliency, levels=(0.5,))[0]
    np.testing.assert_array_equal(seen[1], np.where(hidden, replacement, x) + 10.0)


def test_masked_accuracy_zero_propagates_without_evaluating() -> None:
    # The model is right only on untouched inputs and on the pure replacement; at p = .1 it is all
    # wrong, so p ≥ .2 must be 0 (although p = 1 would score 1) and never reach ``predict``.
    x = torch.arange(1.0, 13.0).view(2, 3, 2)
    replacement = torch.zeros(3, 2)
    y = torch.tensor([1, 1])
    calls = []

    def predict(inputs: torch.Tensor) -> torch.Tensor:
        calls.append(len(inputs))
        untouched = (inputs == x[:1]).all(dim=(1, 2)) | (inputs == x[1:]).all(dim=(1, 2))
        pure = (inputs == 0).all(dim=(1, 2))
        right = (untouched | pure).to(torch.float64)
        return torch.stack([1.0 - right, right], dim=1)

    curve = masked_accuracy_curve(predict, x, y, x.clone(), replacement, batch_size=2)
    assert curve.tolist() == [1.0] + [0.0] * 10
    assert calls == [2, 2]  # p = 0 and p = .1 only
    calls.clear()  # one chunk holding every level: p = 1 is evaluated (right) but still reported 0
    curve = masked_accuracy_curve(predict, x, y, x.clone(), replacement, batch_size=100)
    assert curve.tolist() == [1.0] + [0.0] * 10 and calls == [22]
    curve = masked_accuracy_curve(predict, x, y, x.clone(), replacement, levels=(0.0, 1.0))
    assert curve.tolist() == [1.0, 1.0]


def test_masked_accuracy_with_lengths() -> None:
    x, y, saliency, replacement, weights = _accuracy_case(4, n=5)
    lengths = np.array([4, 1, 2, 3, 4])
    predict = _Recorder(weights)
    expected = ref.masked_accuracy(predict, x, y, saliency, replacement, ACCURACY_LEVELS, lengths=lengths)
    predict.inputs.clear()
    got = masked_accuracy_curve(predict, x, y, saliency, replacement, lengths=lengths, batch_size=4)
    _assert_same(got, expected)
    seen = torch.cat(predict.inputs)[: 11 * 5].view(11, 5, *x.shape[1:]).numpy()
    for i, length in enumerate(lengths):  # padded steps keep their raw values at every level
        np.testing.assert_array_equal(
            seen[:, i, length:], np.broadcast_to(x[i, length:], seen[:, i, length:].shape)
        )


def test_masked_accuracy_area() -> None:
    # the original: trapz(accuracy in %, x = 0.1 … 1.1)
    curve = np.linspace(1.0, 0.0, 11) ** 2
    expected = ref.trapezoid(list(100.0 * curve), [0.1 * (k + 1) for k in range(11)])
    assert masked_accuracy_area(torch.from_numpy(curve)) == pytest.approx(expected, abs=1e-10)
    assert masked_accuracy_area(np.ones(11)) == pytest.approx(100.0)
    assert masked_accuracy_area(np.array([1.0, 0.5, 0.0]), levels=(0.0, 0.5, 1.0)) == pytest.approx(50.0)
    with pytest.raises(ValueError, match=r"curve: .*fractions"):
        masked_accuracy_area(100.0 * curve)
    with pytest.raises(ValueError, match="curve: expected one accuracy per level"):
        masked_accuracy_area(curve[:5])


# --- catalog ----------------------------------------------------------------------------------


def test_catalog_describes_every_stored_name() -> None:
    saliency, mask, _ = _random_case(0)
    names = [*ground_truth_scores(saliency, mask), "diff_aup", "diff_aur", "masked_accuracy_auc"]
    names += [f"masked_accuracy@{round(100 * p)}" for p in ACCURACY_LEVELS]
    names += ["wjac", "wjac_std", "euc", "euc_std", "acc", "accuracy", "late_fraction", "late_mass_fraction"]
    names += ["epochs", "best_epoch", "val_acc", "seconds", "time_precision@30", "feature_recall@12.5"]
    for name in names:
        info = metric_info(name)
        assert info.name == name and info.range[0] < info.range[1]
    assert metric_info("aup").higher_is_better and metric_info("aup").needs_ground_truth
    assert metric_info("euc").higher_is_better is False
    assert metric_info("masked_accuracy_auc").higher_is_better is False
    assert not metric_info("accuracy").needs_ground_truth
    assert "30 %" in metric_info("precision@30").description
    assert set(LEVEL_METRICS) >= {"precision", "recall", "time_precision", "masked_accuracy"}
    assert all(info.name == key for key, info in METRICS.items())
    with pytest.raises(ValueError, match="name: unknown metric 'precision@x'"):
        metric_info("precision@x")
    with pytest.raises(ValueError, match="name: expected the level"):
        metric_info("recall@0")


# --- inputs ---------------------------------------------------------------------------------------


def test_numpy_and_torch_inputs_agree() -> None:
    saliency, mask, lengths = _random_case(9)
    a = ground_truth_scores(saliency, mask, lengths=lengths)
    b = ground_truth_scores(torch.from_numpy(saliency), torch.from_numpy(mask.astype(np.int64)),
                            lengths=torch.from_numpy(lengths))  # fmt: skip
    assert a == pytest.approx(b, nan_ok=True)


def test_bad_inputs_name_the_argument() -> None:
    saliency, mask, _ = _random_case(0)
    with pytest.raises(ValueError, match="mask: expected the shape of saliency"):
        aup(saliency, mask[:, :-1])
    with pytest.raises(ValueError, match="mask: expected a boolean or 0/1 mask"):
        aur(saliency, mask * 2.0)
    with pytest.raises(ValueError, match="mask: expected a boolean or 0/1 mask"):
        aur(saliency, np.where(mask, np.nan, 0.0))
    bad = saliency.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="saliency: expected finite values"):
        ground_truth_scores(bad, mask)
    with pytest.raises(ValueError, match="saliency: expected shape"):
        saliency_mass_masks(saliency[0])
    with pytest.raises(ValueError, match="levels: expected strictly increasing"):
        saliency_mass_masks(saliency, levels=(0.5, 0.2))
    with pytest.raises(ValueError, match="levels: expected numbers in"):
        aup(saliency, mask, levels=(0.0, 0.5))
    with pytest.raises(ValueError, match="top_k: expected one of"):
        aup(saliency, mask, unit="time", top_k="swapped")
    with pytest.raises(ValueError, match="unit: expected one of"):
        weighted_precision_recall(saliency, mask, unit="row")
    with pytest.raises(ValueError, match="lengths: expected values in"):
        saliency_distribution(saliency, lengths=np.array([0, 1, 1, 1, 1, 1]))
    x, y, sal, replacement, weights = _accuracy_case(0)
    predict = _Recorder(weights)
    with pytest.raises(ValueError, match="replacement: expected shape"):
        masked_accuracy_curve(predict, x, y, sal, replacement[:-1])
    with pytest.raises(ValueError, match="saliency: expected the shape of x_raw"):
        masked_accuracy_curve(predict, x, y, sal[:, :-1], replacement)
    with pytest.raises(ValueError, match="y: expected 7 labels"):
        masked_accuracy_curve(predict, x, y[:-1], sal, replacement)
    with pytest.raises(ValueError, match="predict: expected logits"):
        masked_accuracy_curve(lambda v: v.sum(dim=(1, 2)), x, y, sal, replacement)
    with pytest.raises(TypeError, match="predict: expected a callable"):
        masked_accuracy_curve(None, x, y, sal, replacement)
    with pytest.raises(ValueError, match="x_raw: expected finite values"):
        masked_accuracy_curve(predict, np.full_like(x, np.inf), y, sal, replacement)
    with pytest.raises(ValueError, match="scale: expected a tensor of the input shape"):
        masked_accuracy_curve(predict, x, y, sal, replacement, scale=lambda v: v[:, :1])
