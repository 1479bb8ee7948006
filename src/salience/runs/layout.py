"""The one task-directory scheme of a run directory, and the name of a training task.

Every task of every suite (and of the benchmark grid) keeps its files under
``tasks/<dataset>/<model>/<training>/seed<seed>/``; a task that writes files per attribution method
adds ``<method>/``. A task that trains a model is keyed with the method :data:`FIT_METHOD`; its
checkpoint is ``<task dir>/checkpoint/``.

Example:
    >>> from salience.runs.store import TaskKey
    >>> key = TaskKey("ica", "earlier", "lstm", "traditional", "gradient", 0)
    >>> task_dir("run", key).as_posix()
    'run/tasks/earlier/lstm/traditional/seed0'
    >>> task_dir("run", key, per_method=True).as_posix()
    'run/tasks/earlier/lstm/traditional/seed0/gradient'
    >>> checkpoint_dir("run", key).as_posix()
    'run/tasks/earlier/lstm/traditional/seed0/checkpoint'
"""

from __future__ import annotations

import os
from pathlib import Path

from salience.runs.store import TaskKey

FIT_METHOD = "fit"
"""The ``method`` of a task that trains a model (its rows: the model's accuracies, epochs, time)."""
TASKS_DIR = "tasks"
CHECKPOINT_DIR = "checkpoint"


def task_dir(run_dir: str | os.PathLike[str], key: TaskKey, *, per_method: bool = False) -> Path:
    """The directory of ``key``'s files (``<method>/`` appended when ``per_method``)."""
    path = Path(run_dir) / TASKS_DIR / key.dataset / key.model / key.training / f"seed{key.seed}"
    return path / key.method if per_method else path


def checkpoint_dir(run_dir: str | os.PathLike[str], key: TaskKey) -> Path:
    """Where the model trained for ``key``'s (dataset, model, training, seed) is saved."""
    return task_dir(run_dir, key) / CHECKPOINT_DIR
