"""Real time series: the UCR/UEA classification sets that ship inside ``sktime``, read from their
``.ts`` files by our own reader (sktime itself is never imported: that costs about 2 s).

Layout contract: a ``.ts`` file holds (n, channels, length) series; they become **(N, T, F) with
time = series step and features = channels**: ``x[n, t, f] = series[n, channel=f, step=t]``.

Decisions:

- Variable-length sets (JapaneseVowels, PLAID) are **zero-padded at the end** to the longest series of
  the split (so train and test may differ in T) and carry ``lengths`` (N,). A split whose series all
  have the same length carries no ``lengths``.
- Labels are mapped to 0..C-1 in the order of the header's ``@classLabel`` list; the file's own
  spelling is kept in ``meta["class_names"]`` (sktime lowercases some, e.g. BasicMotions' ``standing``).
- Features are named ``dim_0``, ``dim_1``, ... as sktime names its columns. The files do not say in
  which order BasicMotions' six channels hold the accelerometer and gyroscope axes, so we do not guess.
- ``?`` (and ``NaN``) mark missing values. Steps missing in every channel at the end of a series are
  padding and shorten it; other missing values are refused unless ``impute`` is given.
- Timestamped files (``@timeStamps true``) and regression files (``@targetLabel``) are not supported.
"""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path
from typing import Any

import numpy as np

from salience._validation import check_choice
from salience.data._install import package_dir
from salience.data.dataset import Dataset
from salience.data.impute import IMPUTE_METHODS, impute_missing

REAL_DATASETS: tuple[str, ...] = (
    "acsf1",
    "arrow-head",
    "basic-motions",
    "gunpoint",
    "italy-power-demand",
    "japanese-vowels",
    "osu-leaf",
    "plaid",
    "unit-test",
)
"""The UCR/UEA classification sets shipped in sktime, by their canonical names."""

REAL_ALIASES: dict[str, str] = {
    "ACSF1": "acsf1",
    "ArrowHead": "arrow-head",
    "BasicMotions": "basic-motions",
    "GunPoint": "gunpoint",
    "ItalyPowerDemand": "italy-power-demand",
    "JapaneseVowels": "japanese-vowels",
    "OSULeaf": "osu-leaf",
    "PLAID": "plaid",
    "UnitTest": "unit-test",
}
"""The archive's CamelCase names (also the folder names inside sktime) → canonical names."""

TS_LAYOUT = "x[n, t, f] = series[n, channel=f, step=t] (time = series step, features = channels)"

_FOLDERS = {canonical: folder for folder, canonical in REAL_ALIASES.items()}
_SPLITS = ("train", "test")
_MISSING_HINT = f"pass impute= one of {', '.join(IMPUTE_METHODS)}"


def load_real(name: str, split: str = "train", *, impute: str | None = None) -> Dataset:
    """One split of a UCR/UEA dataset shipped in sktime, as a dataset (N, T, F).

    Args:
        name: one of :data:`REAL_DATASETS` (``basic-motions``, ``japanese-vowels``, ``gunpoint``, ...) or
            its archive name (``BasicMotions``, ...).
        split: ``train`` or ``test`` (the archive's own split).
        impute: how to fill missing values inside a series (none of the shipped sets has any).

    Example:
        >>> motions = load_real("basic-motions", split="test")
        >>> motions.x.shape, motions.meta["class_names"]
        ((40, 100, 6), ['Standing', 'Running', 'Walking', 'Badminton'])
        >>> vowels = load_real("JapaneseVowels")
        >>> vowels.x.shape, int(vowels.lengths.min()), int(vowels.lengths.max())
        ((270, 26, 12), 7, 26)
    """
    if not isinstance(name, str):
        raise TypeError(f"name: expected a dataset name, got {type(name).__name__}")
    canonical = _resolve(name)
    check_choice(split, "split", _SPLITS)
    folder = _FOLDERS[canonical]
    path = _sktime_data_dir() / folder / f"{folder}_{split.upper()}.ts"
    if not path.is_file():
        raise FileNotFoundError(f"name: the installed sktime has no {path.name} at {path.parent}")
    dataset = read_ts(path, name=canonical, impute=impute)
    dataset.meta["split"] = split
    dataset.meta["package"] = f"sktime {importlib.metadata.version('sktime')}"
    return dataset


