"""Class and feature names: defaults, checks, align_to / with_class_order against hand-made
expectations, checkpoints that record them, user splits, continuous labels and CLI flag names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from salience.cli import main
from salience.data import Dataset, align_to, load_user_data, load_user_splits, with_class_order
from salience.models import build_model, load_checkpoint, save_checkpoint


def _named(y: list[int], classes: list[str] | None, features: list[str] | None) -> Dataset:
    n, f = len(y), len(features) if features else 2
    x = np.arange(n * 3 * f, dtype=np.float32).reshape(n, 3, f)
    meta = {}
    if classes is not None:
        meta["class_names"] = classes
    if features is not None:
        meta["feature_names"] = features
    return Dataset(x, np.array(y), mask=x > 10, meta=meta)


# --- Dataset names ---------------------------------------------------------------------------------


def test_default_names_are_the_label_values_and_dim_k() -> None:
    ds = Dataset(np.zeros((3, 2, 3)), np.array([0, 2, 1]))
    assert ds.class_names == ["0", "1", "2"] and ds.feature_names == ["dim_0", "dim_1", "dim_2"]
    assert "class_names" not in ds.meta  # defaults are not written into meta


def test_names_survive_save_subset_and_scaling(tmp_path) -> None:
    from salience.data import Standardizer

    ds = _named([0, 1, 1, 0], ["no", "yes"], ["a", "b"])
    ds.meta["sample_ids"] = ["s0", "s1", "s2", "s3"]
    loaded = Dataset.load(ds.save(tmp_path / "d.npz"))
    part = loaded.subset([3, 1])
    scaled = Standardizer.fit(part).transform(part)
    assert scaled.class_names == ["no", "yes"] and scaled.feature_names == ["a", "b"]
    assert part.meta["sample_ids"] == ["s3", "s1"]


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"class_names": ["a"]}, r"y: expected labels in \[0, 1\)"),
        ({"class_names": ["a", "a"]}, "class_names names 'a' more than once"),
        ({"class_names": ["a", "b"], "n_classes": 3}, "n_classes is 3 but class_names has 2"),
        ({"feature_names": ["a"]}, "feature_names has 1 names; x has 2 features"),
        ({"feature_names": ["a", ""]}, "non-empty strings"),
    ],
)
def test_bad_names_are_refused(meta, message) -> None:
    with pytest.raises(ValueError, match=message):
        Dataset(np.zeros((2, 1, 2)), np.array([0, 1]), meta=meta)


# --- with_class_order and align_to -----------------------------------------------------------------


def test_with_class_order_renumbers_by_name() -> None:
    ds = _named([0, 1, 0], ["c", "a"], None)
    ordered = with_class_order(ds, ["a", "b", "c"])
    # By hand: c -> 2, a -> 0.
    assert ordered.y.tolist() == [2, 0, 2] and ordered.class_names == ["a", "b", "c"]
    assert ordered.n_classes == 3
    with pytest.raises(ValueError, match=r"^class_names: the dataset has class 'c'"):
        with_class_order(ds, ["a", "b"])
    with pytest.raises(ValueError, match="'a' is listed more than once"):
        with_class_order(ds, ["a", "a", "c"])


def test_align_to_relabels_a_subset_of_classes_and_reorders_features() -> None:
    ds = _named([0, 1, 1], ["gamma", "beta"], ["f2", "f1", "f3"])
    aligned = align_to(ds, ["alpha", "beta", "gamma"], ["f1", "f2", "f3"])
    assert aligned.y.tolist() == [2, 1, 1]
    # By hand: column 0 of the result is the dataset's column 1 (f1), and so on.
    np.testing.assert_array_equal(aligned.x, ds.x[:, :, [1, 0, 2]])
    np.testing.assert_array_equal(aligned.mask, ds.mask[:, :, [1, 0, 2]])
    assert aligned.feature_names == ["f1", "f2", "f3"] and aligned.class_names == ["alpha", "beta", "gamma"]


def test_align_to_keeps_a_dataset_that_already_fits() -> None:
    ds = _named([0, 1], ["a", "b"], ["x", "y"])
    aligned = align_to(ds, ["a", "b"], ["x", "y"])
    np.testing.assert_array_equal(aligned.x, ds.x)
    assert aligned.y.tolist() == [0, 1]


def test_a_listed_class_without_samples_is_not_refused() -> None:
    ds = _named([0, 0], ["a", "zzz"], None)  # zzz has no sample
    assert align_to(ds, ["b", "a"]).y.tolist() == [1, 1]


@pytest.mark.parametrize(
    ("classes", "features", "message"),
    [
        (["a", "b"], None, "has class 'c', which is not one of the model's classes \\(a, b\\)"),
        (None, ["x", "z"], "features that do not match the model's \\(missing z; extra y\\)"),
        (None, ["x"], r"\(extra y\)"),
    ],
)
def test_align_to_refuses_unknown_classes_and_other_features(classes, features, message) -> None:
    ds = _named([0, 1], ["a", "c"], ["x", "y"])
    with pytest.raises(ValueError, match=message):
        align_to(ds, classes, features)


def test_without_names_on_one_side_only_counts_are_checked() -> None:
    unnamed = Dataset(np.zeros((2, 1, 3)), np.array([0, 2]))
    assert align_to(unnamed, ["a", "b", "c"], ["p", "q", "r"]).y.tolist() == [0, 2]
    named = _named([0, 1], ["a", "b"], ["x", "y"])
    assert align_to(named, None, None, n_classes=2, n_features=2).y.tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"^dataset: has labels up to 2; the model has 2 classes"):
        align_to(unnamed, ["a", "b"])
    with pytest.raises(ValueError, match=r"^dataset: has 3 features; the model expects 2"):
        align_to(unnamed, None, None, n_features=2)


# --- checkpoints -----------------------------------------------------------------------------------


def test_checkpoint_records_names_and_old_checkpoints_load_without(tmp_path) -> None:
    model = build_model("lstm", n_features=2, n_classes=3)
    path = save_checkpoint(tmp_path / "new", model, class_names=["a", "b", "c"], feature_names=["x", "y"])
    loaded = load_checkpoint(path)
    assert loaded.class_names == ["a", "b", "c"] and loaded.feature_names == ["x", "y"]
    config = json.loads((path / "config.json").read_text())
    del config["class_names"], config["feature_names"]  # as written before names were recorded
    (path / "config.json").write_text(json.dumps(config))
    old = load_checkpoint(path)
    assert old.class_names is None and old.feature_names is None
    with pytest.raises(ValueError, match=r"^class_names: expected 3 non-empty names"):
        save_checkpoint(tmp_path / "bad", model, class_names=["a", "b"])
    with pytest.raises(ValueError, match=r"^feature_names: expected distinct names"):
        save_checkpoint(tmp_path / "bad", model, feature_names=["x", "x"])


# --- the user's files ------------------------------------------------------------------------------


def _csv(path: Path, labels: list[str], parts: list[str] | None = None) -> Path:
    lines = ["sample_id,time,v,label" + (",part" if parts else "")]
    for i, label in enumerate(labels):
        for t in range(2):
            lines.append(f"s{i},{t},{i + t},{label}" + (f",{parts[i]}" if parts else ""))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_split_column_sends_each_sample_to_its_part(tmp_path) -> None:
    path = _csv(tmp_path / "d.csv", ["b", "a", "c", "a"], ["train", "Test", "train", "test"])
    parts = load_user_splits(path, split_column="part", class_order="c,b,a")
    assert parts["train"].meta["sample_ids"] == ["s0", "s2"] and parts["train"].y.tolist() == [1, 0]
    assert parts["test"].meta["sample_ids"] == ["s1", "s3"] and parts["test"].y.tolist() == [2, 2]
    assert parts["test"].class_names == ["c", "b", "a"] and parts["test"].feature_names == ["v"]
    assert "split" not in parts["test"].meta
    with pytest.raises(ValueError, match=r"^class_order: the dataset has class 'c', which is not"):
        load_user_data(path, features="v", class_order=["a", "b"])


def test_test_fraction_is_stratified_and_seeded(tmp_path) -> None:
    labels = ["a"] * 10 + ["b"] * 20
    path = _csv(tmp_path / "d.csv", labels)
    parts = load_user_splits(path, test_fraction=0.2, seed=3)
    test_classes = sorted(parts["test"].y.tolist())
    assert test_classes == [0, 0, 1, 1, 1, 1]  # by hand: 20% of 10 a's and of 20 b's
    ids = parts["train"].meta["sample_ids"] + parts["test"].meta["sample_ids"]
    assert sorted(ids) == sorted(f"s{i}" for i in range(30))
    assert load_user_splits(path, test_fraction=0.2, seed=3)["test"].meta["sample_ids"] == parts["test"].meta[
        "sample_ids"
    ]


@pytest.mark.parametrize(
    ("labels", "refused"),
    [
        (["0.5", "1.5", "0.5"], True),  # fractional numbers
        ([str(i) for i in range(25)], True),  # 25 distinct integers in 25 samples
        ([str(i % 3) for i in range(25)], False),  # integer codes
        ([str(i) for i in range(10)], False),  # few samples: integers accepted
        ([f"c{i}" for i in range(25)], False),  # text is always a class name
        (["1.0", "2.0", "1.0"], False),  # integral floats are codes
    ],
)
def test_continuous_labels_are_refused(tmp_path, labels, refused) -> None:
    path = _csv(tmp_path / "d.csv", labels)
    if refused:
        message = r"^label: column 'label' looks continuous .*salience explains classifiers"
        with pytest.raises(ValueError, match=message):
            load_user_data(path)
    else:
        assert load_user_data(path).n_samples == len(labels)


def test_continuous_npz_labels_are_refused(tmp_path) -> None:
    np.savez(tmp_path / "c.npz", x=np.zeros((3, 2, 1)), y=np.array([0.5, 1.25, 2.0]))
    with pytest.raises(ValueError, match=r"^label: column 'y' looks continuous \(numbers with a fractional"):
        load_user_data(tmp_path / "c.npz")
    np.savez(tmp_path / "codes.npz", x=np.zeros((3, 2, 1)), y=np.array([0.0, 1.0, 0.0]))
    assert load_user_data(tmp_path / "codes.npz").y.tolist() == [0, 1, 0]


def test_data_import_splits_into_two_files_and_names_flags(tmp_path, capsys) -> None:
    path = _csv(tmp_path / "d.csv", ["b", "a", "c", "a"], ["train", "test", "train", "test"])
    out = tmp_path / "d.npz"
    assert main(["data", "import", str(path), "--out", str(out), "--split-column", "part"]) == 0
    assert Dataset.load(tmp_path / "d-train.npz").meta["sample_ids"] == ["s0", "s2"]
    assert Dataset.load(tmp_path / "d-test.npz").class_names == ["a", "b", "c"]
    capsys.readouterr()
    cases = [
        (["--split-column", "v"], "error: --features: "),  # no feature column is left
        (["--split-column", "part", "--class-order", "a,b"], "error: --class-order: the dataset has class"),
        (["--split-column", "part", "--test-fraction", "0.5"], "error: --split-column/--test-fraction:"),
        (["--impute", "nope"], "error: --impute: expected one of"),
        (["--label", "nope"], "error: --label: no column 'nope'"),
    ]
    for extra, message in cases:
        again = tmp_path / "again.npz"
        assert main(["data", "import", str(path), "--out", str(again), *extra]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(message) and len(err.splitlines()) == 1, err
        assert not list(tmp_path.glob("again*"))


def test_missing_values_hint_names_the_impute_flag(tmp_path, capsys) -> None:
    path = tmp_path / "gap.csv"
    path.write_text("sample_id,time,v,label\na,0,,x\na,1,2,x\n")
    assert main(["data", "import", str(path), "--out", str(tmp_path / "g.npz")]) == 2
    err = capsys.readouterr().err
    assert "pass --impute one of" in err and "impute=" not in err
    with pytest.raises(ValueError, match="pass impute= one of"):  # Python users keep Python names
        load_user_data(path)
