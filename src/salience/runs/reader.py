"""Read a run directory: its settings, task status, result tables, figures and files, as one value.

The one reader of a run directory for the report (and anyone else): :func:`read_run` returns a
:class:`RunView`. It only reads. What a suite declares travels in the directory itself:

- ``config.json``: the settings; ``"title"`` (the suite's title) and ``"tables"`` ({table stem: title},
  in display order) name what the report shows. A directory without them (an older run) gets a title
  from the suite name and table titles from the file stems.
- ``results.sqlite``: task status counts and the first tasks not done, read through
  :class:`~salience.runs.store.ResultStore`.
- ``*.csv`` tables (the raw store dump aside), then ``*.json`` tables that have no CSV of the same stem.
- ``figures/*.png`` (and ``.jpg``, ``.svg``) with captions from ``figures/captions.json``
  ({file name: caption}), else from the file name.

Example:
    >>> import json, pathlib, tempfile
    >>> run = pathlib.Path(tempfile.mkdtemp())
    >>> config = {"suite": "demo", "title": "A demo", "tables": {"table": "Results"}}
    >>> _ = (run / "config.json").write_text(json.dumps(config))
    >>> _ = (run / "table.csv").write_text("model,acc\\nlstm,0.91\\n")
    >>> view = read_run(run)
    >>> view.title, view.tables[0].title, view.tables[0].rows, view.status
    ('A demo', 'Results', [['lstm', '0.91']], None)
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from salience.runs.store import ResultRow, ResultStore, TaskRecord

CONFIG_FILE = "config.json"
STORE_FILE = "results.sqlite"
FIGURES_DIR = "figures"
CAPTIONS_FILE = "captions.json"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")


@dataclass(frozen=True)
class RunTable:
    """A result table of the run, cells as strings: ``rows`` holds at most the first ``max_rows``."""

    name: str
    title: str
    source: str
    columns: list[str]
    rows: list[list[str]]
    total_rows: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunFigure:
    """A figure file of the run and its caption."""

    path: Path
    caption: str


@dataclass(frozen=True)
class RunFile:
    """A top-level entry of the run directory: a file's size in bytes, or a folder's file count."""

    name: str
    is_dir: bool
    size: int


@dataclass(frozen=True)
class TaskStatus:
    """The store's task log in brief: ``unfinished`` lists the first tasks not done (by key)."""

    counts: dict[str, int]
    unfinished: list[TaskRecord]
    n_values: int
    last: str | None


@dataclass(frozen=True)
class RunView:
    """Everything a run directory holds, as read by :func:`read_run`."""

    root: Path
    config: dict[str, Any]
    title: str
    status: TaskStatus | None
    tables: list[RunTable]
    figures: list[RunFigure]
    files: list[RunFile]


def read_run(
    run_dir: str | os.PathLike[str], *, max_rows: int = 2000, max_unfinished: int = 50,
    skip: tuple[str, ...] = (),
) -> RunView:
    """Read the run directory ``run_dir`` (it must hold ``config.json``).

    Args:
        run_dir: a directory made by ``salience reproduce``, ``bench run`` or ``explain``.
        max_rows: rows kept per table (``total_rows`` counts them all).
        max_unfinished: tasks not done listed at most.
        skip: top-level names left out of :attr:`RunView.files` (e.g. the report itself).

    Example:
        >>> import json, pathlib, tempfile
        >>> run = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (run / "config.json").write_text(json.dumps({"suite": "ica"}))
        >>> view = read_run(run)
        >>> view.title, [f.name for f in view.files]
        ('ica', ['config.json'])
    """
    root = Path(run_dir)
    config = _load_config(root)
    declared = config.get("tables")
    titles = {str(k): str(v) for k, v in declared.items()} if isinstance(declared, dict) else {}
    title = config.get("title")
    return RunView(
        root=root,
        config=config,
        title=title if isinstance(title, str) and title else str(config.get("suite", "run")),
        status=_status(root, max_unfinished),
        tables=_tables(root, titles, max_rows),
        figures=_figures(root),
        files=_files(root, skip),
    )


def _load_config(root: Path) -> dict[str, Any]:
    if not root.is_dir():
        raise FileNotFoundError(f"run_dir: no directory at {root}")
    path = root / CONFIG_FILE
    if not path.is_file():
        raise ValueError(
            f"run_dir: {root} has no config.json; expected a run directory made by "
            "salience reproduce, bench run or explain"
        )
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueError(f"run_dir: {path} is not valid JSON ({err})") from None
    if not isinstance(config, dict):
        raise ValueError(f"run_dir: {path} is not a JSON object")
    return config


