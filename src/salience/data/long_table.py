"""Long-form tables (CSV, also gzipped, and Parquet) as a dataset: one row per (sample, time step),
with a sample-id column, a time column, feature columns and a label column that is constant within
each sample. The decisions (sample order, time order, padding, class names, missing values) are those
of :func:`salience.data.load_user_data`, which calls this module.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
from pathlib import Path
from typing import Any

import numpy as np

from salience.data._install import DATA_EXTRA
from salience.data.dataset import Dataset
from salience.data.impute import IMPUTE_METHODS, impute_missing

_MISSING = ("", "nan", "na", "n/a", "null", "none", "?")


def _read_long_table(
    source: Path, kind: str, label: str, sample_id: str, time: str, wanted: list[str] | None,
    impute: str | None, name: str, split_column: str | None = None,
) -> Dataset:  # fmt: skip
    """The dataset in the ``csv`` or ``parquet`` long-form table at ``source``; with ``split_column``,
    each sample's value of that column (``train`` or ``test``) in ``meta["split"]``."""
    columns, rows, unit = _read_csv(source) if kind == "csv" else _read_parquet(source)
    table = _LongTable(source, columns, rows, unit)
    return table.dataset(label, sample_id, time, wanted, impute, name, kind, split_column)


def _read_csv(source: Path) -> tuple[dict[str, np.ndarray], np.ndarray, str]:
    """The CSV's columns (as text) and each row's line number."""
    opener = gzip.open if source.suffix.lower() == ".gz" else open
    try:
        with opener(source, "rt", newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise ValueError(f"path: {source} is empty")
            header = [column.strip() for column in header]
            rows: list[list[str]] = []
            lines: list[int] = []
            for row in reader:
                if not row:
                    continue
                if len(row) != len(header):
                    raise ValueError(
                        f"path: line {reader.line_num} of {source} has {len(row)} fields, "
                        f"the header has {len(header)}"
                    )
                rows.append(row)
                lines.append(reader.line_num)
    except (UnicodeDecodeError, csv.Error, OSError, EOFError) as err:
        raise ValueError(f"path: {source} is not a readable CSV file ({err})") from None
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise ValueError(f"path: {source} has more than one column named {duplicated[0]!r}")
    if not rows:
        raise ValueError(f"path: {source} has a header but no data rows")
    values = [np.array(column, dtype=str) for column in zip(*rows, strict=True)]
    return dict(zip(header, values, strict=True)), np.array(lines, dtype=np.int64), "line"


def _read_parquet(source: Path) -> tuple[dict[str, np.ndarray], np.ndarray, str]:
    """The Parquet table's columns (numbers as float64/int64, times as int64 ns, the rest as objects)."""
    try:
        import pandas as pd
        import pyarrow  # noqa: F401
    except ImportError as err:
        raise ModuleNotFoundError(
            f"format: reading Parquet needs pandas and pyarrow ({err.name} is missing); {DATA_EXTRA}"
        ) from None
    try:
        frame = pd.read_parquet(source)
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise ValueError(f"path: {source} is not a readable Parquet file ({err})") from None
    if len(frame) == 0:
        raise ValueError(f"path: {source} has no data rows")
    columns: dict[str, np.ndarray] = {}
    for column in frame.columns:
        series = frame[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            columns[str(column)] = series.to_numpy(dtype="datetime64[ns]")
        elif pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
            columns[str(column)] = series.to_numpy(dtype=np.int64)
        elif pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
            columns[str(column)] = series.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            columns[str(column)] = series.to_numpy(dtype=object)
    return columns, np.arange(1, len(frame) + 1, dtype=np.int64), "row"


class _LongTable:
    """A long-form table: columns by name, and each row's number (CSV line or Parquet row)."""

    def __init__(self, source: Path, columns: dict[str, np.ndarray], rows: np.ndarray, unit: str) -> None:
        self.source, self.columns, self.rows, self.unit = source, columns, rows, unit

    def dataset(
        self, label: str, sample_id: str, time: str, wanted: list[str] | None, impute: str | None,
        name: str, kind: str, split_column: str | None = None,
    ) -> Dataset:  # fmt: skip
        roles = {"label": label, "sample_id": sample_id, "time": time}
        if split_column is not None:
            roles["split_column"] = split_column
        for argument, column in roles.items():
            self._require(column, argument)
        if len(set(roles.values())) < len(roles):
            count = ("two", "three", "four")[len(roles) - 2]
            raise ValueError(f"{'/'.join(roles)}: expected {count} different columns, got {roles}")
        if wanted is None:
            wanted = [c for c in self.columns if c not in roles.values()]
            if not wanted:
                raise ValueError(f"features: {self.source} has no column besides {', '.join(roles.values())}")
        for column in wanted:
            self._require(column, "features")
            if column in roles.values():
                raise ValueError(f"features: {column!r} is the {_role(roles, column)} column, not a feature")
        ids, missing = _as_text(self.columns[sample_id])
        if missing.any():
            raise ValueError(
                f"sample_id: column {sample_id!r} is empty at {self._at(np.flatnonzero(missing)[0])}"
            )
        unique_ids, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        appearance = np.argsort(first, kind="stable")
        rank = np.empty_like(appearance)
        rank[appearance] = np.arange(appearance.size)
        sample = rank[inverse.reshape(-1)]
        sample_names = unique_ids[appearance].tolist()  # Python strings, for messages
        times = self._times(time)
        order = np.lexsort((times, sample))
        lengths = np.bincount(sample, minlength=len(sample_names))
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self._check_duplicates(order, sample, times, sample_names, time)
        first = self._per_sample(label, "label", order, sample, starts, sample_names)
        _check_categorical(first, label)
        y, class_names = _label_codes(first)
        values = np.stack([self._numbers(column) for column in wanted], axis=1)
        if impute is None and np.isnan(values).any():
            row, k = (int(v) for v in np.argwhere(np.isnan(values))[0])
            raise ValueError(
                f"features: column {wanted[k]!r} has a missing value at {self._at(row)} "
                f"(sample {sample_names[sample[row]]!r}); pass impute= one of {', '.join(IMPUTE_METHODS)}"
            )
        steps = np.arange(order.size) - starts[sample[order]]
        x = np.zeros((len(sample_names), int(lengths.max()), len(wanted)), dtype=np.float64)
        x[sample[order], steps] = values[order]
        variable = bool((lengths != lengths[0]).any())
        if impute is not None:
            x = impute_missing(x, impute, lengths=lengths, feature_names=wanted)
        meta: dict[str, Any] = {
            "name": name,
            "generator": "user",
            "source": str(self.source),
            "file_format": kind,
            "columns": roles,
            "n_classes": len(class_names),
            "class_names": class_names,
            "feature_names": list(wanted),
            "sample_ids": sample_names,
            "padding": "zeros at the end, beyond lengths" if variable else None,
            "impute": impute,
        }
        if split_column is not None:
            splits = self._per_sample(split_column, "split_column", order, sample, starts, sample_names)
            meta["split"] = _split_names(splits, split_column)
        return Dataset(x=x, y=y, lengths=lengths if variable else None, meta=meta)

    def _require(self, column: str, argument: str) -> None:
        if column not in self.columns:
            raise ValueError(
                f"{argument}: no column {column!r} in {self.source.name}; "
                f"its columns are {', '.join(self.columns)}"
            )

    def _at(self, row: int | np.integer) -> str:
        return f"{self.unit} {int(self.rows[row])}"

    def _times(self, column: str) -> np.ndarray:
        values = self.columns[column]
        if values.dtype.kind == "M":
            missing = np.isnat(values)
            times = values.astype("datetime64[ns]").astype(np.int64)
        elif values.dtype.kind == "f":
            missing, times = np.isnan(values), values
        elif values.dtype.kind in "iu":
            missing, times = np.zeros(values.shape, dtype=bool), values
        else:
            text, missing = _as_text(values)
            times = _parse_times(text, missing, column, self._at)
        if missing.any():
            raise ValueError(f"time: column {column!r} is empty at {self._at(np.flatnonzero(missing)[0])}")
        return times

    def _check_duplicates(
        self, order: np.ndarray, sample: np.ndarray, times: np.ndarray, names: list[str], column: str
    ) -> None:
        same = (sample[order][1:] == sample[order][:-1]) & (times[order][1:] == times[order][:-1])
        if same.any():
            j = int(np.flatnonzero(same)[0])
            a, b = sorted(int(self.rows[r]) for r in order[j : j + 2])
            shown = _as_text(self.columns[column][order[j : j + 1]])[0][0]
            raise ValueError(
                f"time: sample {names[sample[order[j]]]!r} has two rows at {column} {shown} "
                f"({self.unit}s {a} and {b})"
            )

    def _per_sample(
        self, column: str, argument: str, order: np.ndarray, sample: np.ndarray, starts: np.ndarray,
        names: list[str],
    ) -> np.ndarray:  # fmt: skip
        """Each sample's value of ``column`` (text), which must be the same on all its rows."""
        text, missing = _as_text(self.columns[column])
        what = "label" if argument == "label" else f"{column} value"
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise ValueError(
                f"{argument}: column {column!r} is empty at {self._at(row)} (sample {names[sample[row]]!r})"
            )
        ordered = text[order]
        first = ordered[starts]
        changed = ordered != first[sample[order]]
        if changed.any():
            row = int(order[np.flatnonzero(changed)[0]])
            s = sample[row]
            head = int(order[starts[s]])
            raise ValueError(
                f"{argument}: sample {names[s]!r} has more than one {what} ({str(first[s])!r} at "
                f"{self._at(head)}, {str(text[row])!r} at {self._at(row)}); expected one {what} per sample"
            )
        return first

    def _numbers(self, column: str) -> np.ndarray:
        values = self.columns[column]
        if values.dtype.kind in "fiub":
            numbers = values.astype(np.float64)
        elif values.dtype.kind == "M":
            raise ValueError(f"features: column {column!r} holds dates, expected numbers")
        else:
            text, missing = _as_text(values)
            missing |= np.isin(np.char.lower(text), _MISSING)
            cleaned = np.where(missing, "nan", text)
            try:
                numbers = cleaned.astype(np.float64)
            except ValueError:
                row = _first_bad(cleaned, float)
                raise ValueError(
                    f"features: column {column!r} has a non-numeric value {str(text[row])!r} "
                    f"at {self._at(row)}"
                ) from None
        if np.isinf(numbers).any():
            row = int(np.flatnonzero(np.isinf(numbers))[0])
            raise ValueError(f"features: column {column!r} has an infinite value at {self._at(row)}")
        return numbers


def _check_categorical(labels: np.ndarray, column: str) -> None:
    """Refuse labels that look like a measurement: numbers with a fractional part, or integers with
    more distinct values than half the samples (when there are more than 20)."""
    try:
        numbers = labels.astype(np.float64)
    except ValueError:
        return  # text: class names
    distinct = len(np.unique(numbers))
    fractional = bool(np.any(np.mod(numbers, 1) != 0))
    if fractional or (labels.size > 20 and distinct > labels.size / 2):
        why = "numbers with a fractional part" if fractional else f"{distinct} distinct numbers"
        raise ValueError(
            f"label: column {column!r} looks continuous ({why} in {labels.size} samples); "
            "salience explains classifiers: give class labels"
        )


def _split_names(values: np.ndarray, column: str) -> list[str]:
    lowered = [str(value).lower() for value in values.tolist()]
    odd = sorted(set(lowered) - {"train", "test"})
    if odd:
        raise ValueError(f"split_column: column {column!r} has {odd[0]!r}; expected train or test")
    return lowered


def _role(roles: dict[str, str], column: str) -> str:
    return next(argument for argument, name in roles.items() if name == column)


def _as_text(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``values`` as stripped strings (integral floats without ``.0``) and where they are missing."""
    if values.dtype.kind in "iub":
        return values.astype(str), np.zeros(values.shape, dtype=bool)
    if values.dtype.kind == "f":
        missing = np.isnan(values)
        integral = ~missing & (np.mod(np.where(missing, 0, values), 1) == 0)
        items = [
            str(int(v)) if whole else ("" if gap else repr(float(v)))
            for v, whole, gap in zip(values.tolist(), integral.tolist(), missing.tolist(), strict=True)
        ]
        return np.array(items, dtype=str).reshape(values.shape), missing
    if values.dtype.kind == "M":
        return np.datetime_as_string(values), np.isnat(values)
    items = [
        "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip() for v in values.tolist()
    ]
    text = np.array(items, dtype=str) if items else np.array([], dtype=str)
    return text, text == ""


def _parse_times(text: np.ndarray, missing: np.ndarray, column: str, at: Any) -> np.ndarray:
    """Numbers if every present value is one, else ISO dates as int64 nanoseconds."""
    present = np.where(missing, "0", text)
    try:
        return present.astype(np.float64)
    except ValueError:
        pass
    try:
        return np.where(missing, "1970-01-01", text).astype("datetime64[ns]").astype(np.int64)
    except ValueError:
        row = _first_bad(np.where(missing, "1970-01-01", text), np.datetime64)
        raise ValueError(
            f"time: column {column!r} has {str(text[row])!r} at {at(row)}; expected numbers or ISO dates "
            "(e.g. 2024-05-01T12:00)"
        ) from None


def _first_bad(text: np.ndarray, parse: Any) -> int:
    """The index of the first string that ``parse`` rejects (for error messages)."""
    for index, item in enumerate(text.tolist()):
        try:
            parse(item)
        except ValueError:
            return index
    return 0


def _label_codes(labels: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Labels → codes 0..C-1 in sorted order (numeric when all are integers) and the class names."""
    distinct = sorted(set(labels.tolist()))
    with contextlib.suppress(ValueError):
        distinct = sorted(distinct, key=int)
    lookup = {value: code for code, value in enumerate(distinct)}
    return np.array([lookup[value] for value in labels.tolist()], dtype=np.int64), distinct
