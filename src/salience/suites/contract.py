"""The suite contract: what a reproduction declares, so that one runner can run it.

A suite is a :class:`Suite` record: its name and title, its profiles and how a profile is resolved,
the profile fields that may change between runs (``keep``), its task plan, how its data is prepared
and how one task runs, how results are collected and written, the titles of the tables it writes and
the captions of its figures. :func:`salience.runs.runner.run_suite` does the rest (config check,
store, resume, events, lazy data, model reuse). Register a suite in :mod:`salience.suites.registry`.

Example:
    >>> from salience.runs.runner import Task
    >>> from salience.runs.store import TaskKey
    >>> demo = Suite(
    ...     name="demo", title="A demo", profiles={"quick": {"name": "quick"}},
    ...     plan=lambda profile, seed: [Task(TaskKey("demo", "d", "m", "traditional", "fit", seed))],
    ...     prepare=lambda profile, group, seed: None, run_task=lambda ctx: {"acc": 1.0},
    ...     collect=lambda run_dir, profile, seed: [], write=lambda run_dir, results, profile, seed: None,
    ... )
    >>> demo.resolve("quick"), demo.captions(demo.resolve("quick"))
    ({'name': 'quick'}, {})
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salience._validation import check_choice
from salience.runs.runner import Task, TaskContext
from salience.training import load_checkpoint


def _resolve_name(profiles: Mapping[str, Any]) -> Callable[[Any], Any]:
    def resolve(profile: Any) -> Any:
        if isinstance(profile, str):
            check_choice(profile, "profile", profiles)
            return profiles[profile]
        return profile

    return resolve


def _settings(profile: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(profile) and not isinstance(profile, type):
        return dataclasses.asdict(profile)
    return dict(profile)


def _load_model(path: Path, device: str) -> Any:
    return load_checkpoint(path, device=device).model


@dataclass(frozen=True)
class Suite:
    """One reproduction, declared.

    Attributes:
        name: the suite's name (the ``suite`` column of its rows, ``salience reproduce NAME``).
        title: a one-line title (the report's heading).
        profiles: name → profile (a dataclass with a ``name`` field).
        plan: ``plan(profile, seed)`` → the :class:`~salience.runs.runner.Task` list, in run order.
        prepare: ``prepare(profile, group, seed)`` → the data of one task group.
        run_task: ``run_task(context)`` → the task's metrics (a training task also sets
            ``context.model``); see :class:`~salience.runs.runner.TaskContext`.
        collect: ``collect(run_dir, profile, seed)`` → the suite's results, read from the store.
        write: ``write(run_dir, results, profile, seed)`` writes the tables and figures.
        resolve: ``resolve(profile)`` → a validated profile (default: look the name up).
        settings: ``settings(profile)`` → the JSON dict recorded in ``config.json``.
        keep: profile fields that may change between runs of one directory (selections).
        same_seed: refuse another seed in the same directory.
        load_model: ``load_model(checkpoint_dir, device)`` → a trained model (for tasks with ``needs``).
        tables: file stem → title of each table written.
        figures: ``figures(profile)`` → figure file name (under ``figures/``) → caption.
        published: a short note on the published numbers put beside ours.
    """

    name: str
    title: str
    profiles: Mapping[str, Any]
    plan: Callable[[Any, int], list[Task]]
    prepare: Callable[[Any, Hashable, int], Any]
    run_task: Callable[[TaskContext], dict[str, Any]]
    collect: Callable[[Path, Any, int], Any]
    write: Callable[[Path, Any, Any, int], None]
    resolve: Callable[[Any], Any] | None = None
    settings: Callable[[Any], dict[str, Any]] = _settings
    keep: tuple[str, ...] = ("name",)
    same_seed: bool = False
    load_model: Callable[[Path, str], Any] = _load_model
    tables: Mapping[str, str] = field(default_factory=dict)
    figures: Callable[[Any], dict[str, str]] = lambda profile: {}
    published: str = ""

    def __post_init__(self) -> None:
        if self.resolve is None:
            object.__setattr__(self, "resolve", _resolve_name(self.profiles))

    def captions(self, profile: Any) -> dict[str, str]:
        """Figure file name → caption, for ``profile``."""
        return self.figures(profile)
