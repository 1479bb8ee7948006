"""`explain_checkpoint` as a library call: the same files as `salience explain` minus report.html,
rankings checked against hand computations, and the CLI package's shared options and entry points."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import typer

from salience.cli import app, main
from salience.data import Dataset, make_box
from salience.explain import attribute
from salience.models import build_model
from salience.suites.explain_run import ExplainRanking, explain_checkpoint
from salience.training import load_checkpoint, save_checkpoint


@pytest.fixture(scope="module")
def checkpoint_and_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("explain-run")
    data = root / "earlier.npz"
    make_box("earlier", n=24, n_steps=10, n_features=5, seed=1).save(data)
    checkpoint = root / "model"
    save_checkpoint(checkpoint, build_model("lstm", n_features=5, n_classes=2, seed=0))
    return checkpoint, data


def test_ranking_matches_a_hand_computation() -> None:
    saliency = np.zeros((3, 4, 2), dtype=np.float32)
    saliency[0, 3, 1] = 2.0  # sample 0: all on feature 1, window (2, 3)
    saliency[1, 0, 0], saliency[1, 1, 1] = 1.0, -3.0  # sample 1: f0 1/4, f1 3/4; all in window (0, 1)
    # sample 2 has no saliency: it takes no share
    data = Dataset(x=np.zeros((3, 4, 2), np.float32), y=np.array([0, 1, 1]))
    ranking = ExplainRanking.of(saliency, data, predictions=np.array([0, 0, 1]), window=2)
    assert ranking.feature_share.tolist() == pytest.approx([0.125, 0.875])
    assert ranking.windows == [(0, 1), (2, 3)]
    assert ranking.window_share.tolist() == pytest.approx([0.5, 0.5])
    assert ranking.feature_order().tolist() == [1, 0]
    assert ranking.window_order().tolist() == [0, 1]  # a tie keeps time order
    assert ranking.accuracy == pytest.approx(2 / 3)
    assert ranking.per_class == [("class 0", 1, 1.0), ("class 1", 2, 0.5)]


def test_library_call_writes_what_the_command_writes_but_the_report(checkpoint_and_data, tmp_path, capsys):
    checkpoint, data = checkpoint_and_data
    run = explain_checkpoint(checkpoint, data, out=tmp_path / "lib.npz", method="gradient", device="cpu")
    args = ["explain", str(checkpoint), str(data), "--out", str(tmp_path / "cli.npz"), "--device", "cpu"]
    assert main(args) == 0
    capsys.readouterr()
    lib, cli = tmp_path / "lib-report", tmp_path / "cli-report"
    assert run.run_dir == lib and run.out == tmp_path / "lib.npz"

    def files(root: Path) -> list[str]:
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    assert sorted([*files(lib), "report.html"]) == files(cli)  # the command adds only the report
    for name in ("top_features.csv", "top_windows.csv", "accuracy.csv", "figures/captions.json"):
        assert (lib / name).read_text() == (cli / name).read_text()
    config = json.loads((lib / "config.json").read_text())
    assert config["suite"] == "explain" and config["title"] == "Saliency of a checkpoint on your data"
    assert set(config["tables"]) == {"top_features", "top_windows", "accuracy", "methods", "training"}

    # Independent reference: attribute() on the data, as the checkpoint's model sees it (no scaler here).
    loaded, raw = load_checkpoint(checkpoint), Dataset.load(data)
    expected = attribute(loaded.model, torch.from_numpy(raw.x), y=raw.y, method="gradient").numpy()
    with np.load(tmp_path / "lib.npz") as stored:
        np.testing.assert_allclose(stored["attributions"], expected, rtol=1e-5, atol=1e-7)
        assert json.loads(str(stored["meta"]))["method"] == "gradient"
    np.testing.assert_allclose(run.attributions, expected, rtol=1e-5, atol=1e-7)
    assert run.ranking.window == 1  # a tenth of T = 10


def test_without_a_run_directory_only_the_attributions_are_written(checkpoint_and_data, tmp_path):
    checkpoint, data = checkpoint_and_data
    run = explain_checkpoint(checkpoint, data, out=tmp_path / "s.npz", write_run=False, window=5)
    assert run.run_dir is None and run.ranking.windows == [(0, 4), (5, 9)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.npz"]


def test_a_foreign_run_directory_is_refused_before_any_work(checkpoint_and_data, tmp_path):
    checkpoint, data = checkpoint_and_data
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match=r"report_dir: .* is not an explain run directory"):
        explain_checkpoint(checkpoint, data, out=tmp_path / "s.npz", run_dir=tmp_path / "mine")
    with pytest.raises(ValueError, match=r"out: expected a file name ending in \.npz"):
        explain_checkpoint(checkpoint, data, out=tmp_path / "s.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def _commands(group: object, prefix: str = "") -> dict[str, object]:
    found = {}
    for name, command in getattr(group, "commands", {}).items():
        if hasattr(command, "commands"):
            found.update(_commands(command, f"{prefix}{name} "))
        else:
            found[f"{prefix}{name}"] = command
    return found


def test_every_device_option_defaults_to_auto() -> None:
    commands = _commands(typer.main.get_command(app))
    with_device = {
        name for name, command in commands.items() if any(p.name == "device" for p in command.params)
    }
    assert with_device == {
        "train", "explain", "reproduce ica", "reproduce fmri", "reproduce sgt-mnist", "reproduce sgt-text",
        "reproduce sgt-timeseries", "bench run",
    }  # fmt: skip
    for name in with_device:
        (device,) = [p for p in commands[name].params if p.name == "device"]
        assert device.default == "auto", name


def test_python_dash_m_runs_the_command(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "salience.cli", "data", "make", "nosuch", "--out", str(tmp_path / "x.npz")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("error: name: expected one of") and result.stderr.count("\n") == 1
    assert result.stdout == ""
