"""The benchmark grid: planning, Dask execution (a real 2-worker local cluster), the results store,
resuming after a kill, the summary tables and the ``salience bench`` commands."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import replace

import numpy as np
import pytest
import torch

from salience.bench.grid import bench_status, model_dir, plan, run_bench
from salience.bench.profile import BASELINE_METHODS, TRAINING_RUN, resolve_profile
from salience.bench.summary import summarize
from salience.bench.tasks import prepare_data
from salience.cli import main
from salience.explain import attribute
from salience.metrics import aup, aur
from salience.runs.events import RunEvents
from salience.runs.store import ResultRow, ResultStore
from salience.training import load_checkpoint

TINY = {
    "layouts": ["Middle", "RareTime"],
    "processes": ["Box"],
    "models": ["lstm", "tcn"],
    "methods": ["gradient"],
    "n_train": 60,
    "n_test": 20,
    "n_steps": 10,
    "n_features": 10,
    "max_epochs": 2,
    "batch_size": 20,
    "accuracy_threshold": 0.0,
}


def tiny_profile(**changes):
    return resolve_profile("quick", **{**TINY, **changes})


def results(path):
    """Every result row as comparable tuples (the task log holds times, which differ run to run)."""
    return sorted((r.dataset, r.model, r.method, r.metric, r.value) for r in ResultStore(path).rows())


def test_plan_orders_training_before_saliency_and_adds_the_baselines():
    profile = tiny_profile()
    tasks = plan(profile)
    methods_per_model = 1 + len(BASELINE_METHODS)
    assert len(tasks) == 2 * 1 * 2 * (1 + methods_per_model)
    assert len({t.key for t in tasks}) == len(tasks)
    seen_training = set()
    for task in tasks:
        model_key = (task.key.dataset, task.key.model)
        if task.is_training:
            seen_training.add(model_key)
        else:
            assert model_key in seen_training
    assert {t.key.method for t in tasks} == {TRAINING_RUN, "gradient", *BASELINE_METHODS}


@pytest.fixture(scope="module")
def two_worker_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("bench") / "run"
    events = []
    report = run_bench(
        run_dir,
        tiny_profile(),
        workers=2,
        events=RunEvents(planned=lambda total, todo: events.append((total, todo))),
    )
    return run_dir, report, events


def test_two_worker_grid_records_every_task(two_worker_run):
    run_dir, report, events = two_worker_run
    assert events == [(16, 16)]
    assert report.counts() == {"done": 16, "skipped": 0, "failed": 0, "pending": 0}
    store = ResultStore(run_dir / "results.sqlite")
    workers = {record.worker for record in store.task_log()}
    assert len(workers) == 2  # both worker processes took tasks
    for task in plan(tiny_profile()):
        metrics = store.get(task.key)
        if task.is_training:
            assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["epochs"] <= 2
            assert (model_dir(run_dir, task.key) / "model.safetensors").is_file()
        else:
            assert 0.0 <= metrics["aup"] <= 0.8 + 1e-12 and 0.0 <= metrics["aur"] <= 0.8 + 1e-12
            assert {f"masked_accuracy@{p}" for p in range(0, 101, 10)} <= set(metrics)


def test_recorded_scores_equal_a_direct_recomputation(two_worker_run):
    """Reload a model the grid trained and score its gradient maps by hand: same AUP and AUR."""
    run_dir, _, _ = two_worker_run
    store = ResultStore(run_dir / "results.sqlite")
    task = next(t for t in plan(tiny_profile()) if t.key.method == "gradient" and t.key.model == "tcn")
    model = load_checkpoint(model_dir(run_dir, replace(task.key, method=TRAINING_RUN))).model
    prepared = prepare_data(task.spec.model.data)
    maps = attribute(model, prepared.test.x, y=prepared.test.y, method="gradient", seed=0)
    recorded = store.get(task.key)
    assert recorded["aup"] == pytest.approx(aup(maps, prepared.test.mask), abs=1e-9)
    assert recorded["aur"] == pytest.approx(aur(maps, prepared.test.mask), abs=1e-9)
    # The random baseline is the gradient maps with the feature axis permuted.
    baseline = store.get(replace(task.key, method="random_permutation"))
    assert baseline["aup"] != recorded["aup"]


def test_rerun_computes_nothing_and_other_settings_are_refused(two_worker_run):
    run_dir, _, _ = two_worker_run
    before = results(run_dir / "results.sqlite")
    events = []
    report = run_bench(
        run_dir,
        tiny_profile(),
        workers=1,
        events=RunEvents(planned=lambda total, todo: events.append(todo)),
    )
    assert events == [0] and report.counts()["done"] == 16
    assert results(run_dir / "results.sqlite") == before
    with pytest.raises(ValueError, match=r"other settings.*n_train"):
        run_bench(run_dir, tiny_profile(n_train=80), workers=1)


def test_a_new_method_reuses_the_trained_models(two_worker_run, tmp_path):
    run_dir, _, _ = two_worker_run
    events = []
    run_bench(
        run_dir,
        tiny_profile(methods=["gradient", "integrated_gradients"]),
        workers=1,
        events=RunEvents(planned=lambda total, todo: events.append((total, todo))),
    )
    assert events == [(20, 4)]  # 4 models × the new method; no training
    status = bench_status(run_dir)
    assert status.counts() == {"done": 20, "skipped": 0, "failed": 0, "pending": 0}


def test_models_under_the_threshold_are_recorded_but_not_scored(tmp_path):
    profile = tiny_profile(layouts=["Middle"], models=["lstm"], accuracy_threshold=1.0, max_epochs=1)
    report = run_bench(tmp_path / "run", profile, workers=1)
    store = ResultStore(tmp_path / "run" / "results.sqlite")
    training = next(t.key for t in plan(profile) if t.is_training)
    accuracy = store.get(training)["test_accuracy"]
    assert accuracy < 1.0  # one epoch on 54 samples
    assert report.counts() == {"done": 1, "skipped": 3, "failed": 0, "pending": 0}
    assert all("under the threshold" in message for message in report.messages.values())
    summary = summarize(store.rows(), accuracy_threshold=1.0)
    assert [(e["dataset"], e["model"]) for e in summary.excluded] == [("Middle_Box", "lstm")]
    assert summary.diff_table == []


def test_summary_diff_is_the_mean_gap_to_the_random_baseline():
    def rows(dataset, model, accuracy, scores):
        out = [ResultRow("bench", dataset, model, "traditional", "fit", 0, "test_accuracy", accuracy)]
        for method, (p, r) in scores.items():
            out += [
                ResultRow("bench", dataset, model, "traditional", method, 0, "aup", p),
                ResultRow("bench", dataset, model, "traditional", method, 0, "aur", r),
            ]
        return out

    table = (
        rows("A", "tcn", 0.95, {"gradient": (0.5, 0.4), "random_permutation": (0.2, 0.3)})
        + rows("B", "tcn", 1.0, {"gradient": (0.3, 0.2), "random_permutation": (0.2, 0.4)})
        + rows("A", "lstm", 0.5, {"gradient": (0.9, 0.9), "random_permutation": (0.0, 0.0)})
    )
    table += [ResultRow("bench", "A", "tcn", "traditional", "random", 0, "aup", 0.1)]
    table += [ResultRow("bench", "A", "tcn", "traditional", "random", 0, "aur", 0.5)]
    summary = summarize(table, accuracy_threshold=0.9)
    (iid,) = [row for row in summary.diff_table if row["baseline"] == "random"]
    assert (iid["method"], iid["n_datasets"]) == ("gradient", 1)  # dataset B has no i.i.d. row
    assert (iid["diff_aup"], iid["diff_aur"]) == pytest.approx((0.5 - 0.1, 0.4 - 0.5))
    assert (iid["paper_diff_aup"], iid["paper_diff_aur"]) == (0.106, 0.125)  # TCN, gradient, Table 2
    (diff,) = [row for row in summary.diff_table if row["baseline"] == "random_permutation"]
    assert (diff["model"], diff["method"], diff["n_datasets"]) == ("tcn", "gradient", 2)
    assert diff["diff_aup"] == pytest.approx(((0.5 - 0.2) + (0.3 - 0.2)) / 2)
    assert diff["diff_aur"] == pytest.approx(((0.4 - 0.3) + (0.2 - 0.4)) / 2)
    assert [(e["dataset"], e["model"]) for e in summary.excluded] == [("A", "lstm")]
    assert {r["model"] for r in summary.dataset_table} == {"tcn"}


_KILLABLE = textwrap.dedent(
    """
    import sys
    from salience.bench.grid import run_bench
    from salience.bench.profile import resolve_profile
    settings = dict(layouts=["Middle", "RareTime", "RareFeature", "SmallMiddle"], processes=["Box"],
                    models=["lstm", "tcn"], methods=["gradient", "integrated_gradients"], n_train=60,
                    n_test=20, n_steps=10, n_features=10, max_epochs=2, batch_size=20,
                    accuracy_threshold=0.0)
    run_bench(sys.argv[1], resolve_profile("quick", **settings), workers=1)
    """
)


def _done_tasks(path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM task_log WHERE status='done'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_a_killed_run_resumes_to_the_same_database(tmp_path):
    """SIGKILL a run mid-way, run it again: the results equal those of an uninterrupted run."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    killed = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-c", _KILLABLE, str(killed)], env=env)
    database = killed / "results.sqlite"
    deadline = time.monotonic() + 120
    while _done_tasks(database) < 6 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_at_kill = _done_tasks(database)
    total = 4 * 2 * (1 + 4)
    assert 0 < done_at_kill < total, "the run must be killed mid-way for this test to mean anything"
    subprocess.run([sys.executable, "-c", _KILLABLE, str(killed)], env=env, check=True)
    whole = tmp_path / "whole"
    subprocess.run([sys.executable, "-c", _KILLABLE, str(whole)], env=env, check=True)
    resumed_rows, whole_rows = results(database), results(whole / "results.sqlite")
    assert len(resumed_rows) == len(whole_rows) and len({r[:4] for r in resumed_rows}) == len(resumed_rows)
    for mine, theirs in zip(resumed_rows, whole_rows, strict=True):
        assert mine[:4] == theirs[:4]
        assert (mine[4] is None and theirs[4] is None) or math.isclose(mine[4], theirs[4], abs_tol=1e-12)


