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
  values, refused unless ``impute`` is given (see :func:`~salience.data.impute_missing`); ``mean`` and
  the fallback of ``ffill`` use the whole file's statistics.
- pandas (Parquet only) and pyarrow are imported inside the loader, so ``import salience`` stays light.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from salience._validation import as_lengths, check_choice, check_ndim
from salience.data.dataset import Dataset, split_indices
from salience.data.impute import IMPUTE_METHODS, impute_missing
from salience.data.long_table import _check_categorical, _label_codes, _read_long_table
from salience.data.names import with_class_order

USER_FORMATS = ("csv", "npz", "parquet", "ts")
"""The file formats :func:`load_user_data` reads."""

_SUFFIXES = {".csv": "csv", ".npz": "npz", ".parquet": "parquet", ".pq": "parquet", ".ts": "ts"}


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
    class_order: Sequence[str] | str | None = None,
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
        class_order: the class names in label order (a string is split at commas); every class of
            the file must be listed, listed classes may lack samples. Default: sorted (see above).

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "vitals.csv"
        >>> _ = path.write_text("sample_id,time,hr,label\\na,1,72,ok\\na,0,70,ok\\nb,0,90,ill\\n")
        >>> ds = load_user_data(path)
        >>> ds.x[:, :, 0].tolist(), ds.lengths.tolist(), ds.y.tolist(), ds.meta["class_names"]
        ([[70.0, 72.0], [90.0, 0.0]], [2, 1], [1, 0], ['ill', 'ok'])
    """
    dataset = _load(path, format, label, sample_id, time, features, impute, name)
    return _ordered(dataset, class_order)


def load_user_splits(
    path: str | os.PathLike[str],
    *,
    split_column: str | None = None,
    test_fraction: float | None = None,
    seed: int = 0,
    **options: Any,
) -> dict[str, Dataset]:
    """Read the user's data file as ``{"train": ..., "test": ...}``, both numbered the same way.

    Args:
        path: as in :func:`load_user_data`.
        split_column: a long-form column whose value (``train`` or ``test``, constant within a sample)
            says where each sample goes; not a feature.
        test_fraction: instead, a stratified random test part of this fraction, seeded by ``seed``.
        options: the other arguments of :func:`load_user_data` (``label``, ``class_order``, ...).

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "vitals.csv"
        >>> rows = "a,0,70,ok,train\\nb,0,90,ill,test\\nc,0,72,ok,test\\n"
        >>> _ = path.write_text("sample_id,time,hr,label,part\\n" + rows)
        >>> parts = load_user_splits(path, split_column="part")
        >>> parts["train"].meta["sample_ids"], parts["test"].y.tolist(), parts["test"].class_names
        (['a'], [0, 1], ['ill', 'ok'])
    """
    if (split_column is None) == (test_fraction is None):
        raise ValueError("split_column/test_fraction: give exactly one of them")
    if test_fraction is not None:
        dataset = load_user_data(path, **options)
        _, _, test = split_indices(dataset.y, test=test_fraction, validation=0, seed=seed)
        train = np.setdiff1d(np.arange(dataset.n_samples), test)
        return {"train": dataset.subset(train), "test": dataset.subset(test)}
    order = options.pop("class_order", None)
    defaults = {"format": None, "label": "label", "sample_id": "sample_id", "time": "time",
                "features": None, "impute": None, "name": None}  # fmt: skip
    values = [options.pop(key, default) for key, default in defaults.items()]
    dataset = _load(path, *values, split_column)
    if options:
        raise TypeError(f"{next(iter(options))}: not an argument of load_user_data")
    dataset = _ordered(dataset, order)
    split = dataset.meta.pop("split")
    parts = {part: dataset.subset([i for i, s in enumerate(split) if s == part])
             for part in ("train", "test")}
    empty = [part for part, subset in parts.items() if not subset.n_samples]
    if empty:
        raise ValueError(f"split_column: no sample of {path} is marked {empty[0]!r}")
    return parts


def _load(
    path: str | os.PathLike[str], format: str | None, label: str, sample_id: str, time: str,
    features: Sequence[str] | str | None, impute: str | None, name: str | None,
    split_column: str | None = None,
) -> Dataset:  # fmt: skip
    source = Path(path)
    kind = _format(source, format)
    if split_column is not None and kind not in ("csv", "parquet"):
        raise ValueError(
            f"split_column: only a long-form table (csv, parquet) has columns; {source.name} is {kind}"
        )
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
    return _read_long_table(source, kind, label, sample_id, time, wanted, impute, name or stem, split_column)


def _ordered(dataset: Dataset, order: Sequence[str] | str | None) -> Dataset:
    """``dataset`` numbered in ``order`` (``class_order``), if given."""
    if order is None:
        return dataset
    try:
        return with_class_order(dataset, order)
    except ValueError as err:
        raise ValueError(f"class_order: {str(err).removeprefix('class_names: ')}") from None


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
    if y.dtype.kind in "fiu" and y.ndim == 1:
        _check_categorical(y, "y")
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
