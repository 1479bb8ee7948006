"""The results store: an embedded SQLite database in the run directory.

One row per (suite, dataset, model, training, method, seed, metric). All metrics of a task are
written in one transaction, so a task is either fully recorded or absent: a suite that is killed
and run again computes only the tasks that have no rows, and never duplicates a row.

A second table, the task log, records how each task last ended (``done``, ``failed``, ``skipped``),
its wall time, the worker and the error message. It is kept apart from the results so that the
results of a resumed run are identical to those of an uninterrupted one (times differ, values do
not).

Example:
    >>> import tempfile, pathlib
    >>> store = ResultStore(pathlib.Path(tempfile.mkdtemp()) / "results.sqlite")
    >>> key = TaskKey("ica", "earlier", "lstm", "traditional", "gradient", 0)
    >>> store.put(key, {"wjac": 0.1, "acc": 0.98})
    >>> store.get(key)
    {'acc': 0.98, 'wjac': 0.1}
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

from salience._io import write_text_atomic

_KEY_SCHEMA = """
    suite TEXT NOT NULL,
    dataset TEXT NOT NULL,
    model TEXT NOT NULL,
    training TEXT NOT NULL,
    method TEXT NOT NULL,
    seed INTEGER NOT NULL,"""
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS results ({_KEY_SCHEMA}
    metric TEXT NOT NULL,
    value REAL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (suite, dataset, model, training, method, seed, metric)
);
CREATE TABLE IF NOT EXISTS task_log ({_KEY_SCHEMA}
    status TEXT NOT NULL,
    seconds REAL,
    worker TEXT,
    message TEXT,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (suite, dataset, model, training, method, seed)
);
"""

TASK_STATUSES = ("done", "failed", "skipped")


@dataclass(frozen=True)
class TaskKey:
    """What identifies one unit of work of a suite."""

    suite: str
    dataset: str
    model: str
    training: str
    method: str
    seed: int

    @property
    def key(self) -> TaskKey:
        """The task's key alone (for the rows and records that extend it)."""
        return TaskKey(*(getattr(self, f.name) for f in fields(TaskKey)))


@dataclass(frozen=True)
class TaskRecord(TaskKey):
    """How a task last ended: ``status`` is one of :data:`TASK_STATUSES`."""

    status: str
    seconds: float | None
    worker: str | None
    message: str | None


@dataclass(frozen=True)
class ResultRow(TaskKey):
    """One stored metric value of a task."""

    metric: str
    value: float | None


_COLUMNS = [f.name for f in fields(ResultRow)]
_KEY_COLUMNS = ", ".join(f.name for f in fields(TaskKey))
_KEY_MATCH = " AND ".join(f"{f.name}=?" for f in fields(TaskKey))


class ResultStore:
    """SQLite-backed results of a run directory (created on first use)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            with closing(sqlite3.connect(self.path, timeout=30.0)) as db, db:
                yield db
        except sqlite3.DatabaseError as err:
            raise ValueError(f"store: {self.path} is not a usable results database ({err})") from None

    def put(
        self,
        key: TaskKey,
        metrics: Mapping[str, float | None],
        *,
        seconds: float | None = None,
        worker: str | None = None,
    ) -> None:
        """Record every metric of ``key`` and log it ``done``, in one transaction (replacing earlier
        values)."""
        if not metrics:
            raise ValueError("metrics: expected at least one metric value")
        now = _now()
        rows = [(*asdict(key).values(), name, _to_float(value), now) for name, value in metrics.items()]
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            _log(db, key, "done", seconds, worker, None, now)

    def log(
        self,
        key: TaskKey,
        status: str,
        *,
        seconds: float | None = None,
        worker: str | None = None,
        message: str | None = None,
    ) -> None:
        """Log that ``key`` ended with ``status`` (``failed`` or ``skipped``; ``put`` logs ``done``).

        A failed or skipped task has no result rows: any earlier ones are removed in the same
        transaction, so the results never mix two attempts.
        """
        if status not in TASK_STATUSES:
            raise ValueError(f"status: expected one of {', '.join(TASK_STATUSES)}, got {status!r}")
        with self._connect() as db:
            if status != "done":
                db.execute(f"DELETE FROM results WHERE {_KEY_MATCH}", tuple(asdict(key).values()))
            _log(db, key, status, seconds, worker, message, _now())

    def task_log(self, suite: str | None = None) -> list[TaskRecord]:
        """How every logged task (of ``suite``, if given) last ended, in a stable order."""
        columns = ", ".join(f.name for f in fields(TaskRecord))
        rows = self._select(f"SELECT {columns} FROM task_log", suite, f"ORDER BY {_KEY_COLUMNS}")
        return [TaskRecord(*row) for row in rows]

    def status_counts(self) -> tuple[dict[str, int], int, str | None]:
        """(logged tasks per status, stored values, when the last task was logged) of every suite."""
        with self._connect() as db:
            counts = dict(db.execute("SELECT status, COUNT(*) FROM task_log GROUP BY status ORDER BY status"))
            (n_values,) = db.execute("SELECT COUNT(*) FROM results").fetchone()
            (last,) = db.execute("SELECT MAX(recorded_at) FROM task_log").fetchone()
        return counts, int(n_values), last

    def done_keys(self, suite: str | None = None) -> set[TaskKey]:
        """The tasks that have result rows."""
        return {TaskKey(*row) for row in self._select(f"SELECT DISTINCT {_KEY_COLUMNS} FROM results", suite)}

    def _select(self, query: str, suite: str | None, order: str = "") -> list[tuple]:
        """Run ``query`` (filtered to ``suite`` when given, then ``order``) and return its rows."""
        params: tuple[str, ...] = ()
        if suite is not None:
            query += " WHERE suite=?"
            params = (suite,)
        with self._connect() as db:
            return db.execute(f"{query} {order}", params).fetchall()

    def get(self, key: TaskKey) -> dict[str, float | None]:
        """The metrics recorded for ``key`` (empty if the task has not run)."""
        with self._connect() as db:
            cursor = db.execute(
                f"SELECT metric, value FROM results WHERE {_KEY_MATCH} ORDER BY metric",
                tuple(asdict(key).values()),
            )
            return dict(cursor.fetchall())

    def has(self, key: TaskKey) -> bool:
        """Whether ``key`` has been recorded."""
        return bool(self.get(key))

    def rows(self, suite: str | None = None) -> list[ResultRow]:
        """Every stored row (of ``suite``, if given), in a stable order."""
        query = f"SELECT {', '.join(_COLUMNS)} FROM results"
        return [ResultRow(*row) for row in self._select(query, suite, f"ORDER BY {_KEY_COLUMNS}, metric")]

    def export_csv(self, path: str | os.PathLike[str], suite: str | None = None) -> Path:
        """Write the rows as CSV (one row per metric value), atomically."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(_COLUMNS)
        for row in self.rows(suite):
            writer.writerow(asdict(row).values())
        return write_text_atomic(path, buffer.getvalue())

    def export_json(self, path: str | os.PathLike[str], suite: str | None = None) -> Path:
        """Write the rows as a JSON list of objects, atomically."""
        payload = [asdict(row) for row in self.rows(suite)]
        return write_text_atomic(path, json.dumps(payload, indent=2))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _log(
    db: sqlite3.Connection,
    key: TaskKey,
    status: str,
    seconds: float | None,
    worker: str | None,
    message: str | None,
    now: str,
) -> None:
    db.execute(
        "INSERT OR REPLACE INTO task_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*asdict(key).values(), status, seconds, worker, message, now),
    )


def _to_float(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value
