"""``salience models`` (the listing) and ``salience train --option`` (refusal and typing)."""

from __future__ import annotations

import json

import numpy as np

from salience.cli import main
from salience.data import Dataset
from salience.models import MODELS


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _data(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "data.npz"
    Dataset(x=rng.standard_normal((24, 6, 1)).astype(np.float32), y=np.arange(24) % 2).save(path)
    return path


def test_models_lists_every_model_with_defaults_and_paper_sizes(capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0
    for name in MODELS:
        assert name in out
    code, out, _ = run(capsys, "models", "transformer")
    assert code == 0 and "tcn" not in out
    row = next(line for line in out.splitlines() if "d_model" in line)
    assert "64" in row and "none" in row  # default 64, paper: the input width (none)
    row = next(line for line in out.splitlines() if "n_layers" in line)
    assert "2" in row and "6" in row


def test_models_refuses_an_unknown_name(capsys):
    code, _, err = run(capsys, "models", "gru")
    assert code == 2 and err.startswith("error: NAME: unknown model 'gru'") and len(err.splitlines()) == 1


def test_train_help_points_to_the_models_command(capsys):
    code, out, _ = run(capsys, "train", "--help")
    assert code == 0 and "salience models" in out


def test_train_refuses_an_option_the_model_does_not_take_before_writing(capsys, tmp_path):
    data, out = _data(tmp_path), tmp_path / "ckpt"
    code, _, err = run(capsys, "train", data, "--model", "lstm", "--out", out, "--option", "r=5")
    assert code == 2 and len(err.splitlines()) == 1
    assert err == "error: --option r: 'lstm' does not take this option; it takes dropout, hidden_size\n"
    assert not out.exists()
    code, _, err = run(capsys, "train", data, "--model", "lstm", "--out", out, "--option", "hidden_size=big")
    assert code == 2 and err.startswith("error: --option hidden_size: expected int")
    code, _, err = run(capsys, "train", data, "--model", "lstm", "--out", out, "--option", "hidden_size")
    assert code == 2 and err.startswith("error: --option: expected KEY=VALUE")
    assert not out.exists()


def test_train_types_option_values_from_the_defaults(capsys, tmp_path):
    data, out = _data(tmp_path), tmp_path / "ckpt"
    code, _, err = run(
        capsys, "train", data, "--model", "transformer", "--out", out, "--max-epochs", "1", "--device", "cpu",
        "--option", "d_model=8", "--option", "n_heads=2", "--option", "causal=false", "--option", "dropout=0",
    )  # fmt: skip
    assert code == 0, err
    options = json.loads((out / "config.json").read_text())["model"]["options"]
    given = {"d_model": 8, "n_heads": 2, "causal": False, "dropout": 0.0}
    assert {key: options[key] for key in given} == given
    assert isinstance(options["dropout"], float)
