"""The ``salience`` command: each stage on files, and one-line errors with a non-zero exit."""

from __future__ import annotations

import json

import numpy as np
import pytest

from salience.cli import main
from salience.data import Dataset


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """data make -> train -> explain on a tiny latter-box set (the easiest box for an LSTM)."""
    root = tmp_path_factory.mktemp("cli")
    data = root / "latter.npz"
    assert (
        main(
            [
                "data",
                "make",
                "latter",
                "--out",
                str(data),
                "--n",
                "160",
                "--n-steps",
                "12",
                "--n-features",
                "5",
            ]
        )
        == 0
    )
    checkpoint = root / "model"
    assert (
        main([
            "train", str(data), "--model", "lstm-mean", "--out", str(checkpoint), "--max-epochs", "25",
            "--lr", "0.01", "--device", "cpu", "--option", "hidden_size=8",
        ])
        == 0
    )  # fmt: skip
    attributions = root / "saliency.npz"
    assert main(["explain", str(checkpoint), str(data), "--out", str(attributions)]) == 0
    return root, data, checkpoint, attributions


def test_data_make_writes_a_loadable_dataset(pipeline):
    _, data, _, _ = pipeline
    dataset = Dataset.load(data)
    assert dataset.x.shape == (160, 12, 5)
    # latter box at T = 12, F = 5: steps [8, 12) (70% of 12 = 8.4), features [1, 5) (10..90% of 5,
    # halves rounded up).
    assert dataset.mask[0].sum() == 4 * 4


def test_train_explain_evaluate(pipeline, capsys):
    root, data, checkpoint, attributions = pipeline
    assert json.loads((checkpoint / "config.json").read_text())["model"]["name"] == "lstm-mean"
    with np.load(attributions, allow_pickle=False) as stored:
        assert stored["attributions"].shape == (160, 12, 5)
    scores_path = root / "scores.json"
    code, out, _ = run(
        capsys,
        "evaluate",
        data,
        "--attributions",
        attributions,
        "--checkpoint",
        checkpoint,
        "--out",
        scores_path,
    )
    assert code == 0
    scores = json.loads(scores_path.read_text())
    assert scores["accuracy"] > 0.9
    assert 0.0 <= scores["wjac"] <= 1.0
    assert "wjac" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["data", "make", "nowhere", "--out", "x.npz"], "name: expected one of"),
        (["data", "make", "earlier", "--out", "x.npz", "--n", "0"], "n: expected a positive integer"),
        (["reproduce", "ica", "--models", "lstm,gru9"], "models: expected one of"),
        (["reproduce", "ica", "--profile", "huge"], "profile: expected one of"),
        (["reproduce", "ica", "--device", "tpu"], "device"),
        (["reproduce", "ica", "--stop-at-train-accuracy", "2"], "stop_at_train_accuracy"),
        (["train", "missing.npz", "--model", "lstm", "--out", "m"], "path: no dataset file"),
        (["explain", "no-such-checkpoint", "missing.npz", "--out", "a.npz"], "checkpoint"),
        (["evaluate", "missing.npz"], "attributions/checkpoint"),
        (["train", "--model", "lstm"], "Missing argument"),
    ],
)
def test_bad_input_prints_one_line_and_exits_nonzero(capsys, tmp_path, monkeypatch, args, needle):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *args)
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and needle in lines[0]
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_train_rejects_unknown_model_and_nan_data(capsys, tmp_path, pipeline):
    _, data, _, _ = pipeline
    code, _, err = run(capsys, "train", data, "--model", "transformerXL", "--out", tmp_path / "m")
    assert code == 2 and err.startswith("error: model: expected one of")
    dataset = Dataset.load(data)
    bad = tmp_path / "nan.npz"
    x = dataset.x.copy()
    x[0, 0, 0] = np.nan
    np.savez(bad, x=x, y=dataset.y)
    code, _, err = run(capsys, "train", bad, "--model", "lstm", "--out", tmp_path / "m")
    assert code == 2 and "x: expected finite values" in err
    assert not (tmp_path / "m").exists()


