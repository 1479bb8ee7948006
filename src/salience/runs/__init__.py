"""Run directories: the results store (SQLite), the run configuration check, the task layout, the
events a run reports, the one suite runner, the tables written, the reader that the report (and any
caller) reads a run directory through, and the published numbers our results are printed beside."""

from salience.runs.config import apply_overrides, select, write_run_config
from salience.runs.events import RunEvents
from salience.runs.layout import FIT_METHOD, checkpoint_dir, task_dir
from salience.runs.published import PublishedScore, ica_table1, sgt_table2
from salience.runs.reader import RunFigure, RunFile, RunTable, RunView, TaskStatus, read_run
from salience.runs.runner import Task, TaskContext, fit_task, run_suite
from salience.runs.store import TASK_STATUSES, ResultRow, ResultStore, TaskKey, TaskRecord
from salience.runs.tables import export_results, write_csv, write_table

__all__ = [
    "FIT_METHOD", "TASK_STATUSES", "PublishedScore", "ResultRow", "ResultStore", "RunEvents", "RunFigure",
    "RunFile", "RunTable", "RunView", "Task", "TaskContext", "TaskKey", "TaskRecord", "TaskStatus",
    "apply_overrides", "checkpoint_dir", "export_results", "fit_task", "ica_table1", "read_run",
    "run_suite", "select", "sgt_table2", "task_dir", "write_csv", "write_run_config", "write_table",
]  # fmt: skip
