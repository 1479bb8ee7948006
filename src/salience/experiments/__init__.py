"""Named suites (paper reproductions) and the SQLite results store."""

from salience.experiments.published import PublishedScore, ica_table1
from salience.experiments.store import ResultRow, ResultStore, TaskKey

__all__ = ["PublishedScore", "ResultRow", "ResultStore", "TaskKey", "ica_table1"]
