"""The 10 layouts × 7 processes of the time-series benchmark (original-behaviour.md §2.2) and the
min-max scaling of its preprocessing (§2.4)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from salience.data import (
    LAYOUTS,
    PROCESSES,
    Dataset,
    MinMaxScaler,
    benchmark_datasets,
    benchmark_name,
    box_bounds,
    make_benchmark,
    make_signal_free,
    parse_benchmark_name,
)

# ---------------------------------------------------------------------------------------------
# §2.2's table, written out again on the 50 × 50 grid:
# name -> (box time size, box feature size, time start, feature start), a start being an int
# (fixed), ("random", last) for uniform 0 … last, or ("label", start for label 1, start for label 0).
# ---------------------------------------------------------------------------------------------
TABLE = {
    "Middle": (30, 30, 10, 10),
    "SmallMiddle": (14, 14, 18, 18),
    "Moving_Middle": (30, 30, ("random", 19), ("random", 19)),
    "Moving_SmallMiddle": (15, 15, ("random", 34), ("random", 34)),
    "RareTime": (6, 40, 22, 5),
    "Moving_RareTime": (6, 40, ("random", 43), ("random", 9)),
    "RareFeature": (40, 6, 5, 22),
    "Moving_RareFeature": (40, 6, ("random", 9), ("random", 43)),
    "PositionalTime": (20, 20, ("random", 29), ("label", 1, 29)),
    "PositionalFeature": (20, 20, ("label", 1, 29), ("random", 29)),
}
POSITIONAL = {"PositionalTime", "PositionalFeature"}


def _rectangle(n_steps, n_features, t0, t1, f0, f1) -> np.ndarray:
    cells = np.zeros((n_steps, n_features), dtype=bool)
    for t in range(t0, t1):
        for f in range(f0, f1):
            cells[t, f] = True
    return cells


# ---------------------------------------------------------------------------------------------
# layouts
# ---------------------------------------------------------------------------------------------


def test_layout_names_and_order_match_the_table():
    assert list(LAYOUTS) == list(TABLE)
    assert PROCESSES == (
        "Box",
        "Harmonic",
        "GaussianProcess",
        "PseudoPeriodic",
        "AutoRegressive",
        "CAR",
        "NARMA",
    )


@pytest.mark.parametrize("layout", list(TABLE))
def test_box_positions_and_sizes_match_the_table(layout):
    size_t, size_f, time_start, feature_start = TABLE[layout]
    ds = make_benchmark(layout, "Box", n=1000, seed=3)
    bounds = box_bounds(ds.mask)
    np.testing.assert_array_equal(bounds[:, 1] - bounds[:, 0], size_t)
    np.testing.assert_array_equal(bounds[:, 3] - bounds[:, 2], size_f)
    for column, spec in ((0, time_start), (2, feature_start)):
        starts = bounds[:, column]
        if isinstance(spec, int):
            np.testing.assert_array_equal(starts, spec)
        elif spec[0] == "random":  # uniform on 0 … last: all values reached, none beyond
            assert set(starts.tolist()) == set(range(spec[1] + 1))
        else:
            np.testing.assert_array_equal(starts[ds.y == 1], spec[1])
            np.testing.assert_array_equal(starts[ds.y == 0], spec[2])
    for i in range(0, 1000, 97):  # the mask is exactly the solid box
        expected = _rectangle(50, 50, *bounds[i])
        np.testing.assert_array_equal(ds.mask[i], expected)


def test_moving_starts_are_independent_across_axes():
    bounds = box_bounds(make_benchmark("Moving_Middle", "Box", n=2000, seed=4).mask)
    assert abs(np.corrcoef(bounds[:, 0], bounds[:, 2])[0, 1]) < 0.06


def test_original_postional_spelling_is_an_alias():
    a = make_benchmark("PostionalTime", "Box", n=20, seed=5)
    b = make_benchmark("PositionalTime", "Box", n=20, seed=5)
    np.testing.assert_array_equal(a.x, b.x)
    assert a.name == "PositionalTime_Box"


@pytest.mark.parametrize(
    "layout, n_steps, n_features, expected",
    [
        ("Middle", 100, 25, (20, 80, 5, 20)),  # 10·100/50, 30·100/50; 10·25/50, 30·25/50 = 15
        ("RareTime", 75, 50, (33, 42, 5, 45)),  # 22·1.5 = 33, 6·1.5 = 9
        ("SmallMiddle", 25, 25, (9, 16, 9, 16)),  # 18/2 = 9, 14/2 = 7
    ],
)
def test_fixed_layouts_scale_proportionally(layout, n_steps, n_features, expected):
    ds = make_benchmark(layout, "Box", n=3, seed=0, n_steps=n_steps, n_features=n_features)
    assert ds.x.shape == (3, n_steps, n_features)
    np.testing.assert_array_equal(box_bounds(ds.mask), [expected] * 3)


def test_moving_and_positional_layouts_scale():
    bounds = box_bounds(make_benchmark("Moving_SmallMiddle", "Box", n=3000, seed=1, n_steps=100).mask)
    assert set((bounds[:, 1] - bounds[:, 0]).tolist()) == {30}  # 15 · 2
    assert set(bounds[:, 0].tolist()) == set(range(70))  # 0 … 100 − 30 − 1
    assert set(bounds[:, 2].tolist()) == set(range(35))  # the feature axis stays at 50
    ds = make_benchmark("PositionalTime", "Box", n=200, seed=2, n_features=100)
    starts = box_bounds(ds.mask)[:, 2]
    np.testing.assert_array_equal(starts[ds.y == 1], 2)  # 1 · 2
    np.testing.assert_array_equal(starts[ds.y == 0], 100 - 40 - 2)  # the mirror image


def test_too_small_grid_fails_clearly():
    with pytest.raises(ValueError, match="n_features: 1 is too small for the PositionalTime"):
        make_benchmark("PositionalTime", "Box", n=2, n_features=1)
    with pytest.raises(ValueError, match="n_steps: 1 is too small for the Moving_Middle"):
        make_benchmark("Moving_Middle", "Box", n=2, n_steps=1)


# ---------------------------------------------------------------------------------------------
# class signal
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("process", PROCESSES)
@pytest.mark.parametrize("layout", ["Moving_RareTime", "PositionalFeature"])
def test_class_constant_is_added_on_the_box_only(layout, process):
    n, seed = 40, 11
    ds = make_benchmark(layout, process, n=n, seed=seed, n_steps=30, n_features=20)
    background = make_signal_free(process, n, seed, n_steps=30, n_features=20)
    constant = np.ones(n) if layout in POSITIONAL else np.where(ds.y == 1, 1.0, -1.0)
    expected = ds.mask * constant[:, None, None]
    np.testing.assert_allclose(ds.x.astype(np.float64) - background, expected, atol=1e-5)


def test_box_process_box_cells_are_normal_around_plus_minus_one():
    ds = make_benchmark("Middle", "Box", n=600, seed=6)
    box_means = (ds.x * ds.mask).sum(axis=(1, 2)) / ds.mask.sum(axis=(1, 2))
    np.testing.assert_array_equal(box_means > 0, ds.y == 1)  # 900 cells: ±1 ± 0.03
    positive, negative = ds.x[ds.y == 1][ds.mask[ds.y == 1]], ds.x[ds.y == 0][ds.mask[ds.y == 0]]
    assert positive.mean() == pytest.approx(1.0, abs=0.01)
    assert negative.mean() == pytest.approx(-1.0, abs=0.01)
    assert positive.std() == pytest.approx(1.0, abs=0.01)
    outside = ds.x[~ds.mask]
    assert outside.mean() == pytest.approx(0.0, abs=0.01) and outside.std() == pytest.approx(1.0, abs=0.01)


def test_positional_box_is_plus_one_for_both_classes():
    ds = make_benchmark("PositionalTime", "Box", n=600, seed=7)
    for label in (0, 1):
        cells = ds.x[ds.y == label][ds.mask[ds.y == label]]
        assert cells.mean() == pytest.approx(1.0, abs=0.02)


def test_classes_are_balanced_coin_flips():
    y = make_benchmark("Middle", "Box", n=4000, seed=8, n_steps=10, n_features=10).y
    assert y.dtype == np.int64 and set(np.unique(y).tolist()) == {0, 1}
    assert y.mean() == pytest.approx(0.5, abs=0.025)


def test_signal_free_has_no_box():
    x = make_signal_free("Box", 500, seed=9)
    assert x.dtype == np.float32 and x.shape == (500, 50, 50)
    cell_means = x.mean(axis=0)
    assert np.abs(cell_means).max() < 0.25  # 2500 cells of 500 draws: max |mean| ≈ 0.16
    middle_box = x[:, 10:40, 10:40].astype(np.float64)
    assert middle_box.mean() == pytest.approx(0.0, abs=0.01)
    assert middle_box.var() == pytest.approx(1.0, abs=0.02)  # a ±1 box would make it 2


def test_narma_variants_in_datasets():
    original = make_benchmark("Middle", "NARMA", n=20, seed=10, n_steps=30, n_features=30)
    corrected = make_benchmark(
        "Middle", "NARMA", n=20, seed=10, n_steps=30, n_features=30, variant="corrected"
    )
    outside = ~original.mask
    # original: one path, so off-box cells differ across samples by noise alone (sd 0.3·√2)
    spread = (original.x[1] - original.x[0])[outside[0] & outside[1]]
    assert spread.std() == pytest.approx(0.3 * np.sqrt(2), rel=0.1)
    assert corrected.meta["parameters"]["variant"] == "corrected"
    assert not np.allclose(original.x, corrected.x)


# ---------------------------------------------------------------------------------------------
# determinism, metadata, names
# ---------------------------------------------------------------------------------------------


def test_same_seed_same_dataset_other_seed_other_dataset():
    a = make_benchmark("Moving_Middle", "GaussianProcess", n=30, seed=12)
    b = make_benchmark("Moving_Middle", "GaussianProcess", n=30, seed=12)
    c = make_benchmark("Moving_Middle", "GaussianProcess", n=30, seed=13)
    for field in ("x", "y", "mask"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.x, c.x)


def test_dataset_contract_and_meta(tmp_path):
    ds = make_benchmark("RareFeature", "PseudoPeriodic", n=8, seed=14)
    assert ds.x.dtype == np.float32 and ds.y.dtype == np.int64 and ds.mask.dtype == bool
    meta = json.loads(json.dumps(ds.meta))
    assert meta["name"] == "RareFeature_PseudoPeriodic" and meta["seed"] == 14
    parameters = meta["parameters"]
    assert (parameters["layout"], parameters["process"], parameters["variant"]) == (
        "RareFeature",
        "PseudoPeriodic",
        "original",
    )
    assert (parameters["box_steps"], parameters["box_features"]) == (40, 6)
    loaded = Dataset.load(ds.save(tmp_path / "d.npz"))
    np.testing.assert_array_equal(loaded.mask, ds.mask)


def test_seventy_names_round_trip():
    names = benchmark_datasets()
    assert len(names) == 70 and len(set(names)) == 70
    assert names[:2] == ["Middle_Box", "Middle_Harmonic"] and names[-1] == "PositionalFeature_NARMA"
    expected = {f"{layout}_{process}" for layout in TABLE for process in PROCESSES}
    assert set(names) == expected
    for name in names:
        layout, process = parse_benchmark_name(name)
        assert benchmark_name(layout, process) == name
    assert parse_benchmark_name("PostionalTime_CAR") == ("PositionalTime", "CAR")
    assert benchmark_datasets(["RareTime", "Middle"], ["NARMA", "Box"]) == [
        "Middle_Box",
        "Middle_NARMA",
        "RareTime_Box",
        "RareTime_NARMA",
    ]


def test_names_are_validated_with_the_valid_ones_listed():
    with pytest.raises(ValueError, match=r"layout: expected one of .*Moving_Middle"):
        make_benchmark("Moving_Center", "Box", n=2)
    with pytest.raises(ValueError, match=r"process: expected one of .*NARMA"):
        make_benchmark("Middle", "Narma", n=2)
    with pytest.raises(ValueError, match=r"name: expected '<layout>_<process>'.*SmallMiddle.*PseudoPeriodic"):
        parse_benchmark_name("Middle_Sine")
    with pytest.raises(ValueError, match="name"):
        parse_benchmark_name("Middle")
    with pytest.raises(TypeError, match="layouts: expected a list"):
        benchmark_datasets("Middle")
    with pytest.raises(ValueError, match="seed"):
        make_benchmark("Middle", "Box", n=2, seed=-1)
    with pytest.raises(ValueError, match="variant"):
        make_benchmark("Middle", "Box", n=2, variant="new")


# ---------------------------------------------------------------------------------------------
# MinMaxScaler
# ---------------------------------------------------------------------------------------------


def test_minmax_scaler_matches_a_hand_computation():
    x = np.array(
        [
            [[1.0, 5.0], [2.0, -1.0]],
            [[3.0, 5.0], [0.0, -3.0]],
            [[2.0, 5.0], [4.0, -2.0]],
        ]
    )
    train = Dataset(x, np.array([0, 1, 0]))
    scaled = MinMaxScaler.fit(train).transform(train).x
    expected = np.array(
        [
            [[0.0, 0.0], [0.5, 1.0]],  # cell (0, 1) has range 0: (5 − 5) / 1
            [[1.0, 0.0], [0.0, 0.0]],
            [[0.5, 0.0], [1.0, 0.5]],
        ]
    )
    np.testing.assert_allclose(scaled, expected, atol=1e-7)
    assert scaled.dtype == np.float32


def test_minmax_scaler_equals_a_per_column_loop_on_the_flattened_matrix():
    train = make_benchmark("Middle", "CAR", n=60, seed=15, n_steps=6, n_features=4)
    test = make_benchmark("Middle", "CAR", n=10, seed=16, n_steps=6, n_features=4)
    flat_train, flat_test = train.x.reshape(60, -1).astype(np.float64), test.x.reshape(10, -1)
    expected = np.empty_like(flat_test, dtype=np.float64)
    for column in range(flat_train.shape[1]):
        low, high = min(flat_train[:, column]), max(flat_train[:, column])
        expected[:, column] = (flat_test[:, column] - low) / ((high - low) or 1.0)
    scaler = MinMaxScaler.fit(train)
    np.testing.assert_allclose(scaler.transform(test).x.reshape(10, -1), expected, rtol=1e-6, atol=1e-6)
    scaled_train = scaler.transform(train).x
    assert scaled_train.min() == 0.0 and scaled_train.max() == 1.0
    np.testing.assert_array_equal(scaled_train.min(axis=0), 0.0)
    np.testing.assert_array_equal(scaled_train.max(axis=0), 1.0)


def test_minmax_scaler_honours_lengths():
    x = np.zeros((2, 3, 1))
    x[0, :, 0] = [1.0, 2.0, 1000.0]  # step 2 of sample 0 is padding
    x[1, :, 0] = [3.0, 4.0, 5.0]
    train = Dataset(x, np.array([0, 1]), lengths=np.array([2, 3]))
    scaler = MinMaxScaler.fit(train)
    np.testing.assert_allclose(scaler.data_min[:, 0], [1.0, 2.0, 5.0])
    np.testing.assert_allclose(scaler.data_max[:, 0], [3.0, 4.0, 5.0])
    scaled = scaler.transform(train).x[:, :, 0]
    np.testing.assert_allclose(scaled, [[0.0, 0.0, 0.0], [1.0, 1.0, 0.0]])  # padding left at zero
    empty = Dataset(np.ones((2, 3, 1)), np.array([0, 1]), lengths=np.array([1, 2]))
    no_valid = MinMaxScaler.fit(empty)  # step 2 has no valid value: min 0, range 1
    assert no_valid.data_min[2, 0] == 0.0 and no_valid.data_range[2, 0] == 1.0


def test_minmax_scaler_round_trips_through_inverse_and_json():
    train = make_benchmark("Moving_Middle", "AutoRegressive", n=30, seed=17, n_steps=8, n_features=5)
    scaler = MinMaxScaler.fit(train)
    raw = make_signal_free("AutoRegressive", 4, seed=18, n_steps=8, n_features=5)
    scaled = scaler.transform_array(raw)
    np.testing.assert_allclose(scaler.inverse_transform_array(scaled), raw, rtol=1e-5, atol=1e-5)
    restored = MinMaxScaler.from_dict(json.loads(json.dumps(scaler.to_dict())))
    np.testing.assert_array_equal(restored.transform_array(raw), scaled)


def test_minmax_scaler_validates():
    scaler = MinMaxScaler.fit(Dataset(np.zeros((2, 3, 4)), np.array([0, 1])))
    with pytest.raises(ValueError, match=r"x: expected \(N, 3, 4\)"):
        scaler.transform_array(np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match="record"):
        MinMaxScaler.from_dict({"kind": "standard"})
    with pytest.raises(ValueError, match="data_max"):
        MinMaxScaler(np.zeros((2, 2)), -np.ones((2, 2)))
