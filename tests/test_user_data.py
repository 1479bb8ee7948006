"""The user's own data: long-form CSV / Parquet, .npz and .ts, each checked against hand-written
files whose contents are known, and one test per kind of bad input checking the message."""

from __future__ import annotations

import gzip
import json
import sys

import numpy as np
import pytest

from salience.data import Dataset, impute_missing, load_user_data

# Samples interleaved and out of time order; b is longer than a; labels are text.
VITALS = """sample_id,time,hr,spo2,label
a,1,72,97,ok
b,0,90,91,ill
a,0,70,98,ok
b,2,92,89,ill
b,1,91,90,ill
"""
VITALS_X = [
    [[70, 98], [72, 97], [0, 0]],  # a, sorted by time, zero-padded
    [[90, 91], [91, 90], [92, 89]],  # b
]


def write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_long_form(tmp_path):
    dataset = load_user_data(write(tmp_path, VITALS))
    assert dataset.x.tolist() == VITALS_X
    assert dataset.lengths.tolist() == [2, 3]
    assert dataset.meta["sample_ids"] == ["a", "b"]  # order of first appearance
    assert dataset.meta["class_names"] == ["ill", "ok"] and dataset.y.tolist() == [1, 0]
    assert dataset.meta["feature_names"] == ["hr", "spo2"]
    assert dataset.name == "data" and dataset.meta["file_format"] == "csv"


def test_column_names_and_feature_selection(tmp_path):
    text = "patient;t;spo2;hr;y\n".replace(";", ",") + "\n".join(
        ["p,0,98,70,0", "p,1,97,72,0", "q,0,91,90,1", "q,1,90,91,1"]
    )
    dataset = load_user_data(
        write(tmp_path, text), label="y", sample_id="patient", time="t", features="hr,spo2"
    )
    assert dataset.x.tolist() == [[[70, 98], [72, 97]], [[90, 91], [91, 90]]]
    assert dataset.lengths is None  # every sample has two steps
    assert dataset.meta["feature_names"] == ["hr", "spo2"]
    only_hr = load_user_data(write(tmp_path, text), label="y", sample_id="patient", time="t", features=["hr"])
    assert only_hr.x[:, :, 0].tolist() == [[70, 72], [90, 91]] and only_hr.n_features == 1


def test_integer_labels_sort_numerically_and_dates_order_steps(tmp_path):
    text = (
        "sample_id,time,v,label\n"
        "s1,2024-03-01T10:00,2,10\n"
        "s1,2024-02-29T23:00,1,10\n"
        "s2,2024-03-01,5,2\n"
        "s3,2024-03-01,6,9\n"
    )
    dataset = load_user_data(write(tmp_path, text))
    assert dataset.meta["class_names"] == ["2", "9", "10"]  # not the text order 10 < 2 < 9
    assert dataset.y.tolist() == [2, 0, 1]
    assert dataset.x[0, :, 0].tolist() == [1, 2]


def test_gzipped_csv(tmp_path):
    path = tmp_path / "vitals.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(VITALS)
    assert load_user_data(path).x.tolist() == VITALS_X


