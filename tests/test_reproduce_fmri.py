"""End-to-end on-task/off-task reproduction on a reduced profile (marker: reproduction).

References: the paper's qualitative finding (ICA supplement, Figure 5) — the LSTM's most salient cells
pile into the last time steps while the input-cell attention LSTM's spread over the on-task buckets —
and the store's contract (an interrupted run resumes without recomputing or duplicating rows). The
direction held for seeds 0–3 at this size and seeds 0–4 at the quick profile's.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from salience.runs.events import RunEvents
from salience.suites.fmri import format_summary, resolve_profile, run_fmri

pytestmark = pytest.mark.reproduction

SMALL = resolve_profile("quick", n_regions=40, n_train=300, n_test=100, max_epochs=20)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run_dir = tmp_path_factory.mktemp("fmri")
        results = run_fmri(run_dir, SMALL, seed=0, device="cpu")
    finally:
        torch.set_num_threads(threads)
    return run_dir, {r.model: r for r in results}


def test_salient_cells_pile_late_for_lstm_and_spread_with_input_cell_attention(finished_run):
    _, results = finished_run
    lstm, ica = results["lstm"], results["ica-lstm"]
    assert lstm.acc > 85.0 and ica.acc > 95.0  # both learn the task
    assert sum(lstm.shares) == pytest.approx(1.0) and sum(ica.shares) == pytest.approx(1.0)
    assert lstm.late_share > 0.8  # last on-task bucket + off-task bucket
    assert ica.late_share < 0.5
    assert all(share > 0.15 for share in ica.shares[:4])  # every on-task bucket
    assert all(share < 0.05 for share in lstm.shares[:3])
    assert format_summary(list(results.values())).endswith("yes")


def test_outputs_written(finished_run):
    run_dir, _ = finished_run
    table = json.loads((run_dir / "table.json").read_text())
    assert table["edges"] == [0, 10, 19, 29, 38, 48] and table["direction_shown"] is True
    assert [row["model"] for row in table["rows"]] == ["lstm", "ica-lstm"]
    header = (run_dir / "table.csv").read_text().splitlines()[0].split(",")
    assert header[:8] == [
        "model",
        "label",
        "acc",
        "share_on1",
        "share_on2",
        "share_on3",
        "share_on4",
        "share_off",
    ]
    config = json.loads((run_dir / "config.json").read_text())
    assert config["suite"] == "fmri" and config["profile"]["n_regions"] == 40
    for name in ("buckets.png", "profile.png"):
        assert (run_dir / "figures" / name).stat().st_size > 1000
    for model in ("lstm", "ica-lstm"):
        checkpoint = run_dir / "tasks/task-blocks" / model / "traditional/seed0/checkpoint"
        assert (checkpoint / "model.safetensors").exists()
    assert (run_dir / "results.csv").read_text().count("bucket_share_") == 10


def test_rerun_skips_finished_tasks(finished_run):
    run_dir, results = finished_run
    skipped = []
    again = run_fmri(
        run_dir, SMALL, seed=0, device="cpu", events=RunEvents(task_done=lambda k, was: skipped.append(was))
    )
    assert skipped == [True, True]
    assert [r.shares for r in again] == [results["lstm"].shares, results["ica-lstm"].shares]


def test_rerun_with_other_settings_is_refused(finished_run):
    run_dir, _ = finished_run
    with pytest.raises(ValueError, match=r"^run_dir:"):
        run_fmri(run_dir, resolve_profile(SMALL, top_fraction=0.1), device="cpu")


def test_interrupted_run_resumes_without_duplicates(tmp_path, one_thread):
    profile = resolve_profile(SMALL, n_regions=12, n_train=60, n_test=20, max_epochs=2)

    class Interrupt(Exception):
        pass

    def stop_in_second_task(key, report):
        if key.model == "ica-lstm":
            raise Interrupt

    with pytest.raises(Interrupt):
        run_fmri(tmp_path, profile, events=RunEvents(epoch_done=stop_in_second_task))
    with sqlite3.connect(tmp_path / "results.sqlite") as db:
        models = {row[0] for row in db.execute("SELECT DISTINCT model FROM results")}
    assert models == {"lstm"}
    assert not (tmp_path / "tasks/task-blocks/ica-lstm/traditional/seed0/saliency.npz").exists()

    ran = []
    run_fmri(tmp_path, profile, events=RunEvents(task_started=lambda k, n: ran.append(k.model)))
    assert ran == ["ica-lstm"]
    with sqlite3.connect(tmp_path / "results.sqlite") as db:
        total, distinct = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT model || metric) FROM results"
        ).fetchone()
    assert total == distinct and total > 0
