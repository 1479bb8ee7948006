"""The paper reproductions, one module per suite (``salience reproduce NAME``), on one suite contract.

:class:`Suite` declares a suite; :data:`SUITES` / :func:`get_suite` find one by name; the runner is
:func:`salience.runs.runner.run_suite`.
"""

from salience.suites.contract import Suite
from salience.suites.registry import SUITES, get_suite, register

__all__ = ["SUITES", "Suite", "get_suite", "register"]
