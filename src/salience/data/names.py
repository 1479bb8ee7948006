"""Class and feature names: number a dataset's classes in a given order, and align a dataset to a
checkpoint's classes and features by name.

Decisions:

- A label is a class **name**; its code is the name's position in the checkpoint's (or the given)
  class order. A file that holds only some of the classes keeps the checkpoint's numbering.
- A class the checkpoint does not know, and a feature that is missing or extra, are refused with a
  one-line error that names it; features present in another order are reordered by name.
- Messages read ``dataset: has ...; the model ...``, for callers that name the file and the model.
- Names are compared only where both sides have them (``meta["class_names"]``,
  ``meta["feature_names"]``); otherwise only the counts are checked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from salience.data.dataset import Dataset


def with_class_order(dataset: Dataset, class_names: Sequence[str] | str) -> Dataset:
    """The dataset with its labels renumbered so that label ``k`` is ``class_names[k]`` (a string
    is split at commas).

    Every class of ``dataset`` (its :attr:`~Dataset.class_names`) must be in ``class_names``;
    names without samples are allowed (a file may lack a class).

    Example:
        >>> ds = Dataset(np.zeros((3, 1, 1)), np.array([0, 1, 1]), meta={"class_names": ["b", "c"]})
        >>> ordered = with_class_order(ds, ["a", "b", "c"])
        >>> ordered.y.tolist(), ordered.class_names
        ([1, 2, 2], ['a', 'b', 'c'])
    """
    order = _name_list(class_names, "class_names")
    unknown = [name for name in dataset.class_names if name not in order]
    if unknown:
        raise ValueError(
            f"class_names: the dataset has class {unknown[0]!r}, which is not one of {', '.join(order)}"
        )
    return _relabel(dataset, order)


def align_to(
    dataset: Dataset,
    class_names: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
    *,
    n_classes: int | None = None,
    n_features: int | None = None,
) -> Dataset:
    """The dataset numbered and laid out as a model expects: its classes renumbered to
    ``class_names`` and its features reordered to ``feature_names``, by name.

    Args:
        dataset: the data to explain or score.
        class_names, feature_names: the model's names (a checkpoint's); None when unknown.
        n_classes, n_features: the model's counts, checked when names cannot be compared
            (default: the number of names).

    Example:
        >>> meta = {"class_names": ["ill"], "feature_names": ["spo2", "hr"]}
        >>> ds = Dataset(np.array([[[98.0, 70.0]]]), np.array([0]), meta=meta)
        >>> aligned = align_to(ds, ["healthy", "ill"], ["hr", "spo2"])
        >>> aligned.y.tolist(), aligned.x.tolist(), aligned.feature_names
        ([1], [[[70.0, 98.0]]], ['hr', 'spo2'])
    """
    aligned = _align_classes(dataset, class_names, n_classes)
    return _align_features(aligned, feature_names, n_features)


def _align_classes(dataset: Dataset, names: Sequence[str] | None, count: int | None) -> Dataset:
    order = None if names is None else _name_list(names, "class_names")
    if order is not None and "class_names" in dataset.meta:
        used = [dataset.class_names[k] for k in np.unique(dataset.y).tolist()]
        unknown = [name for name in used if name not in order]
        if unknown:
            raise ValueError(
                f"dataset: has class {unknown[0]!r}, which is not one of the model's classes "
                f"({', '.join(order)})"
            )
        return _relabel(dataset, order)
    expected = len(order) if order is not None else count
    if expected is not None and dataset.n_samples and int(dataset.y.max()) >= int(expected):
        raise ValueError(
            f"dataset: has labels up to {int(dataset.y.max())}; the model has {expected} classes"
        )
    if order is None:
        return dataset
    meta = {**dataset.meta, "class_names": order, "n_classes": len(order)}
    return Dataset(x=dataset.x, y=dataset.y, mask=dataset.mask, lengths=dataset.lengths, meta=meta)


def _align_features(dataset: Dataset, names: Sequence[str] | None, count: int | None) -> Dataset:
    wanted = None if names is None else _name_list(names, "feature_names")
    if wanted is None or "feature_names" not in dataset.meta:
        expected = len(wanted) if wanted is not None else count
        if expected is not None and dataset.n_features != int(expected):
            raise ValueError(
                f"dataset: has {dataset.n_features} features; the model expects {expected}"
            )
        return dataset
    have = dataset.feature_names
    if have == wanted:
        return dataset
    missing = [name for name in wanted if name not in have]
    extra = [name for name in have if name not in wanted]
    if missing or extra:
        lists = (("missing", missing), ("extra", extra))
        parts = [f"{what} {', '.join(items)}" for what, items in lists if items]
        raise ValueError(f"dataset: has features that do not match the model's ({'; '.join(parts)})")
    index = [have.index(name) for name in wanted]
    mask = None if dataset.mask is None else dataset.mask[:, :, index]
    meta = {**dataset.meta, "feature_names": wanted}
    return Dataset(x=dataset.x[:, :, index], y=dataset.y, mask=mask, lengths=dataset.lengths, meta=meta)


def _relabel(dataset: Dataset, order: list[str]) -> Dataset:
    """Label ``k`` of ``dataset`` becomes the position of its name in ``order``."""
    lookup = np.array([order.index(name) if name in order else -1 for name in dataset.class_names])
    y = lookup[dataset.y] if dataset.n_samples else dataset.y
    meta = {**dataset.meta, "class_names": order, "n_classes": len(order)}
    return Dataset(x=dataset.x, y=y, mask=dataset.mask, lengths=dataset.lengths, meta=meta)


def _name_list(names: Sequence[str], argument: str) -> list[str]:
    if isinstance(names, str):
        names = [part.strip() for part in names.split(",")]
    listed = [str(name) for name in names]
    if not listed or not all(listed):
        raise ValueError(f"{argument}: expected non-empty names, got {list(names)!r}")
    repeated = sorted({name for name in listed if listed.count(name) > 1})
    if repeated:
        raise ValueError(f"{argument}: {repeated[0]!r} is listed more than once")
    return listed