def test_cli_run_status_summary(tmp_path, capsys):
    out = tmp_path / "cli-run"
    code = main(
        [
            "bench", "run", "--layouts", "Middle", "--processes", "Box", "--models", "tcn",
            "--methods", "gradient", "--n-train", "60", "--max-epochs", "1", "--workers", "1",
            "--out", str(out),
        ]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    counts = bench_status(out).counts()
    assert f"{counts['done']} done" in captured.out
    assert main(["bench", "status", str(out)]) == 0
    status = capsys.readouterr().out
    assert f"{counts['done']} done" in status and f"{counts['pending']} pending" in status
    assert counts["pending"] == 0 and counts["failed"] == 0
    assert main(["bench", "summary", str(out)]) == 0
    summary = capsys.readouterr().out
    assert "Diff(AUP)" in summary and "Middle_Box" in summary
    for name in ("summary_accuracy.csv", "summary_per_dataset.csv", "summary_diff.csv", "summary.json"):
        assert (out / name).is_file()
    accuracy = np.genfromtxt(
        out / "summary_accuracy.csv", delimiter=",", names=True, dtype=None, encoding=None
    )
    stored = [r.value for r in ResultStore(out / "results.sqlite").rows() if r.metric == "test_accuracy"]
    assert float(accuracy["test_accuracy"]) == pytest.approx(stored[0])


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["bench", "run", "--profile", "huge"], "profile"),
        (["bench", "run", "--layouts", "Middle,Nowhere"], "layouts"),
        (["bench", "run", "--methods", "random+tsr"], "methods"),
        (["bench", "run", "--device", "tpu"], "device"),
        (["bench", "run", "--threads", "0", "--out", "/nonexistent/never-made"], "threads"),
        (["bench", "summary", "/nonexistent/run", "--baseline", "zero"], "baseline"),
        (["bench", "status", "/nonexistent/run"], "run_dir"),
        (["bench", "summary", "/nonexistent/run"], "run_dir"),
    ],
)
def test_cli_bad_input_one_line_exit_2(capsys, args, needle):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and needle in err and "\n" not in err