def read_ts(path: str | os.PathLike[str], *, name: str | None = None, impute: str | None = None) -> Dataset:
    """A classification ``.ts`` file (the sktime / UEA format) as a dataset (N, T, F).

    The header holds ``@problemName``, ``@univariate``, ``@dimensions``, ``@equalLength``,
    ``@seriesLength``, ``@classLabel true <labels>`` and ends at ``@data``; comment lines start with
    ``#`` or ``%``. Each data line is one sample: channels separated by ``:``, values by ``,``, the class
    label last. See the module's decisions for padding, labels and missing values.

    Args:
        path: the ``.ts`` file.
        name: ``meta["name"]``; default the header's ``@problemName`` (else the file's stem).
        impute: ``zero``, ``ffill`` or ``mean`` to fill missing values (``?``) inside a series.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.ts"
        >>> _ = path.write_text("@problemName tiny\\n@classLabel true up down\\n@data\\n"
        ...                     "1,2,3:4,5,6:down\\n7,8:9,10:up\\n")
        >>> ds = read_ts(path)
        >>> ds.x.shape, ds.lengths.tolist(), ds.y.tolist(), ds.x[1, :, 1].tolist()
        ((2, 3, 2), [3, 2], [1, 0], [9.0, 10.0, 0.0])
    """
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"path: no .ts file at {source}")
    if impute is not None:
        check_choice(impute, "impute", IMPUTE_METHODS)
    with open(source, encoding="utf-8-sig") as handle:
        lines = handle.read().splitlines()
    header, first_data = _read_header(lines, source)
    labels = header["class_labels"]
    n_channels = header["dimensions"]
    series: list[np.ndarray] = []
    targets: list[int] = []
    first_missing: int | None = None
    for number in range(first_data, len(lines)):
        text = lines[number].strip()
        if not text or text[0] in "#%":
            continue
        where = f"path: {source} line {number + 1}"
        fields = text.split(":")
        label = fields[-1].strip()
        if len(fields) < 2 or label not in labels:
            raise ValueError(
                f"{where}: expected a class label from @classLabel ({' '.join(labels)}) after the last ':', "
                f"got {label!r}"
            )
        channels = [_parse_channel(field, where, k) for k, field in enumerate(fields[:-1])]
        if n_channels is None:
            n_channels = len(channels)
        if len(channels) != n_channels:
            raise ValueError(f"{where}: expected {n_channels} channels, got {len(channels)}")
        sizes = {len(channel) for channel in channels}
        if len(sizes) > 1:
            raise ValueError(f"{where}: expected channels of one length, got lengths {sorted(sizes)}")
        values = np.stack(channels)  # (channels, length)
        if header["series_length"] is not None and values.shape[1] != header["series_length"]:
            raise ValueError(
                f"{where}: expected {header['series_length']} values per channel (@seriesLength), "
                f"got {values.shape[1]}"
            )
        missing = np.isnan(values)
        # Steps missing in every channel at the end are padding: they shorten the series.
        present = np.flatnonzero(~missing.all(axis=0))
        if present.size == 0:
            raise ValueError(f"{where}: the series has no values")
        values = values[:, : present[-1] + 1]
        if first_missing is None and np.isnan(values).any():
            first_missing = number + 1
        series.append(values)
        targets.append(labels.index(label))
    if not series:
        raise ValueError(f"path: {source} has no data lines after @data")
    if first_missing is not None and impute is None:
        raise ValueError(
            f"path: {source} line {first_missing} has missing values ('?') inside a series; {_MISSING_HINT}"
        )
    lengths = np.array([values.shape[1] for values in series], dtype=np.int64)
    x = np.zeros((len(series), int(lengths.max()), n_channels), dtype=np.float64)
    for index, values in enumerate(series):
        x[index, : values.shape[1]] = values.T
    variable = bool((lengths != lengths[0]).any())
    if impute is not None:
        x = impute_missing(x, impute, lengths=lengths if variable else None)
    meta: dict[str, Any] = {
        "name": name or header["problem_name"] or source.stem,
        "generator": "ts-file",
        "source": str(source),
        "problem_name": header["problem_name"],
        "n_classes": len(labels),
        "class_names": list(labels),
        "feature_names": [f"dim_{k}" for k in range(n_channels)],
        "layout": TS_LAYOUT,
        "padding": "zeros at the end, beyond lengths" if variable else None,
        "impute": impute,
    }
    return Dataset(x=x, y=np.array(targets, dtype=np.int64), lengths=lengths if variable else None, meta=meta)


