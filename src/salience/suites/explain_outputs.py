"""What an explain run hands a user: a self-describing attributions file and a long-form table.

:class:`AttributionRecord` holds one method's maps with everything needed to read them without the
checkpoint: sample ids, true and predicted classes (in the checkpoint's class order), class
probabilities, class and feature names, the method and the target. :meth:`AttributionRecord.save`
writes it as a plain ``.npz`` (no pickle: strings are unicode arrays, ``meta`` a JSON string) and
:meth:`AttributionRecord.save_table` as a long-form table, one row per (sample, time step, feature)
inside the sample's length, with columns ``sample_id, time, feature, attribution, value``: CSV, or
Parquet through pyarrow (the ``data`` extra). Every row is written (there is no row limit); a table of
N·T·F rows is about 40 bytes a row as CSV.

Example:
    >>> import pathlib, tempfile
    >>> s = np.arange(4, dtype=np.float32).reshape(1, 2, 2)
    >>> record = AttributionRecord(
    ...     attributions=s, x=s + 10, sample_id=np.array(["a"]), y=np.array([1]), predicted=np.array([1]),
    ...     probabilities=np.array([[0.2, 0.8]]), class_names=["no", "yes"], feature_names=["hr", "spo2"],
    ...     method="gradient", target=np.array([1]))
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with np.load(record.save(folder / "a.npz")) as stored:
    ...     stored["class_names"].tolist(), stored["sample_id"].tolist(), str(stored["method"])
    (['no', 'yes'], ['a'], 'gradient')
    >>> print(record.save_table(folder / "a.csv").read_text().strip())
    sample_id,time,feature,attribution,value
    a,0,hr,0,10
    a,0,spo2,1,11
    a,1,hr,2,12
    a,1,spo2,3,13
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from salience._io import atomic_path

TABLE_FORMATS = ("csv", "parquet")
TABLE_COLUMNS = ("sample_id", "time", "feature", "attribution", "value")


@dataclass(frozen=True)
class AttributionRecord:
    """One method's attributions (N, T, F) and what a reader needs beside them."""

    attributions: np.ndarray  # (N, T, F)
    x: np.ndarray  # (N, T, F) the inputs as given (before standardisation)
    sample_id: np.ndarray  # (N,) str
    y: np.ndarray  # (N,) true class, checkpoint order
    predicted: np.ndarray  # (N,)
    probabilities: np.ndarray  # (N, C)
    class_names: list[str]
    feature_names: list[str]
    method: str
    target: np.ndarray  # (N,) the class each map explains
    lengths: np.ndarray | None = None  # (N,) valid steps, None when all are T
    meta: dict[str, Any] = field(default_factory=dict)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the record as a compressed ``.npz`` (plain arrays, loadable with ``allow_pickle=False``)."""
        target = Path(path)
        arrays: dict[str, np.ndarray] = {
            "attributions": self.attributions,
            "sample_id": np.asarray(self.sample_id, dtype=str),
            "y": np.asarray(self.y, dtype=np.int64),
            "predicted": np.asarray(self.predicted, dtype=np.int64),
            "probabilities": np.asarray(self.probabilities, dtype=np.float32),
            "class_names": np.asarray(self.class_names, dtype=str),
            "feature_names": np.asarray(self.feature_names, dtype=str),
            "method": np.array(self.method),
            "target": np.asarray(self.target, dtype=np.int64),
            "meta": np.array(json.dumps(self.meta)),
        }
        if self.lengths is not None:
            arrays["lengths"] = np.asarray(self.lengths, dtype=np.int64)
        with atomic_path(target) as tmp, open(tmp, "wb") as handle:
            np.savez_compressed(handle, **arrays)
        return target

    def save_table(self, path: str | os.PathLike[str], table_format: str = "csv") -> Path:
        """Write the long-form table (see the module) as csv or parquet: all rows, padding left out."""
        check_table_format(table_format)
        target = Path(path)
        columns = self._columns()
        if table_format == "parquet":
            pa, pq = _pyarrow()
            with atomic_path(target) as tmp:
                pq.write_table(pa.table(dict(zip(TABLE_COLUMNS, columns, strict=True))), str(tmp))
            return target
        sample, time, feature, value_s, value_x = columns
        lines = [",".join(TABLE_COLUMNS)]
        lines += [
            f"{_csv(s)},{t},{_csv(f)},{a:.7g},{v:.7g}"
            for s, t, f, a, v in zip(sample, time, feature, value_s, value_x, strict=True)
        ]
        with atomic_path(target) as tmp:
            tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return target

    def _columns(self) -> tuple[np.ndarray, ...]:
        n, t, f = self.attributions.shape
        steps = np.broadcast_to(np.arange(t)[None, :, None], (n, t, f))
        lengths = np.full(n, t) if self.lengths is None else np.asarray(self.lengths)
        keep = steps < lengths[:, None, None]
        sample = np.broadcast_to(np.asarray(self.sample_id, dtype=str)[:, None, None], (n, t, f))
        feature = np.broadcast_to(np.asarray(self.feature_names, dtype=str)[None, None, :], (n, t, f))
        return (
            sample[keep], steps[keep], feature[keep],
            self.attributions[keep].astype(np.float64), np.asarray(self.x, dtype=np.float64)[keep],
        )  # fmt: skip


def check_table_format(table_format: str) -> None:
    """Refuse a table format other than csv or parquet, and parquet without pyarrow.

    Example:
        >>> check_table_format("xlsx")
        Traceback (most recent call last):
        ...
        ValueError: format: expected one of csv, parquet, got 'xlsx'
    """
    if table_format not in TABLE_FORMATS:
        raise ValueError(f"format: expected one of {', '.join(TABLE_FORMATS)}, got {table_format!r}")
    if table_format == "parquet":
        _pyarrow()


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ValueError(
            "format: parquet needs pyarrow; install the data extra (pip install 'salience[data]')"
        ) from None
    return pa, pq


def _csv(text: str) -> str:
    """``text`` as one CSV field (quoted when it holds a comma, quote or line break)."""
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text