# --- The training dimension: traditional and saliency guided training (SGT) in one grid. ---

SGT_TINY = {**TINY, "layouts": ["Middle"], "models": ["tcn"]}


def sgt_profile(**changes):
    return resolve_profile("quick", **{**SGT_TINY, **changes})


def test_plan_has_one_training_task_per_training_and_keys_saliency_by_training():
    profile = sgt_profile(layouts=["Middle", "RareTime"], trainings=["traditional", "sgt"])
    tasks = plan(profile)
    per_model = 1 + 1 + len(BASELINE_METHODS)  # training + gradient + baselines
    assert len(tasks) == 2 * 1 * 2 * per_model and len({t.key for t in tasks}) == len(tasks)
    assert {(t.key.training, t.key.method) for t in tasks if t.key.dataset == "Middle_Box"} == {
        (training, method)
        for training in ("traditional", "sgt")
        for method in (TRAINING_RUN, "gradient", *BASELINE_METHODS)
    }
    for task in tasks:
        spec = task.spec if task.is_training else task.spec.model
        assert spec.train["training"] == task.key.training
        if task.key.training == "sgt":  # the profile's SGT settings, same optimiser/epochs/stopping
            assert spec.train["sgt"] == profile.sgt.to_dict()
            assert {k: v for k, v in spec.train.items() if k not in ("training", "sgt")} == {
                k: v for k, v in tasks[0].spec.train.items() if k != "training"
            }
        else:
            assert "sgt" not in spec.train
    parts = ("tcn", "traditional", "seed0", "checkpoint")
    assert model_dir("r", tasks[0].key).relative_to("r").parts[-4:] == parts
    sgt_key = next(t.key for t in tasks if t.key.training == "sgt" and t.is_training)
    assert model_dir("r", sgt_key).relative_to("r").parts[-4:] == ("tcn", "sgt", "seed0", "checkpoint")