def test_corrupt_checkpoint_is_reported(capsys, tmp_path, pipeline):
    _, data, checkpoint, _ = pipeline
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((checkpoint / "config.json").read_text())
    (broken / "model.safetensors").write_bytes((checkpoint / "model.safetensors").read_bytes()[:50])
    code, _, err = run(capsys, "explain", broken, data, "--out", tmp_path / "a.npz")
    assert code == 2 and err.startswith("error: checkpoint")
    assert not (tmp_path / "a.npz").exists()


def test_help_on_every_command(capsys):
    for args in (["--help"], ["reproduce", "ica", "--help"], ["data", "make", "--help"], ["train", "--help"],
                 ["explain", "--help"], ["evaluate", "--help"]):  # fmt: skip
        code, out, _ = run(capsys, *args)
        assert code == 0 and "Usage" in out


def test_train_with_saliency_guided_training_records_its_settings(capsys, tmp_path, pipeline):
    _, data, _, _ = pipeline
    out = tmp_path / "sgt-model"
    code, printed, _ = run(
        capsys, "train", data, "--model", "lstm", "--out", out, "--max-epochs", "2", "--device", "cpu",
        "--option", "hidden_size=4", "--training", "sgt", "--sgt-fraction", "0.3", "--sgt-mode", "fast",
    )  # fmt: skip
    assert code == 0 and "best validation accuracy" in printed
    train = json.loads((out / "config.json").read_text())["metadata"]["train"]
    assert train["training"] == "sgt"
    assert train["sgt"]["fraction"] == 0.3 and train["sgt"]["mode"] == "fast"
    code, _, err = run(
        capsys, "train", data, "--model", "lstm", "--out", tmp_path / "bad", "--training", "sgt",
        "--sgt-fraction", "1.5",
    )  # fmt: skip
    assert code == 2 and err.startswith("error: fraction: expected a number in [0, 1)")
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize("suite", ["sgt-mnist", "sgt-text"])
def test_reproduce_sgt_refuses_a_bad_mode_before_any_work(capsys, tmp_path, suite):
    code, _, err = run(capsys, "reproduce", suite, "--sgt-mode", "slow", "--out", tmp_path / "run")
    assert code == 2 and err.startswith("error: sgt-mode: expected one of faithful, fast")
    assert not (tmp_path / "run").exists()


def test_evaluate_scores_attributions_without_a_mask_through_the_model(pipeline, capsys, tmp_path):
    import torch

    from salience.metrics import faithfulness_table
    from salience.training import load_checkpoint

    _, data, checkpoint, attributions = pipeline
    no_mask = Dataset.load(data)
    no_mask = Dataset(x=no_mask.x, y=no_mask.y, meta=no_mask.meta)
    path = tmp_path / "no-mask.npz"
    no_mask.save(path)
    code, _, err = run(capsys, "evaluate", path, "--attributions", attributions)
    assert code == 2 and "--checkpoint:" in err and "no ground-truth mask" in err

    scores_path = tmp_path / "scores.json"
    assert run(capsys, "evaluate", path, "--attributions", attributions, "--checkpoint", checkpoint,
               "--out", scores_path)[0] == 0  # fmt: skip
    scores = json.loads(scores_path.read_text())
    assert "wjac" not in scores and scores["accuracy"] > 0.9
    # The same numbers as the library on the checkpoint's (standardised) inputs and the true class.
    loaded = load_checkpoint(checkpoint)
    scaled = loaded.standardizer.transform(no_mask) if loaded.standardizer is not None else no_mask
    with np.load(attributions, allow_pickle=False) as stored:
        maps = torch.from_numpy(stored["attributions"])
    (row,) = faithfulness_table(loaded.model, torch.from_numpy(scaled.x), {"m": maps}, target=scaled.y)
    for key in ("deletion_auc", "insertion_auc", "comprehensiveness", "sufficiency"):
        assert scores[key] == pytest.approx(row[key], abs=1e-9)
        assert 0.0 <= scores[key] <= 1.0 or key in ("comprehensiveness", "sufficiency")
