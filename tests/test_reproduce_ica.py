"""End-to-end input-cell attention reproduction on a small profile (marker: reproduction).

References: the paper's qualitative findings (supplement Table 1 and Figure 3) — an LSTM cannot
learn the earlier box (near-chance accuracy, WJac ≈ 0, saliency piled on the last steps) while the
input-cell attention LSTM learns it and spreads saliency over time — and the store's contract
(an interrupted run resumes without recomputing or duplicating rows).
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from salience.runs.events import RunEvents
from salience.suites.ica import PROFILES, resolve_profile, run_ica

pytestmark = pytest.mark.reproduction

SMALL = resolve_profile(
    PROFILES["quick"],
    datasets=["earlier"],
    models=["lstm", "ica-lstm"],
    n_features=12,
    n_train=360,
    n_test=120,
    max_epochs=25,
    patience=6,
    r=8,
    d_a=16,
)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("ica")
    results = run_ica(run_dir, SMALL, seed=0, device="cpu")
    return run_dir, {r.model: r for r in results}


def test_vanishing_saliency_and_its_remedy(finished_run):
    _, results = finished_run
    lstm, ica = results["lstm"], results["ica-lstm"]
    assert lstm.acc < 70.0  # chance is 50%: the box ends 70 steps before the readout
    assert lstm.wjac < 0.01
    assert ica.acc > 95.0
    assert ica.wjac > lstm.wjac + 0.02
    assert ica.euc < lstm.euc - 0.01
    # The LSTM's saliency sits in the last 10% of steps; input-cell attention's does not.
    assert lstm.late_fraction > 0.5
    assert ica.late_fraction < 0.25


def test_outputs_written(finished_run):
    run_dir, _results = finished_run
    table = json.loads((run_dir / "table.json").read_text())
    assert {row["model"] for row in table} == {"lstm", "ica-lstm"}
    assert table[0]["paper_wjac"] == 0.0 and table[1]["paper_wjac"] == pytest.approx(0.103)
    header = (run_dir / "table.csv").read_text().splitlines()[0].split(",")
    assert header[:5] == ["dataset", "model", "label", "wjac", "paper_wjac"]
    for model in ("lstm", "ica-lstm"):
        assert (run_dir / "figures" / f"heatmap_earlier_{model}.png").stat().st_size > 1000
        assert (run_dir / "tasks/earlier" / model / "traditional/seed0/checkpoint/model.safetensors").exists()
    assert (run_dir / "figures" / "profile_earlier.png").stat().st_size > 1000


def test_rerun_skips_finished_tasks(finished_run):
    run_dir, results = finished_run
    skipped = []
    events = RunEvents(task_done=lambda key, was_skipped: skipped.append(was_skipped))
    again = run_ica(run_dir, SMALL, seed=0, device="cpu", events=events)
    assert skipped == [True, True]
    assert [r.wjac for r in again] == [results["lstm"].wjac, results["ica-lstm"].wjac]


def test_interrupted_run_resumes_without_duplicates(tmp_path):
    profile = resolve_profile(SMALL, max_epochs=2, n_train=120, n_test=40)

    class Interrupt(Exception):
        pass

    def stop_in_second_task(key, report):
        if key.model == "ica-lstm":
            raise Interrupt

    with pytest.raises(Interrupt):
        run_ica(tmp_path, profile, device="cpu", events=RunEvents(epoch_done=stop_in_second_task))
    with sqlite3.connect(tmp_path / "results.sqlite") as db:
        models = {row[0] for row in db.execute("SELECT DISTINCT model FROM results")}
    assert models == {"lstm"}
    assert not (tmp_path / "tasks/earlier/ica-lstm/traditional/seed0/saliency.npz").exists()

    ran = []
    run_ica(
        tmp_path, profile, device="cpu", events=RunEvents(task_started=lambda k, n: ran.append(k.model))
    )
    assert ran == ["ica-lstm"]
    with sqlite3.connect(tmp_path / "results.sqlite") as db:
        total, distinct = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT model || metric) FROM results"
        ).fetchone()
    assert total == distinct and total > 0


def test_rerun_with_other_settings_is_refused(finished_run):
    run_dir, _ = finished_run
    with pytest.raises(ValueError, match="run_dir"):
        run_ica(run_dir, resolve_profile(SMALL, lr=0.5), device="cpu")


def test_profile_overrides():
    assert PROFILES["paper"].n_steps == PROFILES["paper"].n_features == 100
    assert PROFILES["paper"].stop_at_train_accuracy == 1.0  # the original code's stopping rule
    assert resolve_profile("quick", max_epochs=None).max_epochs == PROFILES["quick"].max_epochs
    assert resolve_profile("quick", stop_at_train_accuracy=None).stop_at_train_accuracy is None
    with pytest.raises(ValueError, match="datasets"):
        resolve_profile("quick", datasets=["nowhere"])
