"""Run directories: the results store (SQLite), the run configuration check and the published numbers
our results are printed beside."""

from salience.runs.published import PublishedScore, ica_table1, sgt_table2
from salience.runs.store import TASK_STATUSES, ResultRow, ResultStore, TaskKey, TaskRecord

__all__ = ["TASK_STATUSES", "PublishedScore", "ResultRow", "ResultStore", "TaskKey", "TaskRecord", "ica_table1", "sgt_table2"]
