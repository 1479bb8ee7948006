"""The results store: an embedded SQLite database in the run directory.

One row per (suite, dataset, model, training, method, seed, metric). All metrics of a task are
written in one transaction, so a task is either fully recorded or absent: a suite that is killed
and run again computes only the tasks that have no rows, and never duplicates a row.

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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    suite TEXT NOT NULL,
    dataset TEXT NOT NULL,
    model TEXT NOT NULL,
    training TEXT NOT NULL,
    method TEXT NOT NULL,
    seed INTEGER NOT NULL,
    metric TEXT NOT NULL,
    value REAL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (suite, dataset, model, training, method, seed, metric)
);
"""


@dataclass(frozen=True)
class TaskKey:
    """What identifies one unit of work of a suite."""

    suite: str
    dataset: str
    model: str
    training: str
    method: str
    seed: int


@dataclass(frozen=True)
class ResultRow(TaskKey):
    """One stored metric value of a task."""

    metric: str
    value: float | None

    @property
    def key(self) -> TaskKey:
        return TaskKey(*(getattr(self, f.name) for f in fields(TaskKey)))


_COLUMNS = [f.name for f in fields(ResultRow)]


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

    def put(self, key: TaskKey, metrics: Mapping[str, float | None]) -> None:
        """Record every metric of ``key`` in one transaction (replacing earlier values)."""
        if not metrics:
            raise ValueError("metrics: expected at least one metric value")
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        rows = [(*asdict(key).values(), name, _to_float(value), now) for name, value in metrics.items()]
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def get(self, key: TaskKey) -> dict[str, float | None]:
        """The metrics recorded for ``key`` (empty if the task has not run)."""
        with self._connect() as db:
            cursor = db.execute(
                "SELECT metric, value FROM results WHERE suite=? AND dataset=? AND model=? "
                "AND training=? AND method=? AND seed=? ORDER BY metric",
                tuple(asdict(key).values()),
            )
            return dict(cursor.fetchall())

    def has(self, key: TaskKey) -> bool:
        """Whether ``key`` has been recorded."""
        return bool(self.get(key))

    def rows(self, suite: str | None = None) -> list[ResultRow]:
        """Every stored row (of ``suite``, if given), in a stable order."""
        query = f"SELECT {', '.join(_COLUMNS)} FROM results"
        params: tuple[str, ...] = ()
        if suite is not None:
            query += " WHERE suite=?"
            params = (suite,)
        query += " ORDER BY suite, dataset, model, training, method, seed, metric"
        with self._connect() as db:
            return [ResultRow(*row) for row in db.execute(query, params)]

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


def _to_float(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value
