"""The dataset contract: ``x`` (N, T, F) float32, ``y`` (N,) int64, optional ground-truth ``mask``
(N, T, F) bool and ``lengths`` (N,), and JSON-serialisable ``meta``. Saved as ``.npz`` without pickle."""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from salience._io import atomic_path
from salience._validation import (
    check_finite,
    check_fraction,
    check_labels,
    check_ndim,
    check_same_shape,
)

_FORMAT = "salience.dataset/1"
_Samples = TypeVar("_Samples", bound="LabelledSamples")


class LabelledSamples:
    """What every dataset has, whatever its inputs: ``x`` with N rows, labels ``y`` and ``meta``."""

    x: np.ndarray
    y: np.ndarray
    meta: dict[str, Any]

    @property
    def n_samples(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_classes(self) -> int:
        """``meta["n_classes"]`` if given, else the number of ``meta["class_names"]``, else ``max(y) + 1``."""
        if "n_classes" in self.meta:
            return int(self.meta["n_classes"])
        if "class_names" in self.meta:
            return len(self.meta["class_names"])
        return int(self.y.max()) + 1 if self.n_samples else 0

    @property
    def class_names(self) -> list[str]:
        """The class names in label order: ``meta["class_names"]``, else the label values ``"0", "1", ...``.

        Example:
            >>> Dataset(np.zeros((2, 1, 1)), np.array([0, 2])).class_names
            ['0', '1', '2']
        """
        if "class_names" in self.meta:
            return [str(name) for name in self.meta["class_names"]]
        return [str(k) for k in range(self.n_classes)]

    _default_name: ClassVar[str] = "dataset"

    @property
    def name(self) -> str:
        return str(self.meta.get("name", self._default_name))

    def __len__(self) -> int:
        return self.n_samples

    def subset(self: _Samples, indices: np.ndarray | list[int]) -> _Samples:
        """The samples at ``indices``, with the same ``meta`` (``n_classes`` and class names kept;
        ``meta["sample_ids"]``, when it names every sample, is subset too).

        Every field but ``meta`` holds one row per sample (or is None).

        Example:
            >>> ds = Dataset(np.zeros((4, 3, 2)), np.array([0, 1, 2, 1]))
            >>> part = ds.subset([1, 3])
            >>> part.y.tolist(), part.n_classes
            ([1, 1], 3)
        """
        idx = np.asarray(indices, dtype=np.int64)
        meta = dict(self.meta)
        meta.setdefault("n_classes", self.n_classes)
        ids = meta.get("sample_ids")
        if isinstance(ids, list) and len(ids) == self.n_samples:
            meta["sample_ids"] = [ids[i] for i in idx.tolist()]
        rows = {
            f.name: None if getattr(self, f.name) is None else getattr(self, f.name)[idx]
            for f in fields(self)
            if f.name != "meta"
        }
        return type(self)(**rows, meta=meta)

    def _check_meta(self) -> None:
        try:
            json.dumps(self.meta)
        except TypeError as err:
            raise TypeError(f"meta: expected JSON-serialisable values ({err})") from None


@dataclass
class Dataset(LabelledSamples):
    """A labelled set of multivariate sequences laid out (N, T, F).

    Args:
        x: inputs, shape (N, T, F); converted to float32.
        y: class labels in ``[0, n_classes)``, shape (N,); converted to int64.
        mask: optional ground-truth informative cells, shape (N, T, F), bool.
        lengths: optional valid lengths (N,) for padded variable-length series.
        meta: JSON-serialisable description (name, generator, parameters, seed, ...).
            ``meta["class_names"]`` (label ``k`` is class ``class_names[k]``), ``meta["feature_names"]``
            and ``meta["n_classes"]`` are honoured when present; without them the names are
            ``"0", "1", ...`` and ``dim_0, dim_1, ...`` (:attr:`class_names`, :attr:`feature_names`).

    Example:
        >>> import numpy as np
        >>> ds = Dataset(np.zeros((4, 3, 2)), np.array([0, 1, 0, 1]))
        >>> ds.x.shape, ds.x.dtype, ds.n_classes
        ((4, 3, 2), dtype('float32'), 2)
    """

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray | None = None
    lengths: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_ndim(self.x, "x", 3, "(N, T, F)")
        self.x = np.ascontiguousarray(np.asarray(self.x, dtype=np.float32))
        check_finite(self.x, "x")
        y = np.asarray(self.y)
        if np.issubdtype(y.dtype, np.floating) and np.all(np.mod(y, 1) == 0):
            y = y.astype(np.int64)
        self._check_meta()
        n_classes = _check_names(self.meta, self.x.shape[2])
        check_labels(y, "y", self.x.shape[0], n_classes)
        self.y = y.astype(np.int64)
        if self.mask is not None:
            check_ndim(self.mask, "mask", 3, "(N, T, F)")
            check_same_shape(self.mask, "mask", self.x, "x")
            self.mask = np.asarray(self.mask).astype(bool)
        if self.lengths is not None:
            lengths = np.asarray(self.lengths)
            check_ndim(lengths, "lengths", 1, "(N,)")
            if lengths.shape[0] != self.x.shape[0] or not np.issubdtype(lengths.dtype, np.integer):
                raise ValueError(f"lengths: expected {self.x.shape[0]} integers, got {lengths.shape}")
            if lengths.size and (lengths.min() < 1 or lengths.max() > self.x.shape[1]):
                raise ValueError(f"lengths: expected values in [1, {self.x.shape[1]}]")
            self.lengths = lengths.astype(np.int64)

    @property
    def n_steps(self) -> int:
        return int(self.x.shape[1])

    @property
    def n_features(self) -> int:
        return int(self.x.shape[2])

    @property
    def feature_names(self) -> list[str]:
        """The feature names: ``meta["feature_names"]``, else ``dim_0, dim_1, ...``.

        Example:
            >>> Dataset(np.zeros((2, 1, 2)), np.array([0, 1])).feature_names
            ['dim_0', 'dim_1']
        """
        if "feature_names" in self.meta:
            return [str(name) for name in self.meta["feature_names"]]
        return [f"dim_{k}" for k in range(self.n_features)]

    def with_x(self, x: np.ndarray) -> Dataset:
        """The same dataset with new inputs of the same shape (e.g. after scaling)."""
        check_same_shape(x, "x", self.x, "the dataset's x")
        return Dataset(x=x, y=self.y, mask=self.mask, lengths=self.lengths, meta=dict(self.meta))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the dataset to ``path`` (.npz, no pickle), atomically."""
        arrays: dict[str, np.ndarray] = {
            "x": self.x,
            "y": self.y,
            "meta": np.array(json.dumps({"format": _FORMAT, **self.meta})),
        }
        if self.mask is not None:
            arrays["mask"] = self.mask
        if self.lengths is not None:
            arrays["lengths"] = self.lengths
        target = Path(path)
        with atomic_path(target) as tmp, open(tmp, "wb") as handle:
            np.savez_compressed(handle, **arrays)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Dataset:
        """Read a dataset written by :meth:`save` (or any .npz with ``x`` and ``y``)."""
        source = Path(path)
        if not source.is_file():
            raise FileNotFoundError(f"path: no dataset file at {source}")
        if not zipfile.is_zipfile(source):
            raise ValueError(f"path: {source} is not an .npz file")
        try:
            with np.load(source, allow_pickle=False) as data:
                if "x" not in data or "y" not in data:
                    raise ValueError(f"path: {source} has no 'x' and 'y' arrays")
                meta = json.loads(str(data["meta"])) if "meta" in data else {}
                if not isinstance(meta, dict):
                    raise ValueError(f"path: {source} has a 'meta' entry that is not a JSON object")
                meta.pop("format", None)
                return cls(
                    x=data["x"],
                    y=data["y"],
                    mask=data.get("mask", None),
                    lengths=data.get("lengths", None),
                    meta=meta,
                )
        except (OSError, EOFError, zipfile.BadZipFile, json.JSONDecodeError) as err:
            raise ValueError(f"path: {source} is not a readable .npz dataset ({err})") from None
        except ValueError as err:
            if "pickle" in str(err):
                raise ValueError(f"path: {source} holds pickled objects, which are refused") from None
            raise


def _check_names(meta: dict[str, Any], n_features: int) -> int | None:
    """Check ``meta``'s class and feature names; return the number of classes it fixes (or None)."""
    n_classes = meta.get("n_classes")
    for key in ("class_names", "feature_names"):
        names = meta.get(key)
        if names is None:
            continue
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise ValueError(f"meta: {key} must be a list of non-empty strings, got {names!r}")
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"meta: {key} names {repeated[0]!r} more than once")
    features = meta.get("feature_names")
    if features is not None and len(features) != n_features:
        raise ValueError(f"meta: feature_names has {len(features)} names; x has {n_features} features")
    classes = meta.get("class_names")
    if classes is not None:
        if n_classes is not None and int(n_classes) != len(classes):
            raise ValueError(f"meta: n_classes is {n_classes} but class_names has {len(classes)} names")
        return len(classes)
    return n_classes


