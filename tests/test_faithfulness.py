"""Deletion and insertion curves and time-series AOPC against hand-computed values on a linear
model and a slow per-sample, per-fraction loop written here from the definitions (Petsiuk et al.
2018; DeYoung et al. 2020), plus padding, ties, baselines and the comparison table."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from salience.metrics import (
    CURVE_FRACTIONS,
    ERASER_LEVELS,
    TABLE_COLUMNS,
    aopc_scores,
    cell_ranks,
    deletion_curve,
    faithfulness_table,
    insertion_curve,
    metric_info,
    perturbation_curve,
)

pytestmark = pytest.mark.usefixtures("one_thread")


class Linear2(nn.Module):
    """logits = (Σ_valid w·x, 0): p_0 = sigmoid of the weighted sum over the valid steps."""

    def __init__(self, w: torch.Tensor) -> None:
        super().__init__()
        self.w = nn.Parameter(w.to(torch.float64))
        self.seen: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        self.seen.append((x.detach().clone(), lengths))
        terms = x * self.w
        if lengths is not None:
            valid = torch.arange(x.shape[1])[None, :, None] < lengths[:, None, None]
            terms = torch.where(valid, terms, 0.0)
        score = terms.sum(dim=(1, 2))
        return torch.stack([score, torch.zeros_like(score)], dim=1)


def sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def _reference_order(s: torch.Tensor, n_valid_steps: int, order: str) -> list[tuple[int, int]]:
    cells = [(t, f) for t in range(n_valid_steps) for f in range(s.shape[1])]
    sign = -1.0 if order == "morf" else 1.0
    return sorted(cells, key=lambda c: (sign * float(s[c]), c[0] * s.shape[1] + c[1]))


def _probability(model: nn.Module, x: torch.Tensor, length: int | None, target: int) -> float:
    lengths = None if length is None else torch.tensor([length])
    logits = model(x[None]) if lengths is None else model(x[None], lengths=lengths)
    return float(torch.softmax(logits.detach().double(), dim=1)[0, target])


def reference_curve(model, x, s, kind, order, fractions, baseline, lengths=None, target=None):
    """The definition, one sample and one fraction at a time."""
    curves, areas, targets = [], [], []
    for i in range(x.shape[0]):
        length = None if lengths is None else int(lengths[i])
        steps = x.shape[1] if length is None else length
        n_cells = steps * x.shape[2]
        ranked = _reference_order(s[i], steps, order)
        clean = _probability(model, x[i], length, 0)
        j = (0 if clean >= 0.5 else 1) if target is None else int(target[i])
        row = []
        for f in fractions:
            k = math.floor(f * n_cells + 1e-9)
            if kind == "deletion":
                z = x[i].clone()
                for c in ranked[:k]:
                    z[c] = baseline[i][c]
            else:
                z = x[i].clone()
                for c in ranked:
                    z[c] = baseline[i][c]
                for c in ranked[:k]:
                    z[c] = x[i][c]
            row.append(_probability(model, z, length, j))
        area = sum((fractions[m + 1] - fractions[m]) * (row[m] + row[m + 1]) / 2 for m in range(len(row) - 1))
        curves.append(row)
        areas.append(area)
        targets.append(j)
    return torch.tensor(curves, dtype=torch.float64), torch.tensor(areas, dtype=torch.float64), targets


def reference_aopc(model, x, s, levels, baseline, lengths=None):
    comp, suff = [], []
    for i in range(x.shape[0]):
        length = None if lengths is None else int(lengths[i])
        steps = x.shape[1] if length is None else length
        n_cells = steps * x.shape[2]
        ranked = _reference_order(s[i], steps, "morf")
        p = _probability(model, x[i], length, 0)
        j = 0 if p >= 0.5 else 1
        p = p if j == 0 else 1 - p
        c_row, s_row = [], []
        for level in levels:
            k = max(1, math.floor(level * n_cells + 1e-9))
            removed, kept = x[i].clone(), x[i].clone()
            for c in ranked[:k]:
                removed[c] = baseline[i][c]
            for c in ranked[k:]:
                kept[c] = baseline[i][c]
            c_row.append(p - _probability(model, removed, length, j))
            s_row.append(p - _probability(model, kept, length, j))
        comp.append(sum(c_row) / len(c_row))
        suff.append(sum(s_row) / len(s_row))
    return torch.tensor(comp, dtype=torch.float64), torch.tensor(suff, dtype=torch.float64)


def _data(seed: int = 0, n: int = 5, t: int = 6, f: int = 3):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, t, f, generator=g, dtype=torch.float64)
    s = torch.randn(n, t, f, generator=g, dtype=torch.float64)
    s[0, 1, :] = 0.25  # ties within a sample
    s[1] = 1.0  # a fully tied sample
    model = Linear2(torch.randn(t, f, generator=g))
    return model, x, s


def test_linear_model_closed_form():
    # logit_0 = 3·x_0 + 2·x_1 + 1·x_2 + 0·x_3 with x = 1: p_0 = sigmoid(remaining weight)
    model = Linear2(torch.tensor([[3.0], [2.0], [1.0], [0.0]]))
    x = torch.ones(1, 4, 1, dtype=torch.float64)
    saliency = model.w.detach()[None] * x
    fractions = (0.0, 0.25, 0.5, 0.75, 1.0)
    deletion = deletion_curve(model, x, saliency, fractions=fractions)
    insertion = insertion_curve(model, x, saliency, fractions=fractions)
    lerf = deletion_curve(model, x, saliency, order="lerf", fractions=fractions)
    for curve, logits in ((deletion, (6, 3, 1, 0, 0)), (insertion, (0, 3, 5, 6, 6)), (lerf, (6, 6, 5, 3, 0))):
        assert curve.probability[0].tolist() == pytest.approx([sigmoid(v) for v in logits], abs=1e-12)
    expected_area = 0.25 * sum((sigmoid(a) + sigmoid(b)) / 2 for a, b in [(6, 3), (3, 1), (1, 0), (0, 0)])
    assert deletion.mean_area == pytest.approx(expected_area, abs=1e-12)
    assert deletion.target.tolist() == [0]
    # AOPC: 4 cells, k = max(1, ⌊level·4⌋) = 1, 1, 1, 1, 2 for levels 1, 5, 10, 20, 50 %
    scores = aopc_scores(model, x, saliency)
    p = sigmoid(6)
    comp = [p - sigmoid(3)] * 4 + [p - sigmoid(1)]
    suff = [p - sigmoid(3)] * 4 + [p - sigmoid(5)]
    assert scores.comprehensiveness_curve[0].tolist() == pytest.approx(comp, abs=1e-12)
    assert scores.sufficiency_curve[0].tolist() == pytest.approx(suff, abs=1e-12)
    assert float(scores.comprehensiveness[0]) == pytest.approx(sum(comp) / 5, abs=1e-12)


@pytest.mark.parametrize("kind", ["deletion", "insertion"])
@pytest.mark.parametrize("order", ["morf", "lerf"])
def test_curves_match_the_reference_loop(kind, order):
    model, x, s = _data()
    fractions = (0.0, 0.1, 1 / 3, 0.5, 0.9, 1.0)
    baseline = torch.full_like(x, 0.5)
    curve = perturbation_curve(model, x, s, kind=kind, order=order, fractions=fractions, baseline=0.5,
                               batch_size=4)  # fmt: skip
    expected, areas, targets = reference_curve(model, x, s, kind, order, fractions, baseline)
    torch.testing.assert_close(curve.probability, expected, rtol=0, atol=1e-10)
    torch.testing.assert_close(curve.area, areas, rtol=0, atol=1e-10)
    assert curve.target.tolist() == targets
    assert curve.mean_area == pytest.approx(float(areas.mean()), abs=1e-10)


def test_curves_with_padding_match_the_reference_and_never_touch_padding():
    model, x, s = _data(seed=1)
    lengths = torch.tensor([6, 2, 4, 1, 5])
    x_padded = x.clone()
    for i, length in enumerate(lengths.tolist()):
        x_padded[i, length:] = 7.0  # padding values that would matter if perturbed or read
    mean = torch.tensor([0.1, -0.2, 0.3], dtype=torch.float64)
    baseline = mean.expand_as(x)
    for kind in ("deletion", "insertion"):
        model.seen.clear()
        curve = perturbation_curve(model, x_padded, s, kind=kind, lengths=lengths, baseline="mean",
                                   feature_mean=mean, fractions=CURVE_FRACTIONS, batch_size=7)  # fmt: skip
        assert len(model.seen) > 1 and any(bool((b[0] == 7.0).any()) for b in model.seen)
        for batch, batch_lengths in model.seen:  # every padded cell the model saw is the original 7.0
            padded = (torch.arange(6)[None, :, None] >= batch_lengths[:, None, None]).expand_as(batch)
            assert bool((batch[padded] == 7.0).all())
            assert not bool((batch[~padded] == 7.0).any())
        expected, areas, _ = reference_curve(
            model, x_padded, s, kind, "morf", CURVE_FRACTIONS, baseline, lengths
        )
        torch.testing.assert_close(curve.probability, expected, rtol=0, atol=1e-10)
        torch.testing.assert_close(curve.area, areas, rtol=0, atol=1e-10)
    # saliency on padded cells does not change anything
    s2 = s.clone()
    s2[1, 2:] = 100.0
    a = deletion_curve(model, x_padded, s, lengths=lengths).probability
    b = deletion_curve(model, x_padded, s2, lengths=lengths).probability
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_padded_cells_are_not_counted():
    model = Linear2(torch.ones(4, 1))
    x = torch.ones(1, 4, 1, dtype=torch.float64)
    # two valid cells: at 0.5 exactly one is deleted, whatever the padding
    curve = deletion_curve(model, x, torch.tensor([[[1.0], [2.0], [9.0], [9.0]]]), lengths=torch.tensor([2]),
                           fractions=(0.0, 0.5, 1.0))  # fmt: skip
    assert curve.probability[0].tolist() == pytest.approx([sigmoid(2), sigmoid(1), sigmoid(0)], abs=1e-12)


def test_aopc_matches_the_reference_loop_with_and_without_padding():
    model, x, s = _data(seed=2, t=10)
    baseline = torch.zeros_like(x)
    scores = aopc_scores(model, x, s, batch_size=3)
    comp, suff = reference_aopc(model, x, s, ERASER_LEVELS, baseline)
    torch.testing.assert_close(scores.comprehensiveness, comp, rtol=0, atol=1e-10)
    torch.testing.assert_close(scores.sufficiency, suff, rtol=0, atol=1e-10)
    lengths = torch.tensor([10, 3, 7, 1, 9])
    scores = aopc_scores(model, x, s, lengths=lengths, levels=(0.1, 0.3, 1.0))
    comp, suff = reference_aopc(model, x, s, (0.1, 0.3, 1.0), baseline, lengths)
    torch.testing.assert_close(scores.comprehensiveness, comp, rtol=0, atol=1e-10)
    torch.testing.assert_close(scores.sufficiency, suff, rtol=0, atol=1e-10)
    assert scores.levels == (0.1, 0.3, 1.0)


def test_ties_go_to_the_lower_flat_index_in_both_orders():
    s = torch.tensor([[[1.0, 1.0], [1.0, 0.0]]])
    valid = torch.ones_like(s, dtype=torch.bool)
    assert cell_ranks(s, valid, "morf").tolist() == [[[0, 1], [2, 3]]]
    assert cell_ranks(s, valid, "lerf").tolist() == [[[1, 2], [3, 0]]]
    valid[0, 0, 0] = False
    assert cell_ranks(s, valid, "morf").tolist() == [[[3, 0], [1, 2]]]


def test_target_batch_size_and_baseline_tensor():
    model, x, s = _data(seed=3)
    target = torch.tensor([1, 0, 1, 1, 0])
    baseline = torch.randn(6, 3, dtype=torch.float64)
    one = insertion_curve(model, x, s, target=target, baseline=baseline, batch_size=1)
    many = insertion_curve(model, x, s, target=target, baseline=baseline, batch_size=1000)
    torch.testing.assert_close(one.probability, many.probability, rtol=0, atol=1e-12)
    expected, _, _ = reference_curve(model, x, s, "insertion", "morf", CURVE_FRACTIONS,
                                     baseline.expand_as(x), target=target)  # fmt: skip
    torch.testing.assert_close(one.probability, expected, rtol=0, atol=1e-10)
    assert one.target.tolist() == target.tolist()


def test_model_mode_is_restored_and_float32_models_work():
    net = nn.Sequential(nn.Flatten(), nn.Linear(6, 3), nn.Dropout(0.5))
    net.train()
    curve = deletion_curve(net, torch.rand(4, 3, 2), torch.rand(4, 3, 2))
    assert net.training
    assert curve.probability.dtype == torch.float64
    again = deletion_curve(net, torch.rand(4, 3, 2), torch.rand(4, 3, 2))  # eval: no dropout noise
    assert again.probability.shape == (4, len(CURVE_FRACTIONS))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"baseline": "median"}, "baseline"),
        ({"baseline": "mean"}, "feature_mean"),
        ({"baseline": "mean", "feature_mean": torch.zeros(2)}, "feature_mean"),
        ({"baseline": torch.zeros(5, 3)}, "baseline"),
        ({"order": "random"}, "order"),
        ({"kind": "both"}, "kind"),
        ({"fractions": (0.5, 0.2)}, "fractions"),
        ({"target": torch.tensor([0, 1, 2, 0, 0])}, "target"),
        ({"lengths": torch.tensor([7, 1, 1, 1, 1])}, "lengths"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_errors_name_the_argument(options, message):
    model, x, s = _data()
    with pytest.raises((ValueError, TypeError), match=f"^{message}"):
        perturbation_curve(model, x, s, **options)


def test_shape_and_input_errors():
    model, x, s = _data()
    with pytest.raises(ValueError, match=r"^saliency"):
        deletion_curve(model, x, s[:, :2])
    with pytest.raises(TypeError, match=r"^model"):
        deletion_curve(lambda v: v, x, s)
    with pytest.raises(ValueError, match=r"^levels"):
        aopc_scores(model, x, s, levels=(0.0, 0.5))


def test_faithfulness_table_rows_equal_the_single_metrics():
    model, x, s = _data(seed=4)
    lengths = torch.tensor([6, 3, 4, 2, 5])
    maps = {"signed": s, "input": x}
    rows = faithfulness_table(model, x, maps, lengths=lengths, baseline=0.0, absolute=True, batch_size=5)
    assert [row["method"] for row in rows] == ["signed", "input"]
    for row, ranking in zip(rows, (s.abs(), x.abs()), strict=True):
        assert list(row) == list(TABLE_COLUMNS)
        deletion = deletion_curve(model, x, ranking, lengths=lengths).mean_area
        assert row["deletion_auc"] == pytest.approx(deletion)
        insertion = insertion_curve(model, x, ranking, lengths=lengths).mean_area
        assert row["insertion_auc"] == pytest.approx(insertion)
        lerf = deletion_curve(model, x, ranking, order="lerf", lengths=lengths).mean_area
        assert row["deletion_lerf_auc"] == pytest.approx(lerf)
        aopc = aopc_scores(model, x, ranking, lengths=lengths)
        assert row["comprehensiveness"] == pytest.approx(float(aopc.comprehensiveness.mean()))
        assert row["sufficiency"] == pytest.approx(float(aopc.sufficiency.mean()))
    with pytest.raises(ValueError, match=r"^maps_by_method"):
        faithfulness_table(model, x, {})


def test_a_faithful_map_beats_a_reversed_one():
    model = Linear2(torch.linspace(-1, 2, 12).reshape(6, 2))
    x = torch.ones(8, 6, 2, dtype=torch.float64)
    good = model.w.detach().expand_as(x)
    target = torch.zeros(8, dtype=torch.int64)
    rows = faithfulness_table(model, x, {"good": good, "reversed": -good}, target=target)
    good_row, bad_row = rows
    assert good_row["deletion_auc"] < bad_row["deletion_auc"]
    assert good_row["insertion_auc"] > bad_row["insertion_auc"]
    assert good_row["comprehensiveness"] > bad_row["comprehensiveness"]
    assert good_row["sufficiency"] < bad_row["sufficiency"]


def test_catalog_entries():
    assert metric_info("deletion_auc").higher_is_better is False
    assert metric_info("insertion_auc").higher_is_better is True
    assert metric_info("deletion_lerf_auc").higher_is_better is True
    assert metric_info("comprehensiveness").higher_is_better is True
    assert metric_info("sufficiency").higher_is_better is False
    assert metric_info("randomization_spearman").higher_is_better is False
    names = ("deletion_auc", "insertion_auc", "comprehensiveness", "sufficiency", "randomization_spearman")
    for name in names:
        assert metric_info(name).needs_ground_truth is False
