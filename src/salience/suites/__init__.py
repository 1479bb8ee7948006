"""The paper reproductions, one module per suite (``salience reproduce NAME``), on one suite contract,
and the explain run (a checkpoint explained on a dataset, as a run directory).

:class:`Suite` declares a suite; :data:`SUITES` / :func:`get_suite` find one by name; the runner is
:func:`salience.runs.runner.run_suite`; :func:`explain_checkpoint` is what ``salience explain`` calls.
"""

from salience.suites.contract import Suite
from salience.suites.explain_run import ExplainRanking, ExplainRun, explain_checkpoint
from salience.suites.registry import SUITES, get_suite, register

__all__ = ["SUITES", "ExplainRanking", "ExplainRun", "Suite", "explain_checkpoint", "get_suite", "register"]