def test_profile_rejects_unknown_trainings_and_sgt_settings():
    with pytest.raises(ValueError, match=r"^trainings: "):
        sgt_profile(trainings=["traditional", "adversarial"])
    with pytest.raises(ValueError, match=r"^sgt: unknown settings"):
        sgt_profile(sgt={"k": 0.5})
    with pytest.raises(ValueError, match=r"^fraction"):
        sgt_profile(sgt={"fraction": 1.5})


@pytest.fixture(scope="module")
def sgt_run(tmp_path_factory):
    """A traditional-only run, then the same run with SGT added (in-process, one thread per task)."""
    run_dir = tmp_path_factory.mktemp("bench-sgt") / "run"
    events = []

    def planned(total, todo):
        events.append((total, todo))

    run_bench(run_dir, sgt_profile(), workers=1, threads=1, events=RunEvents(planned=planned))
    before = results(run_dir / "results.sqlite")
    report = run_bench(
        run_dir,
        sgt_profile(trainings=["traditional", "sgt"]),
        workers=1,
        threads=1,
        events=RunEvents(planned=planned),
    )
    return run_dir, report, events, before


def test_adding_sgt_adds_only_its_tasks_and_keeps_the_traditional_results(sgt_run):
    run_dir, report, events, before = sgt_run
    per_training = 1 + 1 + len(BASELINE_METHODS)
    assert events == [(per_training, per_training), (2 * per_training, per_training)]
    assert report.counts() == {"done": 2 * per_training, "skipped": 0, "failed": 0, "pending": 0}
    rows = ResultStore(run_dir / "results.sqlite").rows()
    assert {r.training for r in rows} == {"traditional", "sgt"}
    traditional = sorted(
        (r.dataset, r.model, r.method, r.metric, r.value) for r in rows if r.training == "traditional"
    )
    assert traditional == before


