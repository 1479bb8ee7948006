"""The one events type through which a caller (a progress display) follows a run.

Suites run by :func:`salience.runs.runner.run_suite` call ``task_started``, ``epoch_done`` and
``task_done``; the benchmark grid (:func:`salience.bench.grid.run_bench`) calls ``planned`` once, then
``finished`` per task. Every callback defaults to doing nothing, so a caller sets only what it shows.

Example:
    >>> from salience.runs.store import TaskKey
    >>> seen = []
    >>> events = RunEvents(task_done=lambda key, skipped: seen.append((key.model, skipped)))
    >>> events.task_done(TaskKey("demo", "earlier", "lstm", "traditional", "fit", 0), True)
    >>> events.planned(3, 1)  # a default: nothing happens
    >>> seen
    [('lstm', True)]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from salience.runs.store import TaskKey


def _ignore(*_: Any) -> None:
    return None


@dataclass
class RunEvents:
    """Callbacks of a run.

    - ``task_started(key, max_epochs)``: a task starts (``max_epochs`` 0 for a task that trains nothing);
    - ``epoch_done(key, report)``: a training epoch ended (``report``: an ``EpochReport``);
    - ``task_done(key, skipped)``: a task ended, or was skipped because its results are stored;
    - ``planned(total, todo)``: the grid planned ``total`` tasks, ``todo`` of them still to run;
    - ``finished(key, status)``: a grid task ended ``done``, ``skipped`` or ``failed``.
    """

    task_started: Callable[[TaskKey, int], None] = _ignore
    epoch_done: Callable[[TaskKey, Any], None] = _ignore
    task_done: Callable[[TaskKey, bool], None] = _ignore
    planned: Callable[[int, int], None] = _ignore
    finished: Callable[[TaskKey, str], None] = _ignore
