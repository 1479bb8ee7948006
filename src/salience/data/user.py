"""The user's own data as a dataset: ``.npz`` arrays, or a **long-form** table in CSV or Parquet.

Long form: one row per (sample, time step), with a sample-id column, a time column, feature columns
and a label column that is constant within each sample::

    sample_id,time,heart_rate,spo2,label
    p1,0,71,98,healthy
    p1,1,73,97,healthy
    p2,0,90,91,sick

Decisions:

- Samples keep the order of their first row in the file; within a sample, rows are sorted by time.
  Time values (numbers or ISO dates) only **order** the steps: gaps are not filled, so irregular
  sampling becomes consecutive steps.
- Samples of different lengths are zero-padded at the end and carry ``lengths`` (N,); when all have
  the same length there are no ``lengths``.
- Class names are the distinct labels, sorted numerically when all are integers, else as text;
  label ``k`` is ``meta["class_names"][k]``.
- Empty cells (and ``nan``, ``na``, ``n/a``, ``null``, ``none``, ``?``) in feature columns are missing
  values, refused unless ``impute`` is given (see :func:`impute_missing`); ``mean`` and the fallback of
  ``ffill`` use the whole file's statistics.
- pandas (Parquet only) and pyarrow are imported inside the loader, so ``import salience`` stays light.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from salience._validation import as_lengths, check_choice, check_ndim
from salience.data.dataset import Dataset

IMPUTE_METHODS = ("ffill", "mean", "zero")
"""How missing values can be filled: see :func:`impute_missing`."""

USER_FORMATS = ("csv", "npz", "parquet", "ts")
"""The file formats :func:`load_user_data` reads."""

_SUFFIXES = {".csv": "csv", ".npz": "npz", ".parquet": "parquet", ".pq": "parquet", ".ts": "ts"}
_MISSING = ("", "nan", "na", "n/a", "null", "none", "?")
_DATA_EXTRA = "install salience[data] (pip install 'salience[data]')"


def load_user_data(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    label: str = "label",
    sample_id: str = "sample_id",
    time: str = "time",
    features: Sequence[str] | str | None = None,
    impute: str | None = None,
    name: str | None = None,
) -> Dataset:
    """Read the user's data file as a dataset (N, T, F).

    Args:
        path: a ``.csv`` (also ``.csv.gz``) or ``.parquet`` long-form table, an ``.npz`` with arrays ``x``
            (N, T, F) and ``y`` (N,) (optional ``mask``, ``lengths``, ``feature_names``; string labels
            allowed; no pickle) or a ``.ts`` file (see :func:`salience.data.real.read_ts`).
        format: ``csv``, ``parquet``, ``npz`` or ``ts``; default from the file's suffix.
        label, sample_id, time: the long form's column names (ignored for ``.npz`` and ``.ts``).
        features: the feature columns (or names in an ``.npz``'s ``feature_names``), in this order;
            default every other column. A string is split at commas.
        impute: ``zero``, ``ffill`` or ``mean`` to fill missing feature values; default: refuse them.
        name: ``meta["name"]``; default the file's stem.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "vitals.csv"
        >>> _ = path.write_text("sample_id,time,hr,label\\na,1,72,ok\\na,0,70,ok\\nb,0,90,ill\\n")
        >>> ds = load_user_data(path)
        >>> ds.x[:, :, 0].tolist(), ds.lengths.tolist(), ds.y.tolist(), ds.meta["class_names"]
        ([[70.0, 72.0], [90.0, 0.0]], [2, 1], [1, 0], ['ill', 'ok'])
    """
    source = Path(path)
    kind = _format(source, format)
    if not source.is_file():
        raise FileNotFoundError(f"path: no file at {source}")
    if impute is not None:
        check_choice(impute, "impute", IMPUTE_METHODS)
    wanted = _feature_list(features)
    stem = source.name.split(".")[0]
    if kind == "ts":
        from salience.data.real import read_ts

        dataset = read_ts(source, name=name, impute=impute)
        if wanted is not None:
            dataset = _select_npz_features(dataset, wanted, source)
        return dataset
    if kind == "npz":
        return _load_npz(source, wanted, impute, name or stem)
    columns, rows, unit = _read_csv(source) if kind == "csv" else _read_parquet(source)
    table = _LongTable(source, columns, rows, unit)
    return table.dataset(label, sample_id, time, wanted, impute, name or stem, kind)


def impute_missing(
    x: np.ndarray,
    method: str,
    *,
    lengths: np.ndarray | None = None,
    feature_names: Sequence[str] | None = None,
) -> np.ndarray:
    """``x`` (N, T, F) with its NaN cells filled; steps beyond ``lengths`` are set to 0.

    ``zero``: 0. ``mean``: the feature's mean over every observed (valid) cell. ``ffill``: the sample's
    last observed value of the feature; leading gaps take its first observed value, and a feature never
    observed in a sample takes the feature's mean.

    Example:
        >>> x = np.array([[[np.nan], [1.0], [np.nan]], [[3.0], [np.nan], [np.nan]]])
        >>> impute_missing(x, "ffill")[:, :, 0].tolist()
        [[1.0, 1.0, 1.0], [3.0, 3.0, 3.0]]
        >>> impute_missing(x, "mean", lengths=np.array([3, 2]))[:, :, 0].tolist()
        [[2.0, 1.0, 2.0], [3.0, 2.0, 0.0]]
    """
    check_choice(method, "impute", IMPUTE_METHODS)
    check_ndim(x, "x", 3, "(N, T, F)")
    filled = np.array(x, dtype=np.float64)
    n, t = filled.shape[:2]
    valid = np.ones((n, t), dtype=bool)
    if lengths is not None:
        valid = np.arange(t)[None, :] < np.asarray(lengths)[:, None]
    filled[~valid] = 0.0
    missing = np.isnan(filled)
    if not missing.any():
        return filled
    if method == "zero":
        filled[missing] = 0.0
        return filled
    observed = ~missing & valid[:, :, None]
    counts = observed.sum(axis=(0, 1))
    means = np.where(observed, filled, 0.0).sum(axis=(0, 1)) / np.maximum(counts, 1)
    needed = (missing.sum(axis=(0, 1)) > 0) & (counts == 0)
    if needed.any():
        k = int(np.flatnonzero(needed)[0])
        column = feature_names[k] if feature_names is not None else f"feature {k}"
        raise ValueError(f"impute: {column} has no observed value to impute {method!r} from")
    if method == "ffill":
        steps = np.arange(t)[None, :, None]
        last = np.maximum.accumulate(np.where(observed, steps, -1), axis=1)
        upcoming = np.flip(np.minimum.accumulate(np.flip(np.where(observed, steps, t), 1), axis=1), 1)
        source = np.where(last >= 0, last, np.where(upcoming < t, upcoming, 0))
        carried = np.take_along_axis(filled, source, axis=1)
        never = ~observed.any(axis=1, keepdims=True)
        filled = np.where(missing, np.where(never, means, carried), filled)
    else:
        filled = np.where(missing, means, filled)
    filled[~valid] = 0.0
    return filled


def _format(source: Path, format: str | None) -> str:
    if format is not None:
        check_choice(format, "format", USER_FORMATS)
        return format
    suffixes = [suffix.lower() for suffix in source.suffixes]
    if suffixes[-2:] == [".csv", ".gz"]:
        return "csv"
    if source.suffix.lower() not in _SUFFIXES:
        raise ValueError(
            f"format: cannot tell the format of {source.name} from its suffix; expected one of "
            f"{', '.join(sorted(_SUFFIXES))} (or .csv.gz), or pass format="
        )
    return _SUFFIXES[source.suffix.lower()]


def _feature_list(features: Sequence[str] | str | None) -> list[str] | None:
    if features is None:
        return None
    names = [part.strip() for part in features.split(",")] if isinstance(features, str) else list(features)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"features: expected non-empty column names, got {features!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"features: a column is listed twice in {names}")
    return names


# --- .npz -----------------------------------------------------------------------------------------


def _load_npz(source: Path, wanted: list[str] | None, impute: str | None, name: str) -> Dataset:
    if not zipfile.is_zipfile(source):
        raise ValueError(f"path: {source} is not an .npz file")
    try:
        with np.load(source, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except ValueError as err:
        if "pickle" in str(err):
            raise ValueError(f"path: {source} holds pickled objects, which are refused") from None
        raise ValueError(f"path: {source} is not a readable .npz file ({err})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"path: {source} is not a readable .npz file ({err})") from None
    missing = [key for key in ("x", "y") if key not in arrays]
    if missing:
        raise ValueError(f"path: {source} has no {' and '.join(missing)} array; it has {sorted(arrays)}")
    meta: dict[str, Any] = {}
    if "meta" in arrays:
        try:
            meta = json.loads(str(arrays["meta"]))
        except json.JSONDecodeError:
            meta = None  # type: ignore[assignment]
        if not isinstance(meta, dict):
            raise ValueError(f"path: {source} has a 'meta' entry that is not a JSON object")
        meta.pop("format", None)
    x = arrays["x"]
    check_ndim(x, "x", 3, "(N, T, F)")
    if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise TypeError(f"x: expected real numbers in {source}, got dtype {x.dtype}")
    x = x.astype(np.float64)
    lengths = arrays.get("lengths")
    if lengths is not None:
        lengths = as_lengths(lengths, x.shape[0], x.shape[1]).numpy()
        x[np.arange(x.shape[1])[None, :] >= lengths[:, None]] = 0.0  # padding: any value, even NaN
    _check_npz_missing(x, impute, source)
    y, class_names = _npz_labels(arrays["y"], meta)
    meta.setdefault("name", name)
    meta.update(generator=meta.get("generator", "user"), source=str(source), file_format="npz")
    if class_names is not None:
        meta["class_names"] = class_names
        meta["n_classes"] = len(class_names)
    if "feature_names" in arrays:
        names = arrays["feature_names"]
        if names.dtype.kind != "U" or names.shape != (x.shape[2],):
            raise ValueError(
                f"feature_names: expected {x.shape[2]} strings in {source}, got dtype {names.dtype} "
                f"shape {names.shape}"
            )
        meta["feature_names"] = [str(v) for v in names]
    if impute is not None:
        x = impute_missing(x, impute, lengths=lengths, feature_names=meta.get("feature_names"))
        meta["impute"] = impute
    dataset = Dataset(x=x, y=y, mask=arrays.get("mask"), lengths=lengths, meta=meta)
    return dataset if wanted is None else _select_npz_features(dataset, wanted, source)


def _check_npz_missing(x: np.ndarray, impute: str | None, source: Path) -> None:
    if np.isinf(x).any():
        raise ValueError(f"x: expected finite values in {source}, found inf")
    if impute is None and np.isnan(x).any():
        n, t, f = (int(v) for v in np.argwhere(np.isnan(x))[0])
        raise ValueError(
            f"x: {source} has missing values (NaN), the first at sample {n}, step {t}, feature {f}; "
            f"pass impute= one of {', '.join(IMPUTE_METHODS)}"
        )


def _npz_labels(y: np.ndarray, meta: dict[str, Any]) -> tuple[np.ndarray, list[str] | None]:
    if y.dtype.kind in "US":
        codes, names = _label_codes(y.astype(str))
        if "" in names:
            raise ValueError("y: expected a label for every sample, got an empty string")
        return codes, names
    return y, meta.get("class_names")


def _select_npz_features(dataset: Dataset, wanted: list[str], source: Path) -> Dataset:
    names = dataset.meta.get("feature_names")
    if names is None:
        raise ValueError(f"features: {source} has no feature_names to select {wanted} from")
    absent = [n for n in wanted if n not in names]
    if absent:
        raise ValueError(f"features: no feature {absent[0]!r} in {source}; it has {', '.join(names)}")
    index = [names.index(n) for n in wanted]
    meta = {**dataset.meta, "feature_names": list(wanted)}
    mask = None if dataset.mask is None else dataset.mask[:, :, index]
    return Dataset(x=dataset.x[:, :, index], y=dataset.y, mask=mask, lengths=dataset.lengths, meta=meta)


# --- long form: CSV and Parquet ---------------------------------------------------------------------


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
            f"format: reading Parquet needs pandas and pyarrow ({err.name} is missing); {_DATA_EXTRA}"
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
        name: str, kind: str,
    ) -> Dataset:  # fmt: skip
        roles = {"label": label, "sample_id": sample_id, "time": time}
        for argument, column in roles.items():
            self._require(column, argument)
        if len(set(roles.values())) < 3:
            raise ValueError(f"label/sample_id/time: expected three different columns, got {roles}")
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
        y, class_names = self._labels(label, order, sample, starts, sample_names)
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

    def _labels(
        self, column: str, order: np.ndarray, sample: np.ndarray, starts: np.ndarray, names: list[str]
    ) -> tuple[np.ndarray, list[str]]:
        text, missing = _as_text(self.columns[column])
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise ValueError(
                f"label: column {column!r} is empty at {self._at(row)} (sample {names[sample[row]]!r})"
            )
        ordered = text[order]
        first = ordered[starts]
        changed = ordered != first[sample[order]]
        if changed.any():
            row = int(order[np.flatnonzero(changed)[0]])
            s = sample[row]
            head = int(order[starts[s]])
            raise ValueError(
                f"label: sample {names[s]!r} has more than one label ({str(first[s])!r} at "
                f"{self._at(head)}, {str(text[row])!r} at {self._at(row)}); expected one label per sample"
            )
        codes, class_names = _label_codes(first)
        return codes, class_names

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
