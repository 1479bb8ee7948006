"""The recipe "add a suite" (docs/architecture.md), followed exactly: declare a tiny suite, register
it, run it through the runner, and check its rows against values recomputed by hand."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from salience.data import make_box, split_dataset
from salience.explain import attribute
from salience.models import build_model
from salience.runs.events import RunEvents
from salience.runs.layout import task_dir
from salience.runs.runner import Task, run_suite
from salience.runs.store import ResultStore, TaskKey
from salience.suites import SUITES, Suite, get_suite, register
from salience.training import TrainConfig, fit, load_checkpoint, predict_logits, save_checkpoint


# 1. A profile: every setting that decides a number.
@dataclass(frozen=True)
class TinyProfile:
    name: str
    n_samples: int
    max_epochs: int
    models: tuple[str, ...]


PROFILES = {"quick": TinyProfile("quick", n_samples=40, max_epochs=1, models=("lstm", "bilstm"))}


# 2. The plan: one task per model, on one data group, done once its saliency file exists.
def plan(profile: TinyProfile, seed: int) -> list[Task]:
    return [
        Task(TaskKey("tiny-box", "latter", m, "traditional", "gradient", seed), group="latter",
             artefacts=("saliency.npz",), max_epochs=profile.max_epochs)
        for m in profile.models
    ]  # fmt: skip


# 3. The data of a group, prepared once per run.
def prepare(profile: TinyProfile, group: str, seed: int):
    data = make_box(group, n=profile.n_samples, n_steps=6, n_features=3, seed=seed)
    return split_dataset(data, test=10, seed=seed)


# 4. One task: train, save the checkpoint, explain the test split, save the maps, return the metrics.
def run_task(context) -> dict[str, float]:
    splits, key = context.data, context.key
    model = build_model(key.model, n_features=3, n_classes=2, seed=key.seed, hidden_size=4)
    config = TrainConfig(max_epochs=context.profile.max_epochs, seed=key.seed, device="cpu")
    fit(model, splits.train, splits.validation, config, on_epoch=context.on_epoch)
    save_checkpoint(context.checkpoint, model)
    x = torch.from_numpy(splits.test.x)
    predicted = predict_logits(model, x).argmax(dim=1).numpy()
    saliency = attribute(model, x, y=splits.test.y, method="gradient").numpy()
    np.savez(context.directory / "saliency.npz", saliency=saliency)
    mask = splits.test.mask
    return {
        "acc": float((predicted == splits.test.y).mean()),
        "box_mass": float((saliency * mask).sum() / saliency.sum()),
    }


# 5. Collect the results from the store; write the outputs.
def collect(run_dir, profile: TinyProfile, seed: int) -> dict[str, dict[str, float]]:
    store = ResultStore(run_dir / "results.sqlite")
    return {m: store.get(plan(profile, seed)[i].key) for i, m in enumerate(profile.models)}


def write(run_dir, results, profile: TinyProfile, seed: int) -> None:
    lines = ["model,acc,box_mass"] + [f"{m},{r['acc']},{r['box_mass']}" for m, r in results.items()]
    (run_dir / "table.csv").write_text("\n".join(lines) + "\n")


# 6. The declaration, then one registry line.
TINY_SUITE = Suite(
    name="tiny-box", title="A tiny box suite", profiles=PROFILES, plan=plan, prepare=prepare,
    run_task=run_task, collect=collect, write=write, tables={"table": "Accuracy and box mass per model"},
)  # fmt: skip


@pytest.fixture
def registered():
    register(TINY_SUITE)
    yield get_suite("tiny-box")
    SUITES.pop("tiny-box")


def test_recipe_add_a_suite(registered, tmp_path):
    torch.set_num_threads(1)
    started, skipped = [], []
    events = RunEvents(
        task_started=lambda key, epochs: started.append((key.model, epochs)),
        task_done=lambda key, was_skipped: skipped.append(was_skipped),
    )
    results = run_suite(registered, tmp_path, "quick", events=events)
    assert started == [("lstm", 1), ("bilstm", 1)] and skipped == [False, False]

    # Recompute every stored value by hand from the saved artefacts.
    test = prepare(PROFILES["quick"], "latter", 0).test
    for model in ("lstm", "bilstm"):
        key = TaskKey("tiny-box", "latter", model, "traditional", "gradient", 0)
        directory = task_dir(tmp_path, key)
        net = load_checkpoint(directory / "checkpoint").model.eval()
        with torch.no_grad():
            logits = net(torch.from_numpy(test.x)).numpy()
        correct = sum(int(np.argmax(logits[i]) == test.y[i]) for i in range(len(test.y)))
        saliency = np.load(directory / "saliency.npz")["saliency"]
        inside = total = 0.0
        for n, t, f in np.ndindex(saliency.shape):
            total += saliency[n, t, f]
            inside += saliency[n, t, f] if test.mask[n, t, f] else 0.0
        assert results[model]["acc"] == pytest.approx(correct / len(test.y))
        assert results[model]["box_mass"] == pytest.approx(inside / total, rel=1e-5)
    assert (tmp_path / "table.csv").read_text().count("\n") == 3

    config = json.loads((tmp_path / "config.json").read_text())
    assert config["title"] == "A tiny box suite"
    assert config["tables"] == {"table": "Accuracy and box mass per model"}

    started.clear(), skipped.clear()
    again = run_suite(registered, tmp_path, "quick", events=events)
    assert started == [] and skipped == [True, True]  # a second run skips every task
    assert again == results


def test_recipe_suite_runs_from_the_cli_and_the_report_shows_its_declarations(registered, tmp_path, capsys):
    from salience.cli import main
    from salience.report import write_report

    torch.set_num_threads(1)
    run_dir = tmp_path / "run"
    assert main(["reproduce", "tiny-box", "--out", str(run_dir), "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert "Accuracy and box mass per model" in printed and "lstm" in printed
    page = write_report(run_dir).read_text()
    assert "A tiny box suite" in page and "Accuracy and box mass per model" in page