def test_the_sgt_model_is_the_one_fit_trains_with_the_sgt_objective(sgt_run, one_thread):
    """Retrain by hand with ``fit(training="sgt")``: the grid's SGT weights; traditional ones differ."""
    from salience.models import build_model
    from salience.training import TrainConfig, fit

    run_dir, _, _, _ = sgt_run
    profile = sgt_profile(trainings=["traditional", "sgt"])
    spec = next(t for t in plan(profile) if t.is_training and t.key.training == "sgt")
    prepared = prepare_data(spec.spec.data)
    model = build_model("tcn", n_features=10, n_classes=2, seed=0, **profile.model_options["tcn"])
    config = TrainConfig(
        max_epochs=2, patience=10, lr=profile.lr, batch_size=20, seed=0, device="cpu",
        stop_at_train_accuracy=0.99, stop_at_validation_accuracy=0.99, training="sgt", sgt=profile.sgt,
    )  # fmt: skip
    fit(model, prepared.train, prepared.validation, config)
    stored_sgt = load_checkpoint(model_dir(run_dir, spec.key)).model.state_dict()
    stored_trad = load_checkpoint(model_dir(run_dir, replace(spec.key, training="traditional"))).model
    for name, value in model.state_dict().items():
        assert torch.allclose(stored_sgt[name], value, atol=1e-6), name
    assert any(
        not torch.allclose(stored_sgt[name], value, atol=1e-4)
        for name, value in stored_trad.state_dict().items()
    )


def test_rerun_with_trainings_computes_nothing_and_other_sgt_settings_are_refused(sgt_run):
    run_dir, _, _, _ = sgt_run
    before = results(run_dir / "results.sqlite")
    events = []
    profile = sgt_profile(trainings=["sgt", "traditional"])
    run_bench(
        run_dir, profile, workers=1, events=RunEvents(planned=lambda total, todo: events.append(todo))
    )
    assert events == [0] and results(run_dir / "results.sqlite") == before
    with pytest.raises(ValueError, match=r"other settings \(sgt\)"):
        run_bench(run_dir, sgt_profile(trainings=["traditional", "sgt"], sgt={"fraction": 0.3}), workers=1)


def test_training_table_recomputes_from_the_stored_rows(sgt_run):
    """Diff per (model, method, training) = mean over datasets of AUP(method) − AUP(random), by hand."""
    from salience.bench.summary import training_table
    from salience.runs.published import sgt_table2

    run_dir, _, _, _ = sgt_run
    rows = ResultStore(run_dir / "results.sqlite").rows()
    value = {(r.dataset, r.model, r.training, r.method, r.metric): r.value for r in rows}
    (row,) = training_table(summarize(rows, accuracy_threshold=0.0).diff_table)
    assert (row["model"], row["method"]) == ("tcn", "gradient")
    for training in ("traditional", "sgt"):
        for metric in ("aup", "aur"):
            gap = value[("Middle_Box", "tcn", training, "gradient", metric)]
            gap -= value[("Middle_Box", "tcn", training, "random", metric)]
            assert row[f"diff_{metric}_{training}"] == pytest.approx(gap, abs=1e-12)
            assert row[f"paper_diff_{metric}_{training}"] == sgt_table2(
                f"diff_{metric}", "tcn", "gradient", training
            )
        assert row[f"n_datasets_{training}"] == 1
    assert row["sgt_gain_aup"] == pytest.approx(row["diff_aup_sgt"] - row["diff_aup_traditional"])
    assert row["paper_sgt_gain_aup"] == pytest.approx(0.168 - 0.106)  # Table 2, TCN, gradient