def test_parquet_long_form(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({
        "sample_id": [7, 3, 7, 3],
        "time": pd.to_datetime(["2024-01-02", "2024-01-01", "2024-01-01", "2024-01-02"]),
        "x1": [1.5, 2.0, 3.0, 4.0],
        "x2": [1, 2, 3, 4],
        "label": ["up", "down", "up", "down"],
    })  # fmt: skip
    path = tmp_path / "table.parquet"
    frame.to_parquet(path)
    dataset = load_user_data(path)
    assert dataset.meta["sample_ids"] == ["7", "3"]
    assert dataset.x.tolist() == [[[3.0, 3], [1.5, 1]], [[2.0, 2], [4.0, 4]]]
    assert dataset.meta["class_names"] == ["down", "up"] and dataset.y.tolist() == [1, 0]
    assert dataset.lengths is None and dataset.meta["file_format"] == "parquet"


def test_missing_pyarrow_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` now fails
    path = write(tmp_path, "not really parquet", "table.parquet")
    with pytest.raises(
        ModuleNotFoundError, match=r"^format: reading Parquet needs .*pyarrow.*salience\[data\]"
    ):
        load_user_data(path)


def test_npz_with_string_labels_lengths_and_feature_names(tmp_path):
    path = tmp_path / "mine.npz"
    x = np.arange(12, dtype=np.float64).reshape(2, 3, 2)
    x[1, 2] = np.nan  # padding: any value is fine beyond the length
    np.savez(
        path, x=x, y=np.array(["dog", "cat"]), lengths=np.array([3, 2]), feature_names=np.array(["u", "v"])
    )
    dataset = load_user_data(path)
    assert dataset.x[0].tolist() == [[0, 1], [2, 3], [4, 5]]
    assert dataset.x[1].tolist() == [[6, 7], [8, 9], [0, 0]]
    assert dataset.meta["class_names"] == ["cat", "dog"] and dataset.y.tolist() == [1, 0]
    assert dataset.meta["feature_names"] == ["u", "v"] and dataset.lengths.tolist() == [3, 2]
    picked = load_user_data(path, features=["v"])
    assert picked.x[:, :, 0].tolist() == [[1, 3, 5], [7, 9, 0]]


def test_npz_written_by_dataset_save_round_trips(tmp_path):
    original = Dataset(
        np.ones((3, 2, 1)), np.array([0, 2, 1]), mask=np.zeros((3, 2, 1), bool),
        meta={"name": "saved", "n_classes": 3},
    )  # fmt: skip
    loaded = load_user_data(original.save(tmp_path / "saved.npz"))
    np.testing.assert_array_equal(loaded.x, original.x)
    assert loaded.y.tolist() == [0, 2, 1] and loaded.mask.shape == (3, 2, 1) and loaded.name == "saved"


def test_ts_file_through_the_same_entry_point(tmp_path):
    path = write(tmp_path, "@classLabel true a b\n@data\n1,2:b\n3:a\n", "series.ts")
    dataset = load_user_data(path)
    assert dataset.x[:, :, 0].tolist() == [[1, 2], [3, 0]] and dataset.y.tolist() == [1, 0]


MISSING = """sample_id,time,v,label
a,0,,x
a,1,4,x
a,2,NaN,x
b,0,2,y
b,1,?,y
"""


def test_impute_methods_on_a_csv(tmp_path):
    path = write(tmp_path, MISSING)
    with pytest.raises(
        ValueError, match=r"^features: column 'v' has a missing value at line 2 \(sample 'a'\)"
    ):
        load_user_data(path)
    # observed values: 4 and 2 → mean 3; padding (b's third step) stays 0
    assert load_user_data(path, impute="zero").x[:, :, 0].tolist() == [[0, 4, 0], [2, 0, 0]]
    assert load_user_data(path, impute="mean").x[:, :, 0].tolist() == [[3, 4, 3], [2, 3, 0]]
    assert load_user_data(path, impute="ffill").x[:, :, 0].tolist() == [[4, 4, 4], [2, 2, 0]]
    with pytest.raises(ValueError, match=r"^impute: expected one of ffill, mean, zero"):
        load_user_data(path, impute="median")


def test_impute_missing_falls_back_to_the_feature_mean():
    x = np.array([[[np.nan, 1.0], [np.nan, 2.0]], [[4.0, np.nan], [6.0, 3.0]]])
    filled = impute_missing(x, "ffill")
    # sample 0 never observes feature 0: it takes that feature's mean (4 + 6) / 2 = 5
    assert filled.tolist() == [[[5, 1], [5, 2]], [[4, 3], [6, 3]]]
    with pytest.raises(ValueError, match=r"^impute: w has no observed value"):
        impute_missing(np.full((1, 2, 1), np.nan), "mean", feature_names=["w"])


H = "sample_id,time,v,label\n"  # the usual header
BAD_CSV = [
    (H + "a,0,1,x\na,1,2\n", {}, r"^path: line 3 of .* has 3 fields, the header has 4"),
    (H + "a,0,1,x\na,1,2,,\n", {}, r"^path: line 3 of .* has 5 fields"),
    (H + "a,0,1,x\na,1,2,\n", {}, r"^label: column 'label' is empty at line 3 \(sample 'a'\)"),
    (
        H + "a,0,1,x\nb,0,1,z\na,1,2,y\n", {},
        r"^label: sample 'a' has more than one label \('x' at line 2, 'y' at line 4\)",
    ),
    (H + "a,0,1,x\na,1,high,x\n", {}, r"^features: column 'v' has a non-numeric value 'high' at line 3"),
    (H + "a,0,1,x\na,1,inf,x\n", {}, r"^features: column 'v' has an infinite value at line 3"),
    (H + "a,0,1,x\nb,0,2,y\na,0,3,x\n", {}, r"^time: sample 'a' has two rows at time 0 \(lines 2 and 4\)"),
    (H + "a,0,1,x\na,,2,x\n", {}, r"^time: column 'time' is empty at line 3"),
    (H + "a,0,1,x\na,soon,2,x\n", {}, r"^time: column 'time' has 'soon' at line 3; expected numbers"),
    (H + "a,0,1,x\n,1,2,x\n", {}, r"^sample_id: column 'sample_id' is empty at line 3"),
    ("id,time,v,label\na,0,1,x\n", {}, r"^sample_id: no column .sample_id. in data.csv; its columns are id,"),
    ("sample_id,t,v,label\na,0,1,x\n", {}, r"^time: no column .time. in .*; its columns are sample_id, t,"),
    ("sample_id,time,v,y\na,0,1,x\n", {}, r"^label: no column 'label' in data.csv; its columns are .*, v, y"),
    (H + "a,0,1,x\n", {"features": "v,w"}, r"^features: no column 'w' in data.csv; its columns"),
    (H + "a,0,1,x\n", {"features": "v,label"}, r"^features: 'label' is the label column"),
    ("sample_id,time,label\na,0,x\n", {}, r"^features: .* has no column besides label, sample_id, time"),
    (H + "a,0,1,x\n", {"features": "v,v"}, r"^features: a column is listed twice"),
    (H + "a,0,1,x\n", {"time": "sample_id"}, r"^label/sample_id/time: expected three different"),
    ("sample_id,time,v,v\na,0,1,x\n", {}, r"^path: .* has more than one column named 'v'"),
    (H, {}, r"^path: .* has a header but no data rows"),
    ("", {}, r"^path: .* is empty"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "options", "message"), BAD_CSV)
def test_bad_csv_fails_with_an_argument_named_message(tmp_path, text, options, message):
    with pytest.raises(ValueError, match=message):
        load_user_data(write(tmp_path, text), **options)


def test_bad_npz_files(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, x=np.zeros((2, 3)), y=np.array([0, 1]))
    with pytest.raises(ValueError, match=r"^x: expected shape \(N, T, F\), got \(2, 3\)"):
        load_user_data(path)
    np.savez(path, x=np.zeros((2, 3, 1)))
    with pytest.raises(ValueError, match=r"^path: .* has no y array; it has \['x'\]"):
        load_user_data(path)
    np.savez(path, x=np.zeros((2, 3, 1)), y=np.array([0, 1], dtype=object))
    with pytest.raises(ValueError, match=r"^path: .* holds pickled objects, which are refused"):
        load_user_data(path)
    x = np.zeros((2, 3, 1))
    x[1, 1, 0] = np.nan
    np.savez(path, x=x, y=np.array([0, 1]))
    with pytest.raises(ValueError, match=r"^x: .* has missing values \(NaN\), the first at sample 1, step 1"):
        load_user_data(path)
    assert load_user_data(path, impute="zero").x[1, 1, 0] == 0
    np.savez(path, x=np.zeros((2, 3, 1)), y=np.array([0, 1]), lengths=np.array([3, 4]))
    with pytest.raises(ValueError, match=r"^lengths: expected values in \[1, 3\]"):
        load_user_data(path)
    np.savez(path, x=np.zeros((2, 3, 1)), y=np.array([0, 1]), feature_names=np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"^feature_names: expected 1 strings"):
        load_user_data(path)
    np.savez(path, x=np.zeros((2, 3, 1)), y=np.array([0, 1]), meta=np.array(json.dumps([1])))
    with pytest.raises(ValueError, match=r"^path: .* has a 'meta' entry that is not a JSON object"):
        load_user_data(path)
    np.savez(path, x=np.zeros((2, 3, 1)), y=np.array([0, 1]))
    with pytest.raises(ValueError, match=r"^features: .* has no feature_names to select"):
        load_user_data(path, features=["a"])
    not_npz = write(tmp_path, "plain text", "fake.npz")
    with pytest.raises(ValueError, match=r"^path: .* is not an .npz file"):
        load_user_data(not_npz)


def test_bad_path_and_format(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^path: no file at"):
        load_user_data(tmp_path / "absent.csv")
    with pytest.raises(ValueError, match=r"^format: cannot tell the format of data.xlsx"):
        load_user_data(write(tmp_path, "x", "data.xlsx"))
    with pytest.raises(ValueError, match=r"^format: expected one of csv, npz, parquet, ts"):
        load_user_data(write(tmp_path, VITALS), format="excel")
    # An explicit format overrides the suffix.
    assert load_user_data(write(tmp_path, VITALS, "vitals.txt"), format="csv").x.tolist() == VITALS_X