def _status(root: Path, max_unfinished: int) -> TaskStatus | None:
    """The store's status counts and first unfinished tasks (None without a store)."""
    path = root / STORE_FILE
    if not path.is_file():
        return None
    try:
        store = ResultStore(path)
        counts, n_values, last = store.status_counts()
        unfinished = [r for r in store.task_log() if r.status != "done"][:max_unfinished]
    except ValueError:  # not a usable results database
        return TaskStatus({}, [], 0, None)
    return TaskStatus(counts, unfinished, n_values, last)


def _tables(root: Path, titles: dict[str, str], max_rows: int) -> list[RunTable]:
    """Every CSV table of the run (raw store dumps aside), then JSON tables without a CSV twin."""
    order = list(titles)

    def by_declared(path: Path) -> tuple[int, str]:
        return (order.index(path.stem) if path.stem in order else len(order), path.name)

    csvs = sorted(root.glob("*.csv"), key=by_declared)
    tables = [t for t in (_read_csv(p, titles, max_rows) for p in csvs) if t is not None]
    csv_stems = [p.stem for p in csvs]
    for path in sorted(root.glob("*.json"), key=by_declared):
        twin = any(s == path.stem or s.startswith(path.stem + "_") for s in csv_stems)
        if path.name == CONFIG_FILE or twin:
            continue
        tables.extend(_json_tables(path, titles, max_rows))
    return tables


def _title(name: str, titles: dict[str, str]) -> str:
    return titles.get(name) or name.replace("_", " ").capitalize()


def _read_csv(path: Path, titles: dict[str, str], max_rows: int) -> RunTable | None:
    title = _title(path.stem, titles)
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return RunTable(path.stem, title, path.name, [], [], notes=["This file could not be read."])
    if not rows or rows[0] == [f.name for f in fields(ResultRow)]:
        return None  # empty, or the raw rows of results.sqlite (counted in the status)
    columns, body = rows[0], rows[1:]
    return RunTable(path.stem, title, path.name, columns, body[:max_rows], len(body))


def _json_tables(path: Path, titles: dict[str, str], max_rows: int) -> list[RunTable]:
    """A list of objects is one table; an object of such lists is one table per key."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return []
    parts = {path.stem: document} if isinstance(document, list) else {}
    if isinstance(document, dict):
        parts = {f"{path.stem}.{k}": v for k, v in document.items() if isinstance(v, list)}
    tables = []
    for name, records in parts.items():
        if not records or not all(isinstance(r, dict) for r in records):
            continue
        columns = list(dict.fromkeys(k for r in records for k in r))
        body = [[_json_cell(r.get(c)) for c in columns] for r in records]
        tables.append(RunTable(name, _title(name, titles), path.name, columns, body[:max_rows], len(body)))
    return tables


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _figures(root: Path) -> list[RunFigure]:
    folder = root / FIGURES_DIR
    if not folder.is_dir():
        return []
    captions: dict[str, Any] = {}
    try:
        loaded = json.loads((folder / CAPTIONS_FILE).read_text(encoding="utf-8"))
        captions = loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError, UnicodeDecodeError):
        pass
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    declared = {name: i for i, name in enumerate(captions)}  # the suite's order first, then by name
    paths.sort(key=lambda p: (declared.get(p.name, len(declared)), p.name))
    return [RunFigure(p, str(captions.get(p.name) or p.stem.replace("_", " ").capitalize())) for p in paths]


def _files(root: Path, skip: tuple[str, ...]) -> list[RunFile]:
    entries = []
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or path.name in skip:
            continue
        if path.is_dir():
            entries.append(RunFile(path.name, True, sum(1 for p in path.rglob("*") if p.is_file())))
        else:
            entries.append(RunFile(path.name, False, path.stat().st_size))
    return entries


__all__ = [
    "CAPTIONS_FILE",
    "CONFIG_FILE",
    "FIGURES_DIR",
    "IMAGE_SUFFIXES",
    "STORE_FILE",
    "RunFigure",
    "RunFile",
    "RunTable",
    "RunView",
    "TaskStatus",
    "read_run",
]
