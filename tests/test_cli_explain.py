"""`salience explain` on the user's data: the attributions, a run directory with ranked features and
time windows, figures and report.html, and one-line errors for bad input.

The shares are checked against a hand computation from the saved attributions: a sample's share of a
cell is |s| / Σ|s| over the sample, averaged over the samples.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from salience.cli import main
from salience.data import Dataset, make_box

FEATURES = ["heart_rate", "spo2", "temp", "resp", "bp", "noise"]


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def hand_shares(saliency: np.ndarray) -> tuple[list[float], list[float]]:
    """Per-feature and per-step shares by plain loops (samples without saliency skipped)."""
    n, t, f = saliency.shape
    features, steps, used = [0.0] * f, [0.0] * t, 0
    for i in range(n):
        total = math.fsum(abs(float(v)) for v in saliency[i].ravel())
        if total == 0:
            continue
        used += 1
        for step in range(t):
            for k in range(f):
                share = abs(float(saliency[i, step, k])) / total
                features[k] += share
                steps[step] += share
    return [v / used for v in features], [v / used for v in steps]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A latter box (informative features 1-4 of 6, named) and an LSTM that learns it."""
    root = tmp_path_factory.mktemp("explain")
    box = make_box("latter", n=160, n_steps=12, n_features=6, seed=0)
    data = root / "latter.npz"
    Dataset(box.x, box.y, mask=box.mask, meta={**box.meta, "feature_names": FEATURES}).save(data)
    checkpoint = root / "model"
    assert (
        main([
            "train", str(data), "--model", "lstm-mean", "--out", str(checkpoint), "--max-epochs", "25",
            "--lr", "0.01", "--device", "cpu", "--option", "hidden_size=8",
        ])
        == 0
    )  # fmt: skip
    return root, data, checkpoint, box


@pytest.fixture(scope="module")
def explained(trained):
    root, data, checkpoint, _ = trained
    out = root / "saliency.npz"
    code = main(["explain", str(checkpoint), str(data), "--out", str(out), "--window", "5", "--top", "3"])
    assert code == 0
    return out, root / "saliency-report"


def test_run_directory_holds_every_output(explained, trained) -> None:
    out, report_dir = explained
    for name in ("config.json", "attributions.npz", "top_features.csv", "top_windows.csv", "accuracy.csv",
                 "report.html", "figures/class_series.png", "figures/sample_series.png",
                 "figures/saliency_profile.png", "figures/training_curve.png", "figures/svg/class_series.svg",
                 "attributions.csv", "methods.csv", "training.csv"):  # fmt: skip
        assert (report_dir / name).is_file(), name
    config = json.loads((report_dir / "config.json").read_text())
    assert config["suite"] == "explain" and config["profile"]["method"] == "gradient"
    assert config["profile"]["checkpoint"] == str(trained[2]) and "torch" in config["versions"]
    with np.load(out) as given, np.load(report_dir / "attributions.npz") as kept:
        assert np.array_equal(given["attributions"], kept["attributions"])
    page = (report_dir / "report.html").read_text()
    assert page.count("<img ") == 4 and "heart_rate" in page and "saliency-report" in page
    assert not [p for p in report_dir.parent.iterdir() if p.name.startswith(".")]  # no staging left


def test_top_features_and_windows_match_a_hand_computation(explained, trained, capsys) -> None:
    out, report_dir = explained
    with np.load(out) as stored:
        saliency = stored["attributions"]
    features, steps = hand_shares(saliency)
    rows = read_csv(report_dir / "top_features.csv")
    assert [r["feature"] for r in rows] == [FEATURES[k] for k in sorted(range(6), key=lambda k: -features[k])]
    for row in rows:
        assert float(row["share"]) == pytest.approx(features[int(row["index"])], rel=1e-9)
    windows = read_csv(report_dir / "top_windows.csv")
    expected = {(0, 4): sum(steps[0:5]), (5, 9): sum(steps[5:10]), (10, 11): sum(steps[10:12])}
    assert {
        (int(w["start"]), int(w["end"])): pytest.approx(float(w["share"]), rel=1e-9) for w in windows
    } == (expected)
    # the box is informative on features 1-4: the trained model puts its saliency there
    assert {r["feature"] for r in rows[:4]} == set(FEATURES[1:5])
    # printed again the same way (--top 3 rows of each)
    _, data, checkpoint, _ = trained
    code, printed, _ = run(capsys, "explain", checkpoint, data, "--out", out, "--window", "5", "--top", "3")
    assert code == 0
    for row in rows[:3]:
        assert row["feature"] in printed and f"{100 * float(row['share']):.1f}%" in printed
    assert rows[3]["feature"] not in printed.split("Top time windows")[0].split("Top features")[1]
    assert "10–11" in printed or "5–9" in printed or "0–4" in printed


def test_accuracy_matches_evaluate(explained, trained, capsys, tmp_path) -> None:
    _, report_dir = explained
    _, data, checkpoint, _ = trained
    scores = tmp_path / "scores.json"
    assert run(capsys, "evaluate", data, "--checkpoint", checkpoint, "--out", scores)[0] == 0
    accuracy = json.loads(scores.read_text())["accuracy"]
    rows = {r["class"]: r for r in read_csv(report_dir / "accuracy.csv")}
    assert float(rows["all"]["accuracy"]) == pytest.approx(accuracy)
    assert int(rows["all"]["n_samples"]) == 160
    assert sum(int(r["n_samples"]) for name, r in rows.items() if name != "all") == 160


