"""Rich progress displays: :class:`SuiteProgress` for the reproduction suites (one bar for the suite,
one per model), :class:`GridProgress` for the benchmark grid (one bar over its tasks) and
:class:`EpochProgress` for ``salience train`` (one bar over the epochs)."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from salience.cli._console import console
from salience.runs import RunEvents


class SuiteProgress:
    """A rich progress display: one bar for the suite, one for the model being trained."""

    def __init__(self, n_tasks: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.overall = self.progress.add_task("tasks", total=n_tasks, status="")
        self.current = None

    def __enter__(self) -> SuiteProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def events(self):
        def started(key, max_epochs):
            # A training task shows its epochs; an evaluation task (max_epochs 0) its method.
            label = f"{key.dataset}/{key.model}"
            if key.training != "traditional":
                label += f" ({key.training})"
            if not max_epochs:
                label += f" {key.method}"
            self.current = self.progress.add_task(label, total=max_epochs or 1, status="")

        def epoch(key, report):
            self.progress.update(
                self.current, advance=1,
                status=f"val acc {report.val_accuracy:.3f} (best epoch {report.best_epoch})",
            )  # fmt: skip

        def done(key, skipped):
            if skipped:
                self.progress.console.print(f"  {key.dataset}/{key.model}: already in the store, skipped")
            elif self.current is not None:
                task = self.progress.tasks[self.current]
                self.progress.update(
                    self.current, total=max(task.completed, 1), completed=max(task.completed, 1)
                )
            self.progress.advance(self.overall)

        return RunEvents(task_started=started, epoch_done=epoch, task_done=done)


class GridProgress:
    """One progress bar over the tasks still to run, with counts of how they ended."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("tasks"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.bar = self.progress.add_task("tasks", total=None, status="")
        self.counts: Counter[str] = Counter()

    def __enter__(self) -> GridProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def events(self) -> Any:
        def planned(total: int, todo: int) -> None:
            if total > todo:
                self.progress.console.print(f"{total - todo} of {total} tasks already in the run directory")
            self.progress.update(self.bar, total=todo)

        def finished(key: Any, status: str) -> None:
            self.counts[status] += 1
            text = ", ".join(f"{n} {s}" for s, n in sorted(self.counts.items()))
            self.progress.update(
                self.bar,
                advance=1,
                status=f"{text} | last: {key.dataset}/{key.model}/{key.training}/{key.method}",
            )

        return RunEvents(planned=planned, finished=finished)


class EpochProgress:
    """Per-epoch progress of ``salience train``: epoch k/N, loss, train and validation accuracy, time left.

    On a terminal a rich bar, updated every epoch. Off a terminal (logs, pipes) one plain line per
    epoch, at most one every ``every`` seconds (the last epoch always), so a log of a long run stays
    short. ``quiet`` shows nothing. Use :meth:`on_epoch` as :func:`salience.training.fit`'s ``on_epoch``.

    Example:
        >>> from salience.training import EpochReport
        >>> with EpochProgress(3, quiet=True) as shown:
        ...     shown.on_epoch(EpochReport(1, 0.7, 0.5, 0.69, 0.55, 1, 0.1))
        >>> shown.epochs_seen
        1
    """

    def __init__(self, max_epochs: int, *, quiet: bool = False, every: float = 10.0) -> None:
        self.max_epochs, self.quiet, self.every = max_epochs, quiet, every
        self.epochs_seen = 0
        self._last_line = -float("inf")
        self.progress = None
        if not quiet and console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(
                TextColumn("epoch"), MofNCompleteColumn(), BarColumn(), TextColumn("{task.fields[status]}"),
                TextColumn("left"), TimeRemainingColumn(), console=console, transient=True,
            )  # fmt: skip
            self.bar = self.progress.add_task("epochs", total=max_epochs, status="")

    def __enter__(self) -> EpochProgress:
        if self.progress is not None:
            self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def on_epoch(self, report: Any) -> None:
        """Show one epoch's :class:`~salience.training.EpochReport`."""
        self.epochs_seen += 1
        status = (
            f"loss {report.train_loss:.4f} | train acc {report.train_accuracy:.3f} | "
            f"val acc {report.val_accuracy:.3f} (best epoch {report.best_epoch})"
        )
        if self.quiet:
            return
        if self.progress is not None:
            self.progress.update(self.bar, completed=report.epoch, status=status)
            return
        now = time.monotonic()
        if now - self._last_line >= self.every or report.epoch == self.max_epochs:
            self._last_line = now
            line = f"epoch {report.epoch}/{self.max_epochs}: {status}"
            console.print(line, markup=False, highlight=False, soft_wrap=True)