@dataclass(frozen=True)
class DatasetSplits:
    """Train, validation and test parts of one dataset."""

    train: Dataset
    validation: Dataset
    test: Dataset


def split_dataset(
    dataset: Dataset, *, test: float | int = 0.2, validation: float | int = 0.1, seed: int = 0,
    stratify: bool = True,
) -> DatasetSplits:
    """Split into train / validation / test; the validation part is carved from the training part.

    ``test`` and ``validation`` are fractions (of the whole set, and of what is left for training)
    or absolute counts. With ``stratify`` each part keeps the class proportions.

    Example:
        >>> import numpy as np
        >>> ds = Dataset(np.zeros((100, 2, 2)), np.arange(100) % 2)
        >>> parts = split_dataset(ds, test=0.2, validation=0.25, seed=0)
        >>> len(parts.train), len(parts.validation), len(parts.test)
        (60, 20, 20)
    """
    train, val, test_idx = split_indices(
        dataset.y, test=test, validation=validation, seed=seed, stratify=stratify
    )
    return DatasetSplits(
        train=dataset.subset(train), validation=dataset.subset(val), test=dataset.subset(test_idx)
    )


def split_indices(
    labels: np.ndarray,
    *,
    test: float | int = 0.2,
    validation: float | int = 0.1,
    seed: int = 0,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted (train, validation, test) indices, the partition :func:`~salience.data.split_dataset`
    and :func:`~salience.data.split_text_dataset` make for the same labels and seed.

    Example:
        >>> train, val, test = split_indices(np.arange(10) % 2, test=0.2, validation=0.25, seed=0)
        >>> len(train), len(val), len(test)
        (6, 2, 2)
    """
    y = np.asarray(labels)
    check_labels(y, "labels", len(y))
    n = len(y)
    n_test = _count(test, n, "test")
    n_val = _count(validation, n - n_test, "validation")
    if n - n_test - n_val < 1:
        raise ValueError("test/validation: leave at least one training sample")
    rng = np.random.default_rng(seed)
    order = _stratified_order(y, rng) if stratify else rng.permutation(n)
    # Interleaved class order: taking any prefix keeps the class proportions.
    test_idx, rest = order[:n_test], order[n_test:]
    return np.sort(rest[n_val:]), np.sort(rest[:n_val]), np.sort(test_idx)


def _count(value: float | int, total: int, name: str) -> int:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1:
        if value >= total:
            raise ValueError(f"{name}: expected fewer than {total} samples, got {value}")
        return int(value)
    check_fraction(value, name)
    return round(float(value) * total)


def _stratified_order(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A permutation in which every prefix has (nearly) the class proportions of ``y``."""
    keys = np.empty(len(y), dtype=np.float64)
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        members = rng.permutation(members)
        # Spread each class evenly over [0, 1): rank r of m gets key (r + u) / m.
        keys[members] = (np.arange(len(members)) + rng.random(len(members))) / len(members)
    return np.argsort(keys, kind="stable")
