"""The suite runner: config check, resume after a failure, model reuse, captions (runs/runner.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from salience.runs.events import RunEvents
from salience.runs.layout import FIT_METHOD, task_dir
from salience.runs.runner import Task, fit_task, run_suite
from salience.runs.store import ResultStore, TaskKey
from salience.suites.contract import Suite


@dataclass(frozen=True)
class _Profile:
    name: str
    scale: float


def _counting_suite(fail_on: set[str], prepared: list[str], loaded: list[TaskKey]) -> Suite:
    """Three tasks on two data groups; ``sum`` of the group's numbers times the task's factor."""
    data = {"a": [1.0, 2.0, 3.0], "b": [10.0]}

    def plan(profile: _Profile, seed: int) -> list[Task]:
        keys = [("a", "m1"), ("a", "m2"), ("b", "m1")]
        return [Task(TaskKey("count", d, m, "traditional", "sum", seed), group=d) for d, m in keys]

    def run_task(context) -> dict[str, float]:
        if context.key.model in fail_on and context.key.dataset == "a":
            fail_on.discard(context.key.model)
            raise RuntimeError("interrupted")
        factor = 1.0 if context.key.model == "m1" else 2.0
        return {"sum": context.profile.scale * factor * sum(context.data)}

    def prepare(profile: _Profile, group: str, seed: int) -> list[float]:
        prepared.append(group)
        return data[group]

    return Suite(
        name="count", title="Counting", profiles={"quick": _Profile("quick", 1.0)},
        plan=plan, prepare=prepare, run_task=run_task,
        collect=lambda run_dir, profile, seed: ResultStore(run_dir / "results.sqlite").rows("count"),
        write=lambda run_dir, results, profile, seed: None,
        load_model=lambda path, device: loaded.append(path) or "loaded",
    )  # fmt: skip


def test_resume_after_a_task_raised_keeps_finished_rows_and_reruns_only_the_missing(tmp_path):
    prepared: list[str] = []
    suite = _counting_suite({"m2"}, prepared, [])
    with pytest.raises(RuntimeError, match="interrupted"):
        run_suite(suite, tmp_path, "quick")
    store = ResultStore(tmp_path / "results.sqlite")
    assert {(r.dataset, r.model): r.value for r in store.rows("count")} == {("a", "m1"): 6.0}  # 1 + 2 + 3

    started, skipped = [], []
    events = RunEvents(
        task_started=lambda key, epochs: started.append((key.dataset, key.model)),
        task_done=lambda key, was_skipped: skipped.append((key.dataset, key.model)) if was_skipped else None,
    )
    rows = run_suite(suite, tmp_path, "quick", events=events)
    assert started == [("a", "m2"), ("b", "m1")]  # only the missing tasks ran
    assert skipped == [("a", "m1")]
    expected = {("a", "m1"): 6.0, ("a", "m2"): 12.0, ("b", "m1"): 10.0}  # 2 · (1 + 2 + 3); 10
    assert {(r.dataset, r.model): r.value for r in rows} == expected
    assert prepared == ["a", "a", "b"]  # data prepared lazily, once per group and run


def test_settings_change_is_refused_and_config_records_title_and_tables(tmp_path):
    suite = _counting_suite(set(), [], [])
    run_suite(suite, tmp_path, "quick")
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["title"] == "Counting" and config["tables"] == {} and config["suite"] == "count"
    with pytest.raises(ValueError, match=r"other settings \(scale\)"):
        run_suite(suite, tmp_path, _Profile("quick", 2.0))


def test_a_task_needing_a_model_reuses_this_runs_model_or_loads_the_checkpoint(tmp_path):
    loaded: list = []

    def plan(profile, seed):
        fit = fit_task(TaskKey("m", "d", "lstm", "traditional", "x", seed), 1)
        return [fit, Task(TaskKey("m", "d", "lstm", "traditional", "score", seed), needs=fit.key)]

    def run_task(context):
        if context.key.method == FIT_METHOD:
            context.model = "trained"
            (context.checkpoint).mkdir(parents=True)
            (context.checkpoint / "config.json").write_text("{}")
            return {"acc": 1.0}
        return {"model_was_trained": float(context.model == "trained")}

    suite = Suite(
        name="m", title="Models", profiles={"quick": {"name": "quick"}}, plan=plan,
        prepare=lambda profile, group, seed: None, run_task=run_task,
        collect=lambda run_dir, profile, seed: None, write=lambda run_dir, results, profile, seed: None,
        load_model=lambda path, device: loaded.append(path) or "loaded",
    )  # fmt: skip
    run_suite(suite, tmp_path, "quick")
    store = ResultStore(tmp_path / "results.sqlite")
    score = TaskKey("m", "d", "lstm", "traditional", "score", 0)
    assert store.get(score) == {"model_was_trained": 1.0} and loaded == []
    store.log(score, "failed")  # drop the score's rows: the rerun must load the saved model
    run_suite(suite, tmp_path, "quick")
    assert store.get(score) == {"model_was_trained": 0.0}
    assert loaded == [task_dir(tmp_path, score) / "checkpoint"]


def test_captions_are_written_for_the_figures_that_exist(tmp_path):
    def write(run_dir, results, profile, seed):
        (run_dir / "figures").mkdir()
        (run_dir / "figures" / "a.png").write_bytes(b"png")

    suite = Suite(
        name="f", title="Figures", profiles={"quick": {"name": "quick"}}, plan=lambda profile, seed: [],
        prepare=lambda profile, group, seed: None, run_task=lambda context: {},
        collect=lambda run_dir, profile, seed: None, write=write,
        figures=lambda profile: {"a.png": "Figure A", "b.png": "never drawn"},
    )  # fmt: skip
    run_suite(suite, tmp_path, "quick")
    assert json.loads((tmp_path / "figures" / "captions.json").read_text()) == {"a.png": "Figure A"}
