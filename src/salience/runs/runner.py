"""The one runner of a suite: it owns the run directory.

:func:`run_suite` resolves and validates the profile, creates the run directory, checks and writes
``config.json`` (with the suite's title and table titles), opens the store, then runs the suite's
plan in order: a task whose rows are stored and whose declared artefacts exist is skipped; the data of
a task's group is prepared on first need; a task that uses a trained model gets the one trained in
this run (kept in memory) or loads it from its checkpoint. Each finished task is stored at once, so an
interrupted run resumes where it stopped. Finally the suite collects its results, writes its outputs,
and the runner writes ``figures/captions.json`` for the figures that exist.

The suite is any object with the attributes of :class:`salience.suites.contract.Suite` (the runner
sits below the suites, so it only reads them).

Example (a two-task suite: each task "measures" the mean of its group's data):
    >>> import tempfile
    >>> from types import SimpleNamespace
    >>> from salience.runs.store import TaskKey
    >>> demo = SimpleNamespace(
    ...     name="demo", title="Demo", tables={}, keep=("name",), same_seed=False,
    ...     resolve=lambda profile: profile, settings=lambda profile: {"name": profile},
    ...     plan=lambda profile, seed: [Task(TaskKey("demo", d, "none", "traditional", "mean", seed), group=d)
    ...                                 for d in ("a", "b")],
    ...     prepare=lambda profile, group, seed: {"a": [1.0, 2.0], "b": [4.0]}[group],
    ...     run_task=lambda ctx: {"mean": sum(ctx.data) / len(ctx.data)},
    ...     load_model=None, collect=lambda run_dir, profile, seed: "collected",
    ...     write=lambda run_dir, results, profile, seed: None, captions=lambda profile: {})
    >>> run_dir = tempfile.mkdtemp()
    >>> run_suite(demo, run_dir, "quick")
    'collected'
    >>> store = ResultStore(Path(run_dir) / "results.sqlite")
    >>> store.get(TaskKey("demo", "b", "none", "traditional", "mean", 0))
    {'mean': 4.0}
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salience._io import write_text_atomic
from salience.runs.config import write_run_config
from salience.runs.events import RunEvents
from salience.runs.layout import CHECKPOINT_DIR, FIT_METHOD, checkpoint_dir, task_dir
from salience.runs.store import ResultStore, TaskKey

DATABASE = "results.sqlite"
CAPTIONS_FILE = "captions.json"


@dataclass(frozen=True)
class Task:
    """One planned task of a suite.

    ``group`` names the data it runs on (prepared once per run, on first need); ``needs`` is the key of
    the training task whose model it uses; ``artefacts`` are files (relative to its task directory) that
    must exist, beside its stored rows, for it to count as done; ``max_epochs`` is reported when it
    starts (0: it trains nothing); ``per_method`` gives it its own ``<method>/`` directory.
    """

    key: TaskKey
    group: Hashable = None
    needs: TaskKey | None = None
    artefacts: tuple[str, ...] = ()
    max_epochs: int = 0
    per_method: bool = False

    def directory(self, run_dir: str | os.PathLike[str]) -> Path:
        """Where this task's files go."""
        return task_dir(run_dir, self.key, per_method=self.per_method)


def fit_task(key: TaskKey, max_epochs: int) -> Task:
    """The task that trains the model of ``key``'s (dataset, model, training, seed): method
    :data:`~salience.runs.layout.FIT_METHOD`, done once its checkpoint is complete.

    Example:
        >>> fit_task(TaskKey("demo", "d", "lstm", "sgt", "gradient", 0), 5).artefacts
        ('checkpoint/config.json',)
    """
    key = TaskKey(key.suite, key.dataset, key.model, key.training, FIT_METHOD, key.seed)
    return Task(key, artefacts=(f"{CHECKPOINT_DIR}/config.json",), max_epochs=max_epochs)


@dataclass
class TaskContext:
    """What a suite's ``run_task`` gets: the task, its data, and the model it needs (if any).

    A training task sets ``model`` to the model it trained, so later tasks of this run reuse it.
    """

    run_dir: Path
    task: Task
    data: Any
    profile: Any
    device: str
    events: RunEvents
    model: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> TaskKey:
        return self.task.key

    @property
    def directory(self) -> Path:
        """The task's directory (created)."""
        path = self.task.directory(self.run_dir)
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def checkpoint(self) -> Path:
        """Where the model of this task's (dataset, model, training, seed) is saved."""
        return checkpoint_dir(self.run_dir, self.key)

    def on_epoch(self, report: Any) -> None:
        """Forward a training epoch's report to the events."""
        self.events.epoch_done(self.key, report)


def run_suite(
    suite: Any,
    run_dir: str | os.PathLike[str],
    profile: Any,
    *,
    seed: int = 0,
    device: str = "cpu",
    events: RunEvents | None = None,
) -> Any:
    """Run (or resume) ``suite`` with ``profile`` into ``run_dir``; return what its ``collect`` returns."""
    profile = suite.resolve(profile)
    events = events or RunEvents()
    root = Path(run_dir)
    root.mkdir(parents=True, exist_ok=True)
    write_run_config(
        root, suite.name, suite.settings(profile), seed=seed, device=device, keep=suite.keep,
        same_seed=suite.same_seed, title=suite.title, tables=suite.tables,
    )  # fmt: skip
    store = ResultStore(root / DATABASE)
    prepared: dict[Hashable, Any] = {}
    models: dict[TaskKey, Any] = {}
    for task in suite.plan(profile, seed):
        if is_done(store, root, task):
            events.task_done(task.key, True)
            continue
        if task.group not in prepared:
            prepared[task.group] = suite.prepare(profile, task.group, seed)
        context = TaskContext(root, task, prepared[task.group], profile, device, events)
        if task.needs is not None:
            if task.needs not in models:
                models[task.needs] = _load(suite.load_model, root, task.needs, device)
            context.model = models[task.needs]
        events.task_started(task.key, task.max_epochs)
        started = time.perf_counter()
        metrics = suite.run_task(context)
        store.put(task.key, metrics, seconds=metrics.get("seconds", time.perf_counter() - started))
        if context.model is not None:
            models[task.key] = context.model
        events.task_done(task.key, False)
    results = suite.collect(root, profile, seed)
    suite.write(root, results, profile, seed)
    write_captions(root, suite.captions(profile))
    return results


def is_done(store: ResultStore, run_dir: Path, task: Task) -> bool:
    """Whether ``task`` has stored rows and all its declared artefacts."""
    directory = task.directory(run_dir)
    return store.has(task.key) and all((directory / name).exists() for name in task.artefacts)


def _load(load_model: Callable[[Path, str], Any], run_dir: Path, key: TaskKey, device: str) -> Any:
    return load_model(checkpoint_dir(run_dir, key), device)


def write_captions(run_dir: Path, captions: dict[str, str]) -> Path | None:
    """Write ``figures/captions.json`` (figure file name → caption) for the figures that exist."""
    figures = Path(run_dir) / "figures"
    existing = {name: text for name, text in captions.items() if (figures / name).is_file()}
    if not existing:
        return None
    return write_text_atomic(figures / CAPTIONS_FILE, json.dumps(existing, indent=2))
