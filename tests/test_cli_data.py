"""``salience data load`` and ``salience data import``: one summary line, a loadable .npz that
``salience train`` takes, and one-line errors that leave no file behind."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from salience.cli import main
from salience.data import Dataset, load_real

needs_sktime = pytest.mark.skipif(importlib.util.find_spec("sktime") is None, reason="needs salience[data]")


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@needs_sktime
def test_data_load_writes_the_real_dataset(tmp_path, capsys):
    out = tmp_path / "motions.npz"
    code, printed, _ = run(capsys, "data", "load", "basic-motions", "--split", "test", "--out", out)
    assert code == 0
    assert printed.count("\n") == 1
    assert "x (40, 100, 6), 4 classes (Standing, Running, Walking, Badminton)" in printed
    assert "variable lengths: no" in printed and "features: dim_0, dim_1" in printed
    saved, direct = Dataset.load(out), load_real("basic-motions", split="test")
    np.testing.assert_array_equal(saved.x, direct.x)
    np.testing.assert_array_equal(saved.y, direct.y)
    assert saved.meta["class_names"] == direct.meta["class_names"]


@needs_sktime
def test_data_load_variable_length_then_train(tmp_path, capsys):
    out = tmp_path / "vowels.npz"
    code, printed, _ = run(capsys, "data", "load", "JapaneseVowels", "--out", out)
    assert code == 0 and "variable lengths: yes (7-26 steps)" in printed
    saved = Dataset.load(out)
    assert saved.x.shape == (270, 26, 12) and saved.lengths.min() == 7
    checkpoint = tmp_path / "model"
    code, printed, _ = run(
        capsys, "train", out, "--model", "lstm", "--out", checkpoint, "--max-epochs", "1",
        "--device", "cpu", "--option", "hidden_size=4",
    )  # fmt: skip
    assert code == 0 and (checkpoint / "config.json").is_file()


CSV = """id,step,heart rate,spo2,outcome
p1,1,72,97,ok
p2,0,90,,ill
p1,0,70,98,ok
p2,1,91,90,ill
p2,2,92,89,ill
p3,0,60,99,ok
"""


def test_data_import_csv_then_train(tmp_path, capsys):
    source = tmp_path / "vitals.csv"
    source.write_text(CSV)
    out = tmp_path / "vitals.npz"
    args = ["data", "import", source, "--label", "outcome", "--sample-id", "id", "--time", "step"]
    code, printed, err = run(capsys, *args, "--out", out)
    assert code == 2 and not out.exists()
    assert err.strip().startswith("error: --features: column 'spo2' has a missing value at line 3")
    code, printed, _ = run(capsys, *args, "--impute", "ffill", "--features", "spo2,heart rate", "--out", out)
    assert code == 0 and printed.count("\n") == 1
    assert "vitals: x (3, 3, 2), 2 classes (ill, ok), variable lengths: yes (1-3 steps)" in printed
    assert "features: spo2, heart rate" in printed
    saved = Dataset.load(out)
    # p2's spo2 at step 0 is missing: ffill takes its first observed value, 90.
    assert saved.x.tolist() == [
        [[98, 70], [97, 72], [0, 0]],
        [[90, 90], [90, 91], [89, 92]],
        [[99, 60], [0, 0], [0, 0]],
    ]
    assert saved.meta["sample_ids"] == ["p1", "p2", "p3"] and saved.y.tolist() == [1, 0, 1]
    code, _, _ = run(
        capsys, "train", out, "--model", "lstm", "--out", tmp_path / "model", "--max-epochs", "1",
        "--device", "cpu", "--validation", "0.34", "--option", "hidden_size=4",
    )  # fmt: skip
    assert code == 0


def test_data_import_npz(tmp_path, capsys):
    source = tmp_path / "arrays.npz"
    np.savez(source, x=np.ones((4, 5, 2)), y=np.array(["b", "a", "b", "a"]))
    out = tmp_path / "converted.npz"
    code, printed, _ = run(capsys, "data", "import", source, "--out", out)
    assert code == 0 and "x (4, 5, 2), 2 classes (a, b), variable lengths: no" in printed
    assert Dataset.load(out).y.tolist() == [1, 0, 1, 0]


@pytest.mark.parametrize(("args", "message"), [
    (["data", "load", "basic_motion"], "error: name: expected one of acsf1"),
    (["data", "load", "gunpoint", "--split", "val"], "error: split: expected one of test, train"),
    (["data", "import", "{csv}", "--label", "y"], "error: --label: no column 'y' in vitals.csv; its columns"),
    (["data", "import", "{csv}", "--impute", "median"], "error: --impute: expected one of ffill, mean, zero"),
    (["data", "import", "{dir}/absent.csv"], "error: path: no file at"),
])  # fmt: skip
def test_errors_print_one_line_and_write_nothing(tmp_path, capsys, args, message):
    source = tmp_path / "vitals.csv"
    source.write_text(CSV)
    out = tmp_path / "out.npz"
    filled = [a.format(csv=source, dir=tmp_path) for a in args]
    code, printed, err = run(capsys, *filled, "--out", out)
    assert code == 2 and printed == ""
    assert err.startswith(message) and err.count("\n") == 1
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["vitals.csv"]


def test_out_must_be_an_npz(tmp_path, capsys):
    code, _, err = run(capsys, "data", "load", "unit-test", "--out", tmp_path / "unit.csv")
    assert code == 2 and err.startswith("error: out: expected a file name ending in .npz")
    assert not any(tmp_path.iterdir())


def test_missing_extra_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    from salience.data import real

    monkeypatch.setattr(real.importlib.util, "find_spec", lambda name: None)
    code, _, err = run(capsys, "data", "load", "gunpoint", "--out", tmp_path / "g.npz")
    assert code == 2 and "install salience[data]" in err and err.count("\n") == 1
