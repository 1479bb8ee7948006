"""``salience report``: one self-contained HTML page of a run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salience.cli._console import console


def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory made by reproduce, bench run or explain.")],
    out: Annotated[
        Path | None, typer.Option(help="HTML file to write (default: RUN_DIR/report.html).")
    ] = None,
) -> None:
    """Write one self-contained HTML page: results beside the paper's, figures, configuration."""
    from salience.report import write_report

    if out is not None and out.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"out: expected a file name ending in .html, got {out}")
    written = write_report(run_dir, out)
    console.print(f"Report of {run_dir} -> {written}", soft_wrap=True, markup=False, highlight=False)
