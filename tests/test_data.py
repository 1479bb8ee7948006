"""Box generators against the paper's geometry, the Dataset contract, splits and standardisation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from salience.data import (
    BOX_ALIASES,
    BOX_DATASETS,
    Dataset,
    Standardizer,
    box_paper_sizes,
    make_box,
    split_dataset,
)

# ---------------------------------------------------------------------------------------------
# The geometry of original-behaviour.md §1.4, written out again: half-open [start, end) ranges of
# (time, feature) on the 100 × 100 grid.
# ---------------------------------------------------------------------------------------------

THREE_BANDS = [(0, 30), (35, 65), (70, 100)]
PAPER_BOXES = {
    "earlier": [((0, 30), (10, 90))],
    "latter": [((70, 100), (10, 90))],
    "middle": [((20, 80), (20, 80))],
    "three-earlier": [((0, 40), band) for band in THREE_BANDS],
    "three-middle": [((25, 65), band) for band in THREE_BANDS],
    **{f"moving-middle-{s}": [((s, s + 60), (20, 80))] for s in (0, 10, 20, 30, 40)},
}
MIXED_TYPES = {
    "upper-left": ((5, 65), (5, 65)),
    "upper-right": ((5, 65), (35, 95)),
    "upper-middle": ((5, 65), (20, 80)),
    "bottom-left": ((35, 95), (5, 65)),
    "bottom-right": ((35, 95), (35, 95)),
    "bottom-middle": ((35, 95), (20, 80)),
    "middle": ((20, 80), (20, 80)),
}
PAPER_CELLS = {
    "earlier": 2400,
    "latter": 2400,
    "middle": 3600,
    "three-earlier": 3600,
    "three-middle": 3600,
    **{f"moving-middle-{s}": 3600 for s in (0, 10, 20, 30, 40)},
}
PAPER_SIZES = {
    "earlier": (1000, 300),
    "latter": (1000, 300),
    "middle": (1000, 300),
    "three-earlier": (1000, 300),
    "three-middle": (1000, 300),
    "mixed": (8000, 1000),
    **{f"moving-middle-{s}": (1000, 200) for s in (0, 10, 20, 30, 40)},
}


def _grid(rectangles, n_steps=100, n_features=100):
    """Boolean T × F mask of rectangles given on the 100 × 100 grid, for grids on which every edge
    (a multiple of 5) lands on an integer."""
    assert n_steps % 20 == 0 and n_features % 20 == 0
    mask = np.zeros((n_steps, n_features), dtype=bool)
    for (t0, t1), (f0, f1) in rectangles:
        rows = slice(t0 * n_steps // 100, t1 * n_steps // 100)
        cols = slice(f0 * n_features // 100, f1 * n_features // 100)
        mask[rows, cols] = True
    return mask


def test_box_names_cover_the_paper():
    assert set(BOX_DATASETS) == set(PAPER_BOXES) | {"mixed"}
    for name, sizes in PAPER_SIZES.items():
        assert box_paper_sizes(name) == sizes


@pytest.mark.parametrize("name", sorted(PAPER_BOXES))
def test_box_geometry_on_the_paper_grid(name):
    ds = make_box(name, n=3, seed=0)
    assert ds.x.shape == ds.mask.shape == (3, 100, 100)
    expected = _grid(PAPER_BOXES[name])
    assert int(expected.sum()) == PAPER_CELLS[name]
    for mask in ds.mask:
        np.testing.assert_array_equal(mask, expected)


def test_earlier_box_by_hand():
    mask = make_box("earlier", n=1, seed=0).mask[0]
    rows, cols = np.nonzero(mask)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (0, 29, 10, 89)
    assert mask.sum() == 30 * 80


def test_three_boxes_by_hand():
    mask = make_box("three-middle", n=1, seed=0).mask[0]
    assert not mask[:25].any() and not mask[65:].any()
    band = mask[25:65]
    assert band.all(axis=0).tolist() == [
        (0 <= f < 30) or (35 <= f < 65) or (70 <= f < 100) for f in range(100)
    ]
    assert band.any(axis=0).tolist() == band.all(axis=0).tolist()


@pytest.mark.parametrize("start", [0, 10, 20, 30, 40])
def test_moving_middle_box_starts(start):
    mask = make_box(f"moving-middle-{start}", n=1, seed=0).mask[0]
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    assert (rows[0], rows[-1] + 1, cols[0], cols[-1] + 1) == (start, start + 60, 20, 80)


def test_mixed_boxes_are_the_seven_types_uniformly():
    n = 700
    ds = make_box("mixed", n=n, seed=3, n_steps=20, n_features=20)
    names = ds.meta["parameters"]["layouts"]
    assert sorted(names) == sorted(MIXED_TYPES)
    kinds = np.asarray(ds.meta["layout_of_sample"])
    assert kinds.shape == (n,)
    templates = {name: _grid([rect], 20, 20) for name, rect in MIXED_TYPES.items()}
    for mask, kind in zip(ds.mask, kinds, strict=True):
        np.testing.assert_array_equal(mask, templates[names[kind]])
        assert mask.sum() == 12 * 12  # every type is a 60 × 60 box
    counts = np.bincount(kinds, minlength=7)
    assert counts.sum() == n
    np.testing.assert_allclose(counts / n, 1 / 7, atol=0.045)  # sd of each share ≈ 0.013


@pytest.mark.parametrize(("n_steps", "n_features"), [(40, 20), (200, 20), (20, 60)])
@pytest.mark.parametrize("name", ["earlier", "latter", "middle", "three-earlier", "moving-middle-30"])
def test_geometry_scales_with_the_grid(name, n_steps, n_features):
    ds = make_box(name, n=2, seed=0, n_steps=n_steps, n_features=n_features)
    assert ds.x.shape == (2, n_steps, n_features)
    np.testing.assert_array_equal(ds.mask[0], _grid(PAPER_BOXES[name], n_steps, n_features))


@pytest.mark.parametrize(("n_steps", "n_features"), [(37, 23), (64, 51)])
def test_geometry_on_uneven_grids_rounds_each_edge(n_steps, n_features):
    mask = make_box("middle", n=1, seed=0, n_steps=n_steps, n_features=n_features).mask[0]
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    for first, end, (lo, hi), total in (
        (rows[0], rows[-1] + 1, (20, 80), n_steps),
        (cols[0], cols[-1] + 1, (20, 80), n_features),
    ):
        assert first in (math.floor(lo * total / 100), math.ceil(lo * total / 100))
        assert end in (math.floor(hi * total / 100), math.ceil(hi * total / 100))
    assert mask.sum() == len(rows) * len(cols)  # still one rectangle


def test_grid_too_small_for_the_box_is_refused():
    with pytest.raises(ValueError, match=r"n_steps"):
        make_box("earlier", n=2, n_steps=1, n_features=10)


def test_class_balance_is_about_half():
    ds = make_box("earlier", n=2000, seed=5, n_steps=10, n_features=10)
    assert set(np.unique(ds.y).tolist()) == {0, 1}
    assert abs(ds.y.mean() - 0.5) < 0.04  # sd ≈ 0.011
    assert ds.y.dtype == np.int64 and ds.x.dtype == np.float32 and ds.mask.dtype == bool


@pytest.mark.parametrize("box_value", [1.0, 2.5])
def test_cell_distributions_by_class(box_value):
    ds = make_box("middle", n=300, seed=11, n_steps=20, n_features=20, box_value=box_value)
    x = ds.x.astype(np.float64)
    box = ds.mask
    positive = ds.y == 1
    # Box cells: N(+v, 1) for class 1 and N(−v, 1) for class 0 (~ 150 × 144 cells each).
    for select, sign in ((positive, 1.0), (~positive, -1.0)):
        cells = x[select][box[select]]
        assert cells.size > 10_000
        assert cells.mean() == pytest.approx(sign * box_value, abs=0.03)
        assert cells.std() == pytest.approx(1.0, abs=0.03)
    # Background: N(0, 1) for both classes, about 68.3 % within one sd.
    background = x[~box]
    assert background.mean() == pytest.approx(0.0, abs=0.02)
    assert background.std() == pytest.approx(1.0, abs=0.02)
    assert np.mean(np.abs(background) < 1) == pytest.approx(0.6827, abs=0.01)
    for select in (positive, ~positive):
        assert x[select][~box[select]].mean() == pytest.approx(0.0, abs=0.03)


def test_box_value_shifts_only_the_box():
    ds = make_box("earlier", n=50, seed=2, n_steps=20, n_features=20, box_value=4.0)
    means = np.where(ds.y == 1, 4.0, -4.0)
    in_box = (ds.x * ds.mask).sum(axis=(1, 2)) / ds.mask.sum(axis=(1, 2))
    np.testing.assert_allclose(in_box, means, atol=0.5)  # 48 cells per sample: sd ≈ 0.15


def test_seeded_reproducibility():
    a = make_box("mixed", n=20, seed=42, n_steps=20, n_features=20)
    b = make_box("mixed", n=20, seed=42, n_steps=20, n_features=20)
    c = make_box("mixed", n=20, seed=43, n_steps=20, n_features=20)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.mask, b.mask)
    assert a.meta == b.meta
    assert not np.array_equal(a.x, c.x)
    assert a.meta["seed"] == 42 and c.meta["seed"] == 43


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("TopBox", "earlier"),
        ("BottomBox", "latter"),
        ("MiddleBox", "middle"),
        ("ThreeUpperBoxes", "three-earlier"),
        ("ThreeMiddleBoxes", "three-middle"),
        ("MixedBoxes", "mixed"),
    ],
)
def test_original_names_are_aliases(alias, name):
    assert BOX_ALIASES[alias] == name
    a = make_box(alias, n=4, seed=1, n_steps=20, n_features=20)
    b = make_box(name, n=4, seed=1, n_steps=20, n_features=20)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.mask, b.mask)
    assert a.meta["name"] == name
    assert box_paper_sizes(alias) == PAPER_SIZES[name]


def test_box_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^name: .*earlier") as info:
        make_box("LeftBox", n=2)
    assert "LeftBox" in str(info.value)
    with pytest.raises(ValueError, match=r"^n: "):
        make_box("earlier", n=0)
    with pytest.raises(ValueError, match=r"^n_steps: "):
        make_box("earlier", n=2, n_steps=0)
    with pytest.raises(ValueError, match=r"^n_features: "):
        make_box("earlier", n=2, n_features=-3)
    with pytest.raises(ValueError, match=r"^box_value: "):
        make_box("earlier", n=2, box_value=float("nan"))


# ---------------------------------------------------------------------------------------------
# The Dataset contract
# ---------------------------------------------------------------------------------------------


def _dataset(n=6, t=4, f=3, seed=0, **kw):
    rng = np.random.default_rng(seed)
    return Dataset(rng.standard_normal((n, t, f)), np.arange(n) % 2, **kw)


def test_dataset_converts_dtypes():
    ds = Dataset(np.zeros((4, 3, 2)), np.array([0.0, 1.0, 2.0, 1.0]), mask=np.ones((4, 3, 2), dtype=int))
    assert ds.x.dtype == np.float32 and ds.y.dtype == np.int64 and ds.mask.dtype == bool
    assert (ds.n_samples, ds.n_steps, ds.n_features, ds.n_classes, len(ds)) == (4, 3, 2, 3, 4)


@pytest.mark.parametrize(
    ("kwargs", "argument", "error"),
    [
        ({"x": np.zeros((4, 3))}, "x", ValueError),
        ({"x": np.zeros((4, 3, 2, 1))}, "x", ValueError),
        ({"x": np.full((4, 3, 2), np.nan)}, "x", ValueError),
        ({"x": np.full((4, 3, 2), np.inf)}, "x", ValueError),
        ({"y": np.array([0, 1, 2, 1]), "meta": {"n_classes": 2}}, "y", ValueError),
        ({"y": np.array([0, -1, 1, 1])}, "y", ValueError),
        ({"y": np.array([0, 1, 1])}, "y", ValueError),
        ({"y": np.array([[0, 1, 1, 0]])}, "y", ValueError),
        ({"y": np.array([0.0, 0.5, 1.0, 1.0])}, "y", TypeError),
        ({"y": np.array(["a", "b", "a", "b"])}, "y", TypeError),
        ({"mask": np.zeros((4, 3, 3), dtype=bool)}, "mask", ValueError),
        ({"mask": np.zeros((4, 3), dtype=bool)}, "mask", ValueError),
        ({"lengths": np.array([3, 3, 3])}, "lengths", ValueError),
        ({"lengths": np.array([3, 0, 3, 3])}, "lengths", ValueError),
        ({"lengths": np.array([3, 4, 3, 3])}, "lengths", ValueError),
        ({"lengths": np.array([3.0, 2.0, 3.0, 3.0])}, "lengths", ValueError),
        ({"lengths": np.array([[3, 2, 3, 3]])}, "lengths", ValueError),
        ({"meta": {"bad": object()}}, "meta", TypeError),
    ],
)
def test_dataset_validation_names_the_argument(kwargs, argument, error):
    arguments = {"x": np.zeros((4, 3, 2)), "y": np.array([0, 1, 0, 1]), **kwargs}
    with pytest.raises(error, match=rf"^{argument}: "):
        Dataset(**arguments)


def test_npz_round_trip_keeps_everything(tmp_path):
    rng = np.random.default_rng(0)
    original = Dataset(
        x=rng.standard_normal((5, 4, 3)),
        y=np.array([0, 2, 1, 1, 0]),
        mask=rng.random((5, 4, 3)) < 0.3,
        lengths=np.array([4, 1, 3, 4, 2]),
        meta={"name": "toy", "n_classes": 3, "parameters": {"a": [1, 2.5, None]}, "seed": 7},
    )
    path = original.save(tmp_path / "sub" / "toy.npz")
    assert path.is_file()
    assert list(tmp_path.rglob("*.part")) == []  # no temporary left behind
    loaded = Dataset.load(path)
    np.testing.assert_array_equal(loaded.x, original.x)
    np.testing.assert_array_equal(loaded.y, original.y)
    np.testing.assert_array_equal(loaded.mask, original.mask)
    np.testing.assert_array_equal(loaded.lengths, original.lengths)
    assert loaded.meta == original.meta
    assert (loaded.x.dtype, loaded.y.dtype, loaded.mask.dtype, loaded.lengths.dtype) == (
        np.float32,
        np.int64,
        np.bool_,
        np.int64,
    )
    # The file is a plain npz without object arrays: numpy reads it with pickle disabled.
    with np.load(path, allow_pickle=False) as data:
        assert set(data.files) == {"x", "y", "mask", "lengths", "meta"}
        assert json.loads(str(data["meta"]))["name"] == "toy"


def test_npz_round_trip_without_optional_arrays(tmp_path):
    original = make_box("earlier", n=3, seed=0, n_steps=10, n_features=10)
    bare = Dataset(original.x, original.y)
    loaded = Dataset.load(bare.save(tmp_path / "bare.npz"))
    assert loaded.mask is None and loaded.lengths is None and loaded.meta == {}
    loaded = Dataset.load(original.save(tmp_path / "box.npz"))
    np.testing.assert_array_equal(loaded.mask, original.mask)
    assert loaded.meta == original.meta


def test_load_uses_numpy_without_pickle(tmp_path, monkeypatch):
    path = _dataset().save(tmp_path / "d.npz")
    seen = []
    real_load = np.load

    def spy(*args, **kwargs):
        seen.append(kwargs.get("allow_pickle"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(np, "load", spy)
    Dataset.load(path)
    assert seen == [False]


@pytest.mark.parametrize("field", ["x", "meta"])
def test_npz_with_object_arrays_is_refused(tmp_path, field):
    arrays = {"x": np.zeros((2, 3, 1)), "y": np.array([0, 1])}
    arrays[field] = np.array([{"evil": 1}, None], dtype=object)
    path = tmp_path / "pickled.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=r"^path: .*pickle"):
        Dataset.load(path)


def test_npz_without_x_and_y_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(ValueError, match=r"^path: .*'x'"):
        Dataset.load(path)


def test_missing_file_names_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^path: "):
        Dataset.load(tmp_path / "absent.npz")


@pytest.mark.parametrize("content", [b"", b"this is not a zip archive at all" * 4])
def test_corrupt_file_names_path(tmp_path, content):
    path = tmp_path / "corrupt.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"^path: "):
        Dataset.load(path)


def test_truncated_npz_names_path(tmp_path):
    path = _dataset(n=50, t=20, f=10).save(tmp_path / "full.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"^path: "):
        Dataset.load(path)


def test_npz_with_non_object_meta_names_path(tmp_path):
    path = tmp_path / "list-meta.npz"
    np.savez(path, x=np.zeros((2, 3, 1)), y=np.array([0, 1]), meta=np.array("[1, 2]"))
    with pytest.raises(ValueError, match=r"^path: "):
        Dataset.load(path)


def test_subset_and_with_x():
    ds = _dataset(n=6, lengths=np.array([4, 3, 2, 1, 4, 4]), mask=np.zeros((6, 4, 3), dtype=bool))
    part = ds.subset([5, 1])
    np.testing.assert_array_equal(part.x, ds.x[[5, 1]])
    np.testing.assert_array_equal(part.lengths, [4, 3])
    assert part.n_classes == 2
    with pytest.raises(ValueError, match=r"^x: "):
        ds.with_x(np.zeros((6, 4, 2)))


# ---------------------------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------------------------


def _labelled(n=300, proportions=(0.5, 0.3, 0.2)):
    counts = [round(p * n) for p in proportions]
    y = np.repeat(np.arange(len(counts)), counts)
    y = np.random.default_rng(0).permutation(y)
    x = np.zeros((n, 2, 1))
    x[:, 0, 0] = np.arange(n)  # sample identity
    return Dataset(x, y)


def _ids(part):
    return part.x[:, 0, 0].astype(int)


@pytest.mark.parametrize("stratify", [True, False])
def test_split_sizes_disjoint_and_complete(stratify):
    ds = _labelled()
    parts = split_dataset(ds, test=0.2, validation=0.25, seed=0, stratify=stratify)
    assert (len(parts.train), len(parts.validation), len(parts.test)) == (180, 60, 60)
    ids = [set(_ids(p).tolist()) for p in (parts.train, parts.validation, parts.test)]
    assert all(len(a & b) == 0 for i, a in enumerate(ids) for b in ids[i + 1 :])
    assert set().union(*ids) == set(range(300))
    for part in (parts.train, parts.validation, parts.test):
        np.testing.assert_array_equal(part.y, ds.y[_ids(part)])  # labels travel with their samples
        assert part.n_classes == 3


def test_split_absolute_counts():
    parts = split_dataset(_labelled(), test=50, validation=30, seed=1)
    assert (len(parts.train), len(parts.validation), len(parts.test)) == (220, 30, 50)


def test_split_is_stratified():
    ds = _labelled(n=300, proportions=(0.5, 0.3, 0.2))
    parts = split_dataset(ds, test=0.2, validation=0.25, seed=4)
    for part, size in ((parts.test, 60), (parts.validation, 60), (parts.train, 180)):
        counts = np.bincount(part.y, minlength=3)
        np.testing.assert_allclose(counts, np.array([0.5, 0.3, 0.2]) * size, atol=1.0)


def test_split_is_seeded():
    ds = _labelled()
    a = split_dataset(ds, seed=3)
    b = split_dataset(ds, seed=3)
    c = split_dataset(ds, seed=4)
    np.testing.assert_array_equal(_ids(a.test), _ids(b.test))
    np.testing.assert_array_equal(_ids(a.validation), _ids(b.validation))
    assert not np.array_equal(_ids(a.test), _ids(c.test))


def test_split_errors_name_the_argument():
    ds = _labelled(n=10, proportions=(0.5, 0.5))
    with pytest.raises(ValueError, match=r"^test: "):
        split_dataset(ds, test=1.5)
    with pytest.raises(ValueError, match=r"^test: "):
        split_dataset(ds, test=10)
    with pytest.raises(ValueError, match=r"^validation: "):
        split_dataset(ds, validation=-0.1)
    with pytest.raises(ValueError, match=r"^validation: "):
        split_dataset(ds, test=5, validation=5)
    with pytest.raises(ValueError, match=r"^test/validation: "):
        split_dataset(ds, test=0.5, validation=0.99)


# ---------------------------------------------------------------------------------------------
# Standardizer: per-cell statistics from the training split only
# ---------------------------------------------------------------------------------------------


def test_standardizer_uses_train_statistics_per_cell():
    rng = np.random.default_rng(0)
    train = Dataset(rng.normal(3.0, 2.0, (40, 5, 4)), np.arange(40) % 2)
    test = Dataset(rng.normal(-1.0, 0.5, (10, 5, 4)), np.arange(10) % 2)
    scaler = Standardizer.fit(train)
    x = train.x.astype(np.float64)
    mean = np.zeros((5, 4))
    std = np.zeros((5, 4))
    for t in range(5):
        for f in range(4):
            column = x[:, t, f]
            mean[t, f] = column.sum() / len(column)
            std[t, f] = math.sqrt(((column - mean[t, f]) ** 2).sum() / len(column))  # population sd
    np.testing.assert_allclose(scaler.mean, mean, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(scaler.std, std, rtol=1e-6)
    z_train = scaler.transform(train).x
    np.testing.assert_allclose(z_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(z_train.std(axis=0), 1.0, atol=1e-5)
    z_test = scaler.transform(test)
    np.testing.assert_allclose(z_test.x, (test.x - mean) / std, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(z_test.y, test.y)
    np.testing.assert_allclose(scaler.transform_array(test.x), z_test.x, rtol=1e-6, atol=1e-6)


def test_standardizer_zero_spread_cells_get_unit_std():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 3, 2))
    x[:, 1, 0] = 5.0
    scaler = Standardizer.fit(Dataset(x, np.arange(8) % 2))
    assert scaler.std[1, 0] == 1.0
    z = scaler.transform(Dataset(x + 1.0, np.arange(8) % 2)).x
    np.testing.assert_allclose(z[:, 1, 0], 1.0, rtol=1e-6)
    assert np.isfinite(z).all()


def test_standardizer_ignores_padding():
    rng = np.random.default_rng(2)
    n, t, f = 12, 6, 3
    lengths = rng.integers(1, t + 1, size=n)
    lengths[0] = t
    x = rng.standard_normal((n, t, f))
    for i in range(n):
        x[i, lengths[i] :] = 1e3  # padding that must not enter the statistics
    train = Dataset(x, np.arange(n) % 2, lengths=lengths)
    scaler = Standardizer.fit(train)
    for step in range(t):
        rows = [i for i in range(n) if lengths[i] > step]
        values = x[rows, step].astype(np.float32).astype(np.float64)
        np.testing.assert_allclose(scaler.mean[step], values.mean(axis=0), rtol=1e-5, atol=1e-6)
        expected_std = values.std(axis=0)
        expected_std[expected_std == 0] = 1.0
        np.testing.assert_allclose(scaler.std[step], expected_std, rtol=1e-5, atol=1e-6)
    z = scaler.transform(train).x
    for i in range(n):
        assert np.all(z[i, lengths[i] :] == 0.0)
        assert np.all(np.abs(z[i, : lengths[i]]) < 100)


def test_standardizer_refuses_other_grids():
    scaler = Standardizer.fit(_dataset(t=4, f=3))
    with pytest.raises(ValueError, match=r"^dataset: "):
        scaler.transform(_dataset(t=5, f=3))
    with pytest.raises(ValueError, match=r"^x: "):
        scaler.transform_array(np.zeros((4, 3)))