def test_variable_lengths_put_no_saliency_on_padding(trained, tmp_path, capsys) -> None:
    _, _, checkpoint, box = trained
    lengths = np.random.default_rng(0).integers(4, 9, size=box.n_samples)  # every series ends by step 8
    x = box.x.copy()
    for i, length in enumerate(lengths):
        x[i, length:] = 0.0
    data = tmp_path / "ragged.npz"
    Dataset(x, box.y, lengths=lengths, meta={"name": "ragged"}).save(data)
    out = tmp_path / "ragged-saliency.npz"
    code, printed, err = run(capsys, "explain", checkpoint, data, "--out", out, "--window", "3")
    assert code == 0, err
    with np.load(out) as stored:
        saliency = stored["attributions"]
    for i, length in enumerate(lengths):
        assert not saliency[i, length:].any()
    windows = {
        (int(w["start"]), int(w["end"])): float(w["share"])
        for w in read_csv(tmp_path / "ragged-saliency-report" / "top_windows.csv")
    }
    assert windows[(9, 11)] == 0.0 and sum(windows.values()) == pytest.approx(1.0)
    assert "dim_0" in printed  # no feature names: dim_k


def test_no_report_writes_only_the_attributions(trained, tmp_path, capsys) -> None:
    _, data, checkpoint, _ = trained
    code, _, _ = run(capsys, "explain", checkpoint, data, "--out", tmp_path / "a.npz", "--no-report")
    assert code == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["a.npz"]


def test_rerun_replaces_an_earlier_explain_run(trained, tmp_path, capsys) -> None:
    _, data, checkpoint, _ = trained
    target = tmp_path / "mine"
    for method in ("gradient", "random"):
        code, _, err = run(capsys, "explain", checkpoint, data, "--out", tmp_path / "a.npz", "--report-dir",
                           target, "--method", method)  # fmt: skip
        assert code == 0, err
    assert json.loads((target / "config.json").read_text())["profile"]["method"] == "random"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz", "mine"]


def _bad_inputs(root: Path, data: Path, checkpoint: Path) -> list[tuple[list[object], str]]:
    box = Dataset.load(data)
    wide = root / "wide.npz"
    Dataset(np.zeros((4, 12, 7)), np.array([0, 1, 0, 1])).save(wide)
    labels = root / "labels.npz"
    Dataset(box.x[:4], np.array([0, 1, 2, 0])).save(labels)
    taken = root / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    base = ["explain", checkpoint]
    return [
        ([*base, data, "--out", "a.txt"], "out: expected a file name ending in .npz"),
        ([*base, data, "--out", "a.npz", "--top", "0"], "top: expected a positive integer"),
        ([*base, data, "--out", "a.npz", "--window", "0"], "window: expected a positive integer"),
        ([*base, data, "--out", "a.npz", "--window", "13"], "--window: expected at most T = 12"),
        ([*base, wide, "--out", "a.npz"], "wide.npz has 7 features; the checkpoint expects 6"),
        ([*base, labels, "--out", "a.npz"], "has labels up to 2; the checkpoint has 2 classes"),
        ([*base, data, "--out", "rep/a.npz", "--report-dir", "rep"], "out: "),
        ([*base, data, "--out", "a.npz", "--report-dir", taken], "--report-dir: "),
        ([*base, root / "missing.npz", "--out", "a.npz"], "path: no dataset file"),
        (["explain", root / "no-model", data, "--out", "a.npz"], "checkpoint: no checkpoint directory"),
        ([*base, data, "--out", "a.npz", "--method", "magic"], "--method: expected names from"),
        ([*base, data, "--out", "a.npz", "--target", "nope"], "--target: expected a class name"),
        ([*base, data, "--out", "a.npz", "--format", "xlsx"], "--format: expected one of csv, parquet"),
    ]


def test_bad_input_prints_one_line_and_writes_nothing(trained, tmp_path, capsys, monkeypatch) -> None:
    _, data, checkpoint, _ = trained
    monkeypatch.chdir(tmp_path)
    cases = _bad_inputs(tmp_path, data, checkpoint)
    before = sorted(p.name for p in tmp_path.iterdir())
    for args, needle in cases:
        code, _, err = run(capsys, *args)
        lines = [line for line in err.splitlines() if line.strip()]
        assert code == 2 and len(lines) == 1, (args, err)
        assert lines[0].startswith("error: ") and needle in lines[0], (args, lines[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no a.npz, no report dir, no staging
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["notes.txt"]


def test_several_methods_a_target_and_tsr_from_the_command_line(trained, tmp_path, capsys) -> None:
    _, data, checkpoint, _ = trained
    out = tmp_path / "m.npz"
    code, printed, _ = run(
        capsys, "explain", checkpoint, data, "--out", out, "--method", "gradient,deeplift", "--target", "1",
        "--tsr", "--no-report", "--device", "cpu",
    )  # fmt: skip
    assert code == 0 and "Methods compared" in printed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m-deeplift.npz", "m-gradient.npz"]
    for name in ("gradient", "deeplift"):
        with np.load(tmp_path / f"m-{name}.npz", allow_pickle=False) as stored:
            assert str(stored["method"]) == name and set(stored["target"].tolist()) == {1}
            assert json.loads(str(stored["meta"]))["tsr"] is True
            assert stored["feature_names"].tolist() == FEATURES
