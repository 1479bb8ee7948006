"""The SQLite results store: one row per metric, replace-not-duplicate, exports, bad files."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest

from salience.runs import ResultStore, TaskKey

KEY = TaskKey("ica", "earlier", "lstm", "traditional", "gradient", 0)


def test_put_get_replace_and_rows(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    assert not store.has(KEY) and store.get(KEY) == {}
    store.put(KEY, {"wjac": 0.1, "acc": 0.5, "euc": float("nan")})
    store.put(KEY, {"wjac": 0.2})  # replaces one metric, keeps the others
    assert store.get(KEY) == {"acc": 0.5, "euc": None, "wjac": 0.2}
    with sqlite3.connect(tmp_path / "r.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (3,)
    rows = store.rows("ica")
    assert [r.metric for r in rows] == ["acc", "euc", "wjac"] and {r.key for r in rows} == {KEY}
    assert store.rows("other") == []


def test_exports_hold_every_row(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    other = TaskKey("ica", "middle", "ica-lstm", "traditional", "gradient", 1)
    store.put(KEY, {"wjac": 0.1})
    store.put(other, {"wjac": 0.3, "acc": 1.0})
    with open(store.export_csv(tmp_path / "r.csv"), newline="") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 3 and {row["model"] for row in table} == {"lstm", "ica-lstm"}
    assert sorted(float(row["value"]) for row in table) == [0.1, 0.3, 1.0]
    payload = json.loads(store.export_json(tmp_path / "r.json").read_text())
    assert {(p["dataset"], p["metric"], p["value"]) for p in payload} == {
        ("earlier", "wjac", 0.1), ("middle", "wjac", 0.3), ("middle", "acc", 1.0),
    }  # fmt: skip


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="metrics"):
        ResultStore(tmp_path / "r.sqlite").put(KEY, {})
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ValueError, match="store"):
        ResultStore(broken)


def test_task_log_records_how_tasks_ended_and_keeps_results_clean(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite")
    other = TaskKey("ica", "middle", "lstm", "traditional", "gradient", 0)
    store.put(KEY, {"wjac": 0.1}, seconds=1.5, worker="w1")
    store.log(other, "failed", message="RuntimeError: boom")
    log = {record.key: record for record in store.task_log("ica")}
    assert (log[KEY].status, log[KEY].seconds, log[KEY].worker) == ("done", 1.5, "w1")
    assert (log[other].status, log[other].message) == ("failed", "RuntimeError: boom")
    assert store.done_keys("ica") == {KEY}
    # A later failure of a task that had results removes them: results never mix two attempts.
    store.log(KEY, "skipped", message="under threshold")
    assert store.get(KEY) == {} and store.done_keys() == set()
    assert {r.key: r.status for r in store.task_log()} == {KEY: "skipped", other: "failed"}
    # Success after failure: one log row per task, now done.
    store.put(other, {"wjac": 0.2})
    assert [(r.key, r.status) for r in store.task_log() if r.key == other] == [(other, "done")]
    with pytest.raises(ValueError, match="status"):
        store.log(KEY, "finished")
