"""The run-directory reader (salience.runs.reader) and the store's status counts it reads."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from salience.runs.reader import read_run
from salience.runs.store import ResultStore, TaskKey


def _key(model: str, method: str = "gradient") -> TaskKey:
    return TaskKey("ica", "middle", model, "traditional", method, 0)


def _config(run: Path, **config: object) -> None:
    run.mkdir(parents=True, exist_ok=True)
    (run / "config.json").write_text(json.dumps(config))


def test_status_counts_of_an_empty_and_a_used_store(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "results.sqlite")
    assert store.status_counts() == ({}, 0, None)
    store.put(_key("a"), {"wjac": 0.1, "euc": 0.2})
    store.put(_key("b"), {"wjac": 0.3})
    store.log(_key("c"), "failed", message="boom")
    store.log(_key("b"), "skipped")  # replaces b's result rows: 2 values remain
    counts, n_values, last = store.status_counts()
    assert counts == {"done": 1, "failed": 1, "skipped": 1} and n_values == 2
    assert last is not None and last == max(_recorded(store))


def _recorded(store: ResultStore) -> list[str]:
    with sqlite3.connect(store.path) as db:
        return [row[0] for row in db.execute("SELECT recorded_at FROM task_log")]


def test_status_lists_the_first_unfinished_tasks_by_key(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _config(run, suite="ica")
    store = ResultStore(run / "results.sqlite")
    store.put(_key("a"), {"wjac": 0.5})
    for model in ("e", "d", "c", "b"):
        store.log(_key(model), "failed", message=f"no {model}")
    status = read_run(run, max_unfinished=3).status
    assert status is not None
    assert status.counts == {"done": 1, "failed": 4} and status.n_values == 1
    assert [(r.model, r.status, r.message) for r in status.unfinished] == [
        ("b", "failed", "no b"), ("c", "failed", "no c"), ("d", "failed", "no d"),
    ]  # fmt: skip
    _config(tmp_path / "bare", suite="ica")
    assert read_run(tmp_path / "bare").status is None  # no store: no status


def test_tables_in_declared_order_with_titles_and_twins_left_out(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _config(run, suite="x", tables={"zeta": "The zeta table", "alpha_beta.rows": "Rows"})
    (run / "alpha.csv").write_text("a,b\n1,2\n3,4\n5,6\n")
    (run / "zeta.csv").write_text("z\n9\n")
    (run / "alpha.json").write_text(json.dumps([{"a": 1}]))  # twin of alpha.csv: left out
    (run / "zeta_extra.json").write_text("[]")  # empty: no table
    (run / "alpha_beta.json").write_text(json.dumps({"rows": [{"p": None}, {"q": [1]}], "note": "x"}))
    (run / "results.csv").write_text("suite,dataset,model,training,method,seed,metric,value\n")  # raw dump
    (run / "bad.csv").write_bytes(b"\xff\xfe\x00bad")
    tables = read_run(run, max_rows=2).tables
    assert [(t.name, t.title, t.source) for t in tables] == [
        ("zeta", "The zeta table", "zeta.csv"),
        ("alpha", "Alpha", "alpha.csv"),
        ("bad", "Bad", "bad.csv"),
        ("alpha_beta.rows", "Rows", "alpha_beta.json"),
    ]
    alpha = tables[1]
    assert alpha.columns == ["a", "b"] and alpha.rows == [["1", "2"], ["3", "4"]] and alpha.total_rows == 3
    assert tables[2].notes == ["This file could not be read."] and tables[2].rows == []
    assert tables[3].columns == ["p", "q"] and tables[3].rows == [["", ""], ["", "[1]"]]


def test_title_figures_captions_and_files(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _config(run, suite="sgt-text", title="Saliency guided training: text")
    figures = run / "figures"
    figures.mkdir()
    (figures / "b_plot.png").write_bytes(b"12345")
    (figures / "a.SVG").write_text("<svg/>")
    (figures / "notes.txt").write_text("not a figure")
    (figures / "c.png").write_bytes(b"1")
    (figures / "captions.json").write_text(json.dumps({"c.png": "Declared first", "b_plot.png": "Bars"}))
    (run / "report.html").write_text("old")
    (run / ".hidden").write_text("x")
    view = read_run(run, skip=("report.html",))
    assert view.title == "Saliency guided training: text"
    # the declared figures in the suite's order, then the others by name, captioned from their stems
    assert [(f.path.name, f.caption) for f in view.figures] == [
        ("c.png", "Declared first"), ("b_plot.png", "Bars"), ("a.SVG", "A"),
    ]  # fmt: skip
    config_size = (run / "config.json").stat().st_size
    assert [(f.name, f.is_dir, f.size) for f in view.files] == [
        ("config.json", False, config_size),
        ("figures", True, 5),
    ]
    _config(run, suite="sgt-text", title="")
    assert read_run(run).title == "sgt-text"  # an empty title falls back to the suite name


@pytest.mark.parametrize(
    ("setup", "error", "needle"),
    [
        (lambda p: p.mkdir(), ValueError, "run_dir: .* has no config.json"),
        (lambda p: None, FileNotFoundError, "run_dir: no directory"),
        (lambda p: (p.mkdir(), (p / "config.json").write_text("{oops")), ValueError, "not valid JSON"),
        (lambda p: (p.mkdir(), (p / "config.json").write_text("[1]")), ValueError, "not a JSON object"),
    ],
)
def test_bad_run_dirs_name_the_argument(tmp_path: Path, setup, error, needle) -> None:
    run = tmp_path / "run"
    setup(run)
    with pytest.raises(error, match=needle):
        read_run(run)
