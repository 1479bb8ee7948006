"""The tables a suite writes into its run directory: ``<stem>.csv`` and ``<stem>.json`` side by side,
and ``results.csv`` / ``results.json`` with every stored row of the suite.

Example:
    >>> import tempfile, pathlib
    >>> stem = pathlib.Path(tempfile.mkdtemp()) / "table"
    >>> write_table(stem, [{"model": "lstm", "acc": 0.5}])
    >>> print(stem.with_suffix(".csv").read_text(), end="")
    model,acc
    lstm,0.5
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from salience._io import write_text_atomic
from salience.runs.store import ResultStore


def write_csv(
    path: str | os.PathLike[str], rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None
) -> Path:
    """Write ``rows`` as CSV with ``columns`` (default: the first row's keys), atomically."""
    fields = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return write_text_atomic(path, buffer.getvalue())


def write_table(
    stem: str | os.PathLike[str], rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None
) -> None:
    """Write ``<stem>.csv`` (see :func:`write_csv`) and ``<stem>.json`` (the rows as a list)."""
    stem = Path(stem)
    write_csv(stem.with_suffix(".csv"), rows, columns)
    write_text_atomic(stem.with_suffix(".json"), json.dumps(list(rows), indent=2))


def export_results(run_dir: str | os.PathLike[str], suite: str) -> None:
    """Write ``results.csv`` and ``results.json``: every stored row of ``suite``."""
    run_dir = Path(run_dir)
    store = ResultStore(run_dir / "results.sqlite")
    store.export_csv(run_dir / "results.csv", suite=suite)
    store.export_json(run_dir / "results.json", suite=suite)
