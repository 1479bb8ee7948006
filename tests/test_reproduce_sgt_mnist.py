"""The saliency guided training MNIST suite: the paper's direction on a reduced profile, outputs,
resume, and the settings guard."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch

from salience.metrics import metric_info
from salience.runs.events import RunEvents
from salience.runs.store import ResultStore, TaskKey
from salience.suites.sgt_mnist import (
    FIT,
    METHODS,
    SUITE,
    TRAININGS,
    format_summary,
    resolve_profile,
    run_sgt_mnist,
)
from salience.training import load_checkpoint

# Every method, one epoch on a few hundred digits: exercises the code paths, not the science.
TINY = resolve_profile(
    "quick", n_samples=300, n_test=60, n_eval=20, max_epochs=1, ig_steps=2, attribution_batch=10,
    n_figure_digits=2,
)  # fmt: skip
# Enough training for the paper's direction on the vanilla gradient (about 20 s on one thread).
REDUCED = resolve_profile(
    "quick", n_samples=2000, n_test=400, n_eval=150, max_epochs=3, methods=("gradient", "random"),
)  # fmt: skip


class _Recorder(RunEvents):
    def __init__(self) -> None:
        self.started: list[TaskKey] = []
        self.skipped: list[TaskKey] = []
        super().__init__(
            task_started=lambda key, epochs: self.started.append(key),
            task_done=lambda key, skipped: self.skipped.append(key) if skipped else None,
        )


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run_dir = tmp_path_factory.mktemp("sgt_tiny")
        return run_dir, run_sgt_mnist(run_dir, TINY, seed=0)
    finally:
        torch.set_num_threads(threads)


def test_every_method_is_stored_with_catalogued_metrics(tiny_run) -> None:
    run_dir, results = tiny_run
    store = ResultStore(run_dir / "results.sqlite")
    assert {(k.training, k.method) for k in store.done_keys(SUITE)} == {
        (t, m) for t in TRAININGS for m in (*METHODS, FIT)
    }
    for row in store.rows(SUITE):
        metric_info(row.metric)  # every stored name is described in the catalog
    for curve in results.curves:
        assert len(curve.accuracy) == 10 and all(0.0 <= a <= 1.0 for a in curve.accuracy)
        assert curve.accuracy[0] == results.curve(curve.training, "random").accuracy[0]  # same digits
    assert [t.training for t in results.trainings] == list(TRAININGS)
    assert all(0.0 <= t.gini <= 1.0 for t in results.trainings)
    checkpoint = load_checkpoint(run_dir / "tasks" / "mnist" / "cnn" / "sgt" / "seed0" / "checkpoint")
    assert checkpoint.config["name"] == "cnn"
    assert checkpoint.metadata["train"]["training"] == "sgt"
    assert checkpoint.metadata["train"]["sgt"]["fill"] == "sample_range"
    assert "Grad" in format_summary(results)


def test_a_second_run_computes_nothing_and_a_lost_task_is_redone(tiny_run, one_thread) -> None:
    run_dir, first = tiny_run
    store = ResultStore(run_dir / "results.sqlite")
    before = [(r.training, r.method, r.metric, r.value) for r in store.rows(SUITE)]
    events = _Recorder()
    again = run_sgt_mnist(run_dir, TINY, seed=0, events=events)
    assert events.started == []
    assert len(events.skipped) == len(TRAININGS) * (len(METHODS) + 1)
    assert [(r.training, r.method, r.metric, r.value) for r in store.rows(SUITE)] == before
    assert again.curves == first.curves

    lost = TaskKey(SUITE, "mnist", "cnn", "sgt", "deeplift", 0)
    store.log(lost, "failed", message="simulated crash")  # removes its rows
    events = _Recorder()
    redone = run_sgt_mnist(run_dir, TINY, seed=0, events=events)
    assert events.started == [lost]  # the model comes from its checkpoint, not from training
    assert redone.auc("sgt", "deeplift") == first.auc("sgt", "deeplift")


def test_a_run_directory_refuses_other_settings(tiny_run) -> None:
    run_dir, _ = tiny_run
    with pytest.raises(ValueError, match=r"run_dir: .* other settings \(max_epochs\)"):
        run_sgt_mnist(run_dir, resolve_profile(TINY, max_epochs=2), seed=0)


def test_profile_errors() -> None:
    with pytest.raises(ValueError, match="profile: expected one of paper, quick; got 'full'"):
        resolve_profile("full")
    with pytest.raises(ValueError, match="methods: expected one of"):
        resolve_profile("quick", methods=("occlusion",))
    with pytest.raises(ValueError, match="fractions: expected 0 first"):
        resolve_profile("quick", fractions=(0.1, 0.5))


@pytest.mark.reproduction
def test_saliency_guided_training_drops_accuracy_faster(tmp_path: Path, one_thread) -> None:
    results = run_sgt_mnist(tmp_path, REDUCED, seed=0)
    trainings = {t.training: t for t in results.trainings}
    assert all(t.test_accuracy > 0.85 for t in trainings.values())  # both models learned the digits
    # The paper's Figure 3: removing the top-|gradient| pixels hurts the SGT model more (lower area).
    assert results.auc("sgt", "gradient") < results.auc("traditional", "gradient")
    assert results.sgt_steeper("gradient") is True
    # …and the ranking matters: the random ranking drops far more slowly for both models.
    for training in TRAININGS:
        assert results.auc(training, "gradient") < results.auc(training, "random") - 20
    # Outputs: tables, figures and checkpoints.
    for name in ("config.json", "results.csv", "results.json", "table.csv", "table.json", "training.csv"):
        assert (tmp_path / name).is_file()
    for name in ("accuracy_drop.png", "saliency_maps.png"):
        assert (tmp_path / "figures" / name).read_bytes()[:4] == b"\x89PNG"
    with open(tmp_path / "table.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["training"], r["method"]) for r in rows] == [
        (t, m) for t in TRAININGS for m in ("gradient", "random")
    ]
    assert [k for k in rows[0] if k.startswith("acc@")] == [f"acc@{p}" for p in range(0, 100, 10)]
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["suite"] == SUITE and config["profile"]["optimizer"] == "adadelta"
