"""Issue 5's acceptance: on BasicMotions and JapaneseVowels (variable length) `salience train`, then
`salience explain`, then `salience report` work end to end from the command line."""

from __future__ import annotations

import csv
import importlib.util

import pytest

from salience.cli import main

pytestmark = [
    pytest.mark.reproduction,
    pytest.mark.usefixtures("one_thread"),
    pytest.mark.skipif(importlib.util.find_spec("sktime") is None, reason="needs the data extra (sktime)"),
]


@pytest.mark.parametrize(
    ("name", "n_features", "variable"), [("basic-motions", 6, False), ("japanese-vowels", 12, True)]
)
def test_train_explain_report_on_a_real_dataset(name, n_features, variable, tmp_path, capsys):
    train, test = tmp_path / "train.npz", tmp_path / "test.npz"
    assert main(["data", "load", name, "--split", "train", "--out", str(train)]) == 0
    assert main(["data", "load", name, "--split", "test", "--out", str(test)]) == 0
    loaded = capsys.readouterr().out
    assert ("variable lengths: yes" in loaded) is variable
    model = tmp_path / "model"
    assert main([
        "train", str(train), "--model", "lstm", "--out", str(model), "--max-epochs", "3", "--lr", "0.01",
        "--device", "cpu", "--option", "hidden_size=16",
    ]) == 0  # fmt: skip
    report_dir = tmp_path / "explained"
    saliency = tmp_path / "saliency.npz"
    code = main(["explain", str(model), str(test), "--out", str(saliency), "--report-dir", str(report_dir)])
    printed = capsys.readouterr().out
    assert code == 0 and "Accuracy of" in printed
    with open(report_dir / "top_features.csv") as handle:
        names = {row["feature"] for row in csv.DictReader(handle)}
    assert names == {f"dim_{k}" for k in range(n_features)}
    assert main(["report", str(report_dir), "--out", str(tmp_path / "report.html")]) == 0
    html = (tmp_path / "report.html").read_text()
    assert "dim_0" in html and html.count("data:image/png;base64,") >= 3