def _resolve(name: str) -> str:
    if name in REAL_DATASETS:
        return name
    if name in REAL_ALIASES:
        return REAL_ALIASES[name]
    lowered = {alias.lower(): canonical for alias, canonical in REAL_ALIASES.items()}
    key = lowered.get(name.lower(), name.lower())
    check_choice(key, "name", REAL_DATASETS)
    return key


def _sktime_data_dir() -> Path:
    """sktime's ``datasets/data`` folder, found without importing sktime."""
    return package_dir("sktime", "name", "the UCR/UEA datasets ship") / "datasets" / "data"


def _read_header(lines: list[str], source: Path) -> tuple[dict[str, Any], int]:
    """The header's settings and the index of the first line after ``@data``."""
    header: dict[str, Any] = {
        "problem_name": None, "dimensions": None, "series_length": None, "class_labels": None,
    }  # fmt: skip
    flags: dict[str, bool] = {}
    for number, raw in enumerate(lines):
        text = raw.strip()
        if not text or text[0] in "#%":
            continue
        where = f"path: {source} line {number + 1}"
        if not text.startswith("@"):
            raise ValueError(f"{where}: expected a header line (@...) or @data before the data")
        key, _, value = text[1:].partition(" ")
        key, value = key.lower(), value.strip()
        if key == "data":
            return _finish_header(header, flags, source), number + 1
        if key == "problemname":
            header["problem_name"] = value
        elif key in ("timestamps", "missing", "univariate", "equallength"):
            flags[key] = _flag(value, key, where)
        elif key in ("dimension", "dimensions", "serieslength"):
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"{where}: expected a positive integer after @{key}, got {value!r}")
            header["dimensions" if key.startswith("dimension") else "series_length"] = int(value)
        elif key == "classlabel":
            header["class_labels"] = _class_labels(value, where)
        elif key == "targetlabel" and value.split()[:1] == ["true"]:
            raise ValueError(f"{where}: regression files (@targetLabel true) are not supported")
    raise ValueError(f"path: {source} has no @data line")


def _finish_header(header: dict[str, Any], flags: dict[str, bool], source: Path) -> dict[str, Any]:
    if flags.get("timestamps"):
        raise ValueError(f"path: {source} has timestamps (@timeStamps true), which are not supported")
    if header["class_labels"] is None:
        raise ValueError(f"path: {source} has no @classLabel true <labels> line before @data")
    if flags.get("univariate"):
        if header["dimensions"] not in (None, 1):
            raise ValueError(f"path: {source} is @univariate true but has @dimensions {header['dimensions']}")
        header["dimensions"] = 1
    if not flags.get("equallength", True):
        header["series_length"] = None
    return header


def _flag(value: str, key: str, where: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise ValueError(f"{where}: expected true or false after @{key}, got {value!r}")
    return value.lower() == "true"


def _class_labels(value: str, where: str) -> list[str]:
    words = value.split()
    if not words or words[0].lower() != "true" or len(words) < 2:
        raise ValueError(
            f"{where}: expected '@classLabel true <labels>' (a classification file), got {value!r}"
        )
    labels = words[1:]
    if len(set(labels)) != len(labels):
        raise ValueError(f"{where}: @classLabel lists a label twice: {' '.join(labels)}")
    return labels


def _parse_channel(field: str, where: str, channel: int) -> np.ndarray:
    tokens = field.replace("?", "nan").split(",")
    try:
        values = np.asarray(tokens, dtype=np.float64)
    except ValueError:
        for token in tokens:
            try:
                float(token)
            except ValueError:
                raise ValueError(f"{where}, channel {channel}: {token.strip()!r} is not a number") from None
        raise
    if np.isinf(values).any():
        raise ValueError(f"{where}, channel {channel}: expected finite values, found inf")
    return values
