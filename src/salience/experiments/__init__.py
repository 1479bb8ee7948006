"""Named suites (paper reproductions) and the SQLite results store."""

from salience.experiments.published import PublishedScore, ica_table1, sgt_table2
from salience.experiments.store import TASK_STATUSES, ResultRow, ResultStore, TaskKey, TaskRecord

__all__ = [
    "TASK_STATUSES",
    "PublishedScore",
    "ResultRow",
    "ResultStore",
    "TaskKey",
    "TaskRecord",
    "ica_table1",
    "sgt_table2",
]
