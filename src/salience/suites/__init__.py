"""The paper reproductions, one module per suite (``salience reproduce NAME``), and the explain run."""

from salience.suites.explain_run import ExplainRanking, ExplainRun, explain_checkpoint

__all__ = ["ExplainRanking", "ExplainRun", "explain_checkpoint"]
