"""The ``salience`` command: one module per command group, shared options in ``_options``.

Every stage runs alone on files: ``data make`` → ``train`` → ``explain`` → ``evaluate``;
``reproduce ica`` runs them all for the paper's table. Bad input prints one line
(``error: ...``) and exits with status 2; nothing half-written is left behind.

Example:
    >>> main(["--help"])  # doctest: +ELLIPSIS
    Usage: salience [OPTIONS] COMMAND [ARGS]...
    ...
    0
"""

from __future__ import annotations

import sys

import typer
from typer.exceptions import TyperException

from salience.cli._console import err_console
from salience.cli.bench import bench_app
from salience.cli.data import data_app
from salience.cli.evaluate import evaluate
from salience.cli.explain import explain
from salience.cli.models import models
from salience.cli.report import report
from salience.cli.reproduce import add_declared_suites, reproduce_app
from salience.cli.train import train

app = typer.Typer(
    name="salience",
    help="Faithful saliency on sequence models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command("train")(train)
app.command("models")(models)
app.command("explain")(explain)
app.command("evaluate")(evaluate)
app.command("report")(report)
app.add_typer(reproduce_app, name="reproduce")
app.add_typer(data_app, name="data")
app.add_typer(bench_app, name="bench")

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors in the user's input print one line and return 2."""
    add_declared_suites()
    try:
        result = app(args=argv, prog_name="salience", standalone_mode=False)
        return int(result) if isinstance(result, int) else 0
    except typer.Exit as stop:
        return stop.exit_code
    except typer.Abort:
        err_console.print("error: aborted", highlight=False, markup=False)
        return 130
    except TyperException as err:
        err_console.print(f"error: {err.format_message()}", highlight=False, soft_wrap=True, markup=False)
        return 2
    except KeyboardInterrupt:
        err_console.print(
            "error: interrupted; finished work is kept and a rerun resumes", highlight=False, markup=False
        )
        return 130
    except (ValueError, TypeError, FileNotFoundError, KeyError) as err:
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        err_console.print(f"error: {message}", highlight=False, soft_wrap=True, markup=False)
        return 2


if __name__ == "__main__":
    sys.exit(main())
