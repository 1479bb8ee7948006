"""The HTML report of a run directory (``salience report RUN_DIR``)."""

from salience.report.html import REPORT_FILE, render_report, write_report

__all__ = ["REPORT_FILE", "render_report", "write_report"]
