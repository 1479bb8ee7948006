"""Acceptance (issue 11): a user's long-form CSV with string labels, a test file that lacks a class
and lists its features in another order is scored and explained against the checkpoint's classes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from salience.cli import main
from salience.data import Dataset
from salience.training import load_checkpoint, predict_logits

CLASSES = ("alpha", "beta", "gamma")


def _write(path: Path, samples: list[tuple[str, str]], columns: tuple[str, ...], seed: int) -> None:
    """Long form: class k shifts feature f1 by 2k at every step; f2 is noise."""
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sample_id", "time", *columns, "label"])
        for sample, label in samples:
            shift = 2.0 * CLASSES.index(label)
            for step in range(6):
                values = {"f1": shift + rng.normal(0, 0.3), "f2": rng.normal(0, 1.0)}
                writer.writerow([sample, step, *(round(values[c], 3) for c in columns), label])


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("user-csv")
    train = [(f"tr{i}", CLASSES[i % 3]) for i in range(60)]
    test = [(f"te{i}", CLASSES[i % 3]) for i in range(30)]
    _write(root / "train.csv", train, ("f1", "f2"), seed=0)
    _write(root / "full.csv", test, ("f1", "f2"), seed=1)
    # The same test samples without class alpha, and with the feature columns swapped.
    _write(root / "part.csv", [s for s in test if s[1] != "alpha"], ("f2", "f1"), seed=1)
    for stem in ("train", "full", "part"):
        assert main(["data", "import", str(root / f"{stem}.csv"), "--out", str(root / f"{stem}.npz")]) == 0
    assert main([
        "train", str(root / "train.npz"), "--model", "lstm", "--out", str(root / "model"),
        "--max-epochs", "40", "--lr", "0.02", "--device", "cpu", "--option", "hidden_size=16",
    ]) == 0  # fmt: skip
    return root


def test_the_part_file_is_numbered_per_file_and_the_checkpoint_knows_the_names(project) -> None:
    part = Dataset.load(project / "part.npz")
    assert part.class_names == ["beta", "gamma"] and part.feature_names == ["f2", "f1"]
    loaded = load_checkpoint(project / "model")
    assert loaded.class_names == list(CLASSES) and loaded.feature_names == ["f1", "f2"]


def test_evaluate_scores_the_part_file_against_the_checkpoint_classes(project) -> None:
    out = project / "scores.json"
    assert main(["evaluate", str(project / "part.npz"), "--checkpoint", str(project / "model"),
                 "--out", str(out)]) == 0  # fmt: skip
    accuracy = json.loads(out.read_text())["accuracy"]
    # By hand: the checkpoint on the full file (same numbering as training), restricted to the
    # samples whose class is not alpha.
    loaded = load_checkpoint(project / "model")
    full = loaded.standardizer.transform(Dataset.load(project / "full.npz"))
    predicted = predict_logits(loaded.model, torch.from_numpy(full.x)).argmax(dim=1).numpy()
    kept = full.y != CLASSES.index("alpha")
    expected = float((predicted[kept] == full.y[kept]).mean())
    assert accuracy == pytest.approx(expected)
    assert expected > 0.9  # a per-file numbering would score near 0 here


def test_explain_targets_the_checkpoint_index_of_the_true_class(project) -> None:
    out = project / "saliency.npz"
    code = main(["explain", str(project / "model"), str(project / "part.npz"), "--out", str(out),
                 "--no-report"])  # fmt: skip
    assert code == 0
    part = Dataset.load(project / "part.npz")
    names = [part.class_names[k] for k in part.y]
    with np.load(out, allow_pickle=False) as stored:
        assert stored["y"].tolist() == [CLASSES.index(name) for name in names]
        assert stored["attributions"].shape == (len(names), 6, 2)


def test_a_class_the_checkpoint_does_not_know_is_refused(project, capsys) -> None:
    _write(project / "odd.csv", [("x1", "alpha"), ("x2", "beta")], ("f1", "f2"), seed=2)
    text = (project / "odd.csv").read_text().replace(",beta", ",delta")
    (project / "odd.csv").write_text(text)
    assert main(["data", "import", str(project / "odd.csv"), "--out", str(project / "odd.npz")]) == 0
    capsys.readouterr()
    out = project / "odd-saliency.npz"
    code = main(["explain", str(project / "model"), str(project / "odd.npz"), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "class 'delta'" in err and "alpha, beta, gamma" in err
    assert not out.exists()
    assert main(["evaluate", str(project / "odd.npz"), "--checkpoint", str(project / "model")]) == 2
    assert "class 'delta'" in capsys.readouterr().err
