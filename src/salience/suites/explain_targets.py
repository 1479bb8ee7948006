"""What an explain run explains: the methods asked for, the class names (the checkpoint's first),
the target class of each sample and the sample ids.

Example:
    >>> from salience.data import Dataset
    >>> data = Dataset(x=np.zeros((3, 2, 1), np.float32), y=np.array([0, 1, 1]))
    >>> resolve_methods("gradient, deeplift,gradient")
    ['gradient', 'deeplift']
    >>> resolve_targets("ill", ["well", "ill"], data).tolist()
    [1, 1, 1]
    >>> resolve_targets(None, ["a", "b"], data).tolist()
    [0, 1, 1]
    >>> sample_ids(data).tolist()
    [0, 1, 2]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from salience.data import Dataset
from salience.explain import METHODS


def resolve_methods(method: str | Sequence[str]) -> list[str]:
    """The methods asked for (a name, a comma-separated list or a sequence), each once, all known."""
    names = method.split(",") if isinstance(method, str) else list(method)
    chosen = list(dict.fromkeys(str(n).strip() for n in names if str(n).strip()))
    unknown = [n for n in chosen if n not in METHODS]
    if not chosen or unknown:
        raise ValueError(f"method: expected names from {', '.join(METHODS)}, got {method!r}")
    return chosen


def checkpoint_class_names(loaded: Any, dataset: Dataset, n_classes: int) -> list[str]:
    """The checkpoint's class names (recorded at training, or in its metadata), else the data's, else
    ``class c``."""
    recorded = getattr(loaded, "class_names", None)
    if isinstance(recorded, list) and len(recorded) == n_classes:
        return [str(n) for n in recorded]
    for source in (loaded.config, loaded.metadata):
        names = source.get("class_names")
        if isinstance(names, list) and len(names) == n_classes:
            return [str(n) for n in names]
    names = dataset.meta.get("class_names")
    if isinstance(names, list) and len(names) == n_classes:
        return [str(n) for n in names]
    return [f"class {c}" for c in range(n_classes)]


def resolve_targets(target: int | str | None, classes: list[str], dataset: Dataset) -> np.ndarray:
    """The class each sample's map explains: ``target`` (a class name or index) or the true class."""
    if target is None:
        return np.asarray(dataset.y, dtype=np.int64)
    if isinstance(target, str) and target in classes:
        index = classes.index(target)
    elif (isinstance(target, (int, np.integer)) and not isinstance(target, bool)) or (
        isinstance(target, str) and target.strip().isdigit()
    ):
        index = int(target)
    else:
        index = -1
    if not 0 <= index < len(classes):
        raise ValueError(
            f"target: expected a class name ({', '.join(classes)}) or an index 0..{len(classes) - 1}, "
            f"got {target!r}"
        )
    return np.full(dataset.n_samples, index, dtype=np.int64)


def sample_ids(dataset: Dataset) -> np.ndarray:
    """The data's sample ids (``meta["sample_ids"]``) as text, else 0..N-1."""
    ids = dataset.meta.get("sample_ids")
    if isinstance(ids, list) and len(ids) == dataset.n_samples:
        return np.asarray([str(i) for i in ids], dtype=str)
    return np.arange(dataset.n_samples, dtype=np.int64)
