"""Rich progress displays: :class:`SuiteProgress` for the reproduction suites (one bar for the suite,
one per model) and :class:`GridProgress` for the benchmark grid (one bar over its tasks)."""

from __future__ import annotations

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