def test_training_table_averages_each_training_over_its_own_passing_datasets():
    def rows(dataset, training, accuracy, p, r, rp, rr):
        base = ("bench", dataset, "lstm", training)
        return [
            ResultRow(*base, "fit", 0, "test_accuracy", accuracy),
            ResultRow(*base, "deeplift", 0, "aup", p),
            ResultRow(*base, "deeplift", 0, "aur", r),
            ResultRow(*base, "random", 0, "aup", rp),
            ResultRow(*base, "random", 0, "aur", rr),
        ]

    from salience.bench.summary import training_table

    table = (
        rows("A", "traditional", 1.0, 0.2, 0.3, 0.4, 0.4)
        + rows("B", "traditional", 0.95, 0.5, 0.1, 0.3, 0.3)
        + rows("A", "sgt", 1.0, 0.6, 0.5, 0.2, 0.4)
        + rows("B", "sgt", 0.5, 0.9, 0.9, 0.0, 0.0)  # under the threshold: left out
    )
    (row,) = training_table(summarize(table, accuracy_threshold=0.9).diff_table)
    assert row["diff_aup_traditional"] == pytest.approx(((0.2 - 0.4) + (0.5 - 0.3)) / 2)
    assert row["diff_aur_traditional"] == pytest.approx(((0.3 - 0.4) + (0.1 - 0.3)) / 2)
    assert (row["diff_aup_sgt"], row["diff_aur_sgt"]) == pytest.approx((0.6 - 0.2, 0.5 - 0.4))
    assert (row["n_datasets_traditional"], row["n_datasets_sgt"]) == (2, 1)
    assert (row["paper_diff_aup_traditional"], row["paper_diff_aup_sgt"]) == (-0.097, -0.108)
    assert row["paper_sgt_gain_aur"] == pytest.approx(0.089 - 0.047)
    # Paired: dataset B failed under SGT, so it leaves traditional's mean too.
    (row,) = training_table(summarize(table, accuracy_threshold=0.9, paired=True).diff_table)
    assert (row["diff_aup_traditional"], row["diff_aur_traditional"]) == pytest.approx((0.2 - 0.4, 0.3 - 0.4))
    assert (row["diff_aup_sgt"], row["n_datasets_traditional"], row["n_datasets_sgt"]) == (
        pytest.approx(0.6 - 0.2),
        1,
        1,
    )


def test_cli_runs_and_summarises_both_trainings(tmp_path, capsys):
    from salience.bench.summary import training_table

    out = tmp_path / "cli-sgt"
    code = main(
        [
            "bench", "run", "--layouts", "Middle", "--processes", "Box", "--models", "tcn",
            "--methods", "gradient", "--trainings", "traditional,sgt", "--n-train", "60", "--max-epochs", "2",
            "--accuracy-threshold", "0",
            "--workers", "1", "--out", str(out),
        ]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "2 trainings (traditional, sgt)" in captured.out
    stored = {r.training for r in ResultStore(out / "results.sqlite").rows() if r.method == TRAINING_RUN}
    assert stored == {"traditional", "sgt"}
    assert main(["bench", "summary", str(out)]) == 0
    summary = capsys.readouterr().out
    assert "Diff(AUP) Trad." in summary and "Diff(AUP) SGT" in summary, summary
    rows = ResultStore(out / "results.sqlite").rows()
    (row,) = training_table(summarize(rows, accuracy_threshold=0.0).diff_table)
    assert f"{row['diff_aup_sgt']:+.3f} | +0.168" in summary  # ours | Table 2's TCN gradient, SGT
    assert main(["bench", "run", "--trainings", "traditional,magic", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: trainings") and "\n" not in err.strip()
