"""What an explain run hands a user: the attribution file's fields, the long-form table (CSV and
Parquet), several methods in one run with their comparison table, --target and --tsr, and the
checkpoint's training provenance. Each is checked against a plain loop or a direct library call."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from salience.data import Dataset, make_box
from salience.explain import attribute
from salience.models import build_model
from salience.suites.explain_compare import top_cells_share
from salience.suites.explain_run import explain_checkpoint
from salience.training import load_checkpoint, save_checkpoint

FEATURES = ["hr", "spo2", "temp"]
CLASSES = ["calm", "alarm"]
HISTORY = [
    {"epoch": 1, "train_loss": 0.7, "train_accuracy": 0.5, "val_loss": 0.69, "val_accuracy": 0.55,
     "best_epoch": 1, "seconds": 0.1},
    {"epoch": 2, "train_loss": 0.6, "train_accuracy": 0.7, "val_loss": 0.6, "val_accuracy": 0.8,
     "best_epoch": 2, "seconds": 0.1},
]  # fmt: skip


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> tuple[Path, Path, Dataset]:
    """A variable-length 3-feature set with named samples, classes and features; a small LSTM."""
    root = tmp_path_factory.mktemp("outputs")
    box = make_box("earlier", n=10, n_steps=8, n_features=3, seed=0)
    lengths = np.array([8, 6, 8, 5, 8, 8, 7, 8, 8, 4])
    x = box.x.copy()
    for i, n in enumerate(lengths):
        x[i, n:] = 0.0
    meta = {"feature_names": FEATURES, "class_names": CLASSES, "sample_ids": [f"s{i:02d}" for i in range(10)]}
    data = Dataset(x, box.y, lengths=lengths, meta=meta)
    data.save(root / "d.npz")
    metadata = {
        "train": {"training": "traditional", "max_epochs": 2},
        "result": {"best_epoch": 2, "best_val_accuracy": 0.8, "epochs_run": 2, "history": HISTORY},
    }
    save_checkpoint(
        root / "model", build_model("lstm", n_features=3, n_classes=2, seed=0), metadata=metadata
    )
    return root, root / "d.npz", data


def _loop_table(data: Dataset, saliency: np.ndarray) -> list[list[str]]:
    rows = []
    for i in range(data.n_samples):
        for t in range(int(data.lengths[i])):
            for k in range(data.n_features):
                rows.append([data.meta["sample_ids"][i], str(t), FEATURES[k], float(saliency[i, t, k]),
                             float(data.x[i, t, k])])  # fmt: skip
    return rows


def _model_outputs(checkpoint: Path, data: Dataset) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    loaded = load_checkpoint(checkpoint)
    x, lengths = torch.from_numpy(data.x), torch.from_numpy(data.lengths)
    return loaded.model, x, lengths


def test_the_attribution_file_describes_itself(setup, tmp_path) -> None:
    root, path, data = setup
    run = explain_checkpoint(root / "model", path, out=tmp_path / "a.npz", device="cpu")
    model, x, lengths = _model_outputs(root / "model", data)
    with torch.no_grad():
        probabilities = torch.softmax(model(x, lengths=lengths).double(), dim=1).numpy()
    with np.load(tmp_path / "a.npz", allow_pickle=False) as stored:
        assert stored["sample_id"].tolist() == [f"s{i:02d}" for i in range(10)]
        assert stored["y"].tolist() == data.y.tolist() and stored["target"].tolist() == data.y.tolist()
        np.testing.assert_allclose(stored["probabilities"], probabilities, rtol=1e-5)
        assert stored["predicted"].tolist() == probabilities.argmax(axis=1).tolist()
        assert stored["class_names"].tolist() == CLASSES and stored["feature_names"].tolist() == FEATURES
        assert str(stored["method"]) == "gradient" and stored["lengths"].tolist() == data.lengths.tolist()
        np.testing.assert_array_equal(stored["attributions"], run.attributions)
    with open(run.run_dir / "attributions.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["sample_id", "time", "feature", "attribution", "value"]
    expected = _loop_table(data, run.attributions)
    assert len(rows) - 1 == len(expected) == int(data.lengths.sum()) * 3  # padding left out
    for got, want in zip(rows[1:], expected, strict=True):
        assert got[:3] == want[:3]
        assert float(got[3]) == pytest.approx(want[3], rel=1e-6, abs=1e-12)
        assert float(got[4]) == pytest.approx(want[4], rel=1e-6, abs=1e-12)


def test_parquet_holds_the_same_table(setup, tmp_path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    root, path, data = setup
    run = explain_checkpoint(
        root / "model", path, out=tmp_path / "a.npz", device="cpu", table_format="parquet"
    )
    table = pq.read_table(run.run_dir / "attributions.parquet").to_pydict()
    expected = _loop_table(data, run.attributions)
    assert list(table) == ["sample_id", "time", "feature", "attribution", "value"]
    assert table["sample_id"] == [r[0] for r in expected] and table["feature"] == [r[2] for r in expected]
    assert table["time"] == [int(r[1]) for r in expected]
    np.testing.assert_allclose(table["attribution"], [r[3] for r in expected], rtol=1e-6)


def test_several_methods_with_a_named_target(setup, tmp_path) -> None:
    root, path, data = setup
    run = explain_checkpoint(
        root / "model", path, out=tmp_path / "m.npz", method="gradient,integrated_gradients",
        target="alarm", device="cpu",
    )  # fmt: skip
    model, x, lengths = _model_outputs(root / "model", data)
    assert list(run.methods) == ["gradient", "integrated_gradients"]
    for name, result in run.methods.items():
        assert result.out == tmp_path / f"m-{name}.npz"
        expected = attribute(model, x, 1, method=name, lengths=lengths, batch_size=100).numpy()
        with np.load(result.out) as stored:
            np.testing.assert_allclose(stored["attributions"], expected, rtol=1e-5, atol=1e-7)
            assert stored["target"].tolist() == [1] * 10 and str(stored["method"]) == name
        assert (run.run_dir / f"attributions-{name}.npz").is_file()
        assert (run.run_dir / f"attributions-{name}.csv").is_file()
        assert (run.run_dir / "figures" / f"{name}-class_series.png").is_file()
    with open(run.run_dir / "methods.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["method"] for r in rows] == ["gradient", "integrated_gradients"]
    for row in rows:
        result = run.methods[row["method"]]
        assert float(row["top10_share"]) == pytest.approx(_loop_top_share(result.attributions, data.lengths))
        assert row["top_feature"] == result.ranking.features[int(result.ranking.feature_order()[0])]
    # the ground-truth-free scores are the library's, for the explained class
    from salience.metrics import faithfulness_table
    from salience.suites.explain_compare import FAITHFULNESS_COLUMNS

    maps = {name: torch.from_numpy(result.attributions) for name, result in run.methods.items()}
    reference = faithfulness_table(model, x, maps, target=torch.ones(10, dtype=torch.int64), lengths=lengths)
    for row, expected in zip(rows, reference, strict=True):
        for column in FAITHFULNESS_COLUMNS:
            assert float(row[column]) == pytest.approx(expected[column], abs=1e-6)
    with open(run.run_dir / "top_features.csv", newline="") as handle:
        ranked = list(csv.DictReader(handle))
    assert [r["method"] for r in ranked] == ["gradient"] * 3 + ["integrated_gradients"] * 3
    assert json.loads((run.run_dir / "config.json").read_text())["profile"]["target"] == "alarm"


def test_tsr_and_an_index_target_reach_attribute(setup, tmp_path) -> None:
    root, path, data = setup
    run = explain_checkpoint(
        root / "model", path, out=tmp_path / "t.npz", target=0, tsr=True, write_run=False, device="cpu"
    )
    model, x, lengths = _model_outputs(root / "model", data)
    expected = attribute(model, x, 0, lengths=lengths, tsr=True, batch_size=100).numpy()
    np.testing.assert_allclose(run.attributions, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "panic"}, "target: expected a class name (calm, alarm) or an index 0..1"),
        ({"target": 2}, "target: expected a class name"),
        ({"method": "gradient,magic"}, "method: expected names from"),
        ({"table_format": "xlsx"}, "format: expected one of csv, parquet"),
    ],
)
def test_bad_arguments_are_named_and_nothing_is_written(setup, tmp_path, kwargs, message) -> None:
    root, path, _ = setup
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        explain_checkpoint(root / "model", path, out=tmp_path / "x.npz", device="cpu", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_training_provenance_is_in_the_run(setup, tmp_path) -> None:
    root, path, _ = setup
    run = explain_checkpoint(root / "model", path, out=tmp_path / "p.npz", device="cpu")
    config = json.loads((run.run_dir / "config.json").read_text())
    assert config["training"]["kind"] == "traditional" and config["training"]["history"] == HISTORY
    profile = config["profile"]
    assert (profile["training"], profile["epochs"], profile["best_epoch"], profile["val_accuracy"]) == (
        "traditional", 2, 2, 0.8,
    )  # fmt: skip
    with open(run.run_dir / "training.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [float(r["val_accuracy"]) for r in rows] == [0.55, 0.8]
    assert (run.run_dir / "figures" / "training_curve.png").is_file()
    assert (run.run_dir / "figures" / "svg" / "training_curve.svg").is_file()


def _loop_top_share(saliency: np.ndarray, lengths: np.ndarray) -> float:
    shares = []
    for i in range(saliency.shape[0]):
        cells = sorted((abs(float(v)) for v in saliency[i, : int(lengths[i])].ravel()), reverse=True)
        total = math.fsum(cells)
        if total > 0:
            k = max(1, math.ceil(0.1 * len(cells)))
            shares.append(math.fsum(cells[:k]) / total)
    return sum(shares) / len(shares)


def test_top_cells_share_matches_a_loop() -> None:
    saliency = np.random.default_rng(0).normal(size=(4, 7, 3))
    saliency[2] = 0.0  # a sample without saliency is left out
    lengths = np.array([7, 5, 7, 3])
    assert top_cells_share(saliency, lengths) == pytest.approx(_loop_top_share(saliency, lengths))
