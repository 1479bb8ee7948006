"""``salience explain``: attribute a checkpoint's predictions and print the top features and windows.

The work is :func:`salience.suites.explain_run.explain_checkpoint`; this command adds the HTML
report to its run directory and prints the rankings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from salience.cli._console import console
from salience.cli._options import Device, Seed, check_npz_out

if TYPE_CHECKING:
    from salience.suites.explain_run import ExplainRanking, ExplainRun


def explain(
    checkpoint: Annotated[Path, typer.Argument(help="Checkpoint directory written by `salience train`.")],
    data: Annotated[Path, typer.Argument(help="Data to explain (.npz); labels are the default targets.")],
    out: Annotated[Path, typer.Option(help="Output .npz with the attributions (N, T, F).")],
    method: Annotated[
        str,
        typer.Option(
            help="gradient, integrated_gradients, deeplift, smoothgrad, ...; several comma-separated "
            "(one file per method, compared in methods.csv)."
        ),
    ] = "gradient",
    output: Annotated[str, typer.Option(help="probability (as the papers) or logit.")] = "probability",
    batch_size: Annotated[int, typer.Option()] = 100,
    seed: Seed = 0,
    device: Device = "auto",
    report_dir: Annotated[
        Path | None,
        typer.Option(help="Run directory for tables, figures and report.html (default: OUT-STEM-report/)."),
    ] = None,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Write the run directory and its report.")
    ] = True,
    top: Annotated[int, typer.Option(help="Rows of the printed top-features and top-windows tables.")] = 10,
    window: Annotated[
        int | None, typer.Option(help="Width of the time windows in steps (default: a tenth of T).")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(help="Class to explain for every sample, by name or index (default: the true class)."),
    ] = None,
    tsr: Annotated[bool, typer.Option("--tsr/--no-tsr", help="Temporal saliency rescaling.")] = False,
    faithfulness: Annotated[
        bool,
        typer.Option(
            "--faithfulness/--no-faithfulness",
            help="Score each method without ground truth (deletion/insertion, comprehensiveness/"
            "sufficiency) in methods.csv; about 70 forward passes over the data per method.",
        ),
    ] = True,
    table_format: Annotated[
        str,
        typer.Option(
            "--format", help="Long-form attribution table in the run directory: csv or parquet (pyarrow)."
        ),
    ] = "csv",
) -> None:
    """Attribute the checkpoint's predictions on DATA to its inputs; rank features and time windows.

    Writes OUT (.npz: attributions, sample_id, y, predicted, probabilities, class_names,
    feature_names, method, target) and, unless --no-report, a run directory with config.json,
    attributions.npz, attributions.csv (sample_id, time, feature, attribution, value; every row),
    top_features.csv, top_windows.csv, accuracy.csv, methods.csv, training.csv, figures/ (PNG, SVG
    in figures/svg/) and report.html. Several methods write OUT-STEM-METHOD.npz each.
    """
    from salience._validation import check_positive_int
    from salience.report import write_report
    from salience.suites.explain_run import explain_checkpoint

    check_npz_out(out)
    check_positive_int(top, "top")
    try:
        run = explain_checkpoint(
            checkpoint, data, out=out, method=method, output=output, batch_size=batch_size, seed=seed,
            device=device, run_dir=report_dir, write_run=report, window=window, target=target, tsr=tsr,
            table_format=table_format, faithfulness=faithfulness,
        )  # fmt: skip
    except ValueError as error:
        raise ValueError(_flag_named(str(error))) from None
    if run.run_dir is not None:
        write_report(run.run_dir)
    for result in run.methods.values():
        console.print(
            f"{result.method}: attributions {tuple(result.attributions.shape)} in {result.seconds:.1f} s "
            f"-> {result.out}", soft_wrap=True, markup=False, highlight=False,
        )  # fmt: skip
    _print_rankings(run.ranking, checkpoint, data, top)
    if len(run.methods) > 1:
        _print_methods(run)
    if run.run_dir is not None:
        console.print(
            f"Tables, figures and report: {run.run_dir / 'report.html'}", soft_wrap=True, markup=False
        )


_FLAGS = {
    "method": "--method", "output": "--output", "batch_size": "--batch-size", "window": "--window",
    "target": "--target", "format": "--format", "report_dir": "--report-dir", "out": "--out",
}  # fmt: skip


def _flag_named(message: str) -> str:
    """``message`` with a leading Python argument name (``table_format: ...``) as its CLI flag.

    Example:
        >>> _flag_named("format: expected one of csv, parquet, got 'xlsx'")
        "--format: expected one of csv, parquet, got 'xlsx'"
    """
    name, colon, rest = message.partition(":")
    return f"{_FLAGS[name]}:{rest}" if colon and name in _FLAGS else message


def _print_methods(run: ExplainRun) -> None:
    from salience.suites.explain_compare import METHOD_COLUMNS, method_row

    compared = Table(title="Methods compared", caption="the rankings above are the first method's")
    for column in METHOD_COLUMNS:
        compared.add_column(column, justify="left" if column in ("method", "top_feature") else "right")
    for result in run.methods.values():
        row = method_row(result)
        compared.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row))
    console.print(compared)


def _print_rankings(ranking: ExplainRanking, checkpoint: Path, data: Path, top: int) -> None:
    per_class = [f"{name} {acc:.3f}" for name, _, acc in ranking.per_class]
    console.print(
        f"Accuracy of {checkpoint} on {data}: {ranking.accuracy:.3f} (per class: {', '.join(per_class)})",
        soft_wrap=True, markup=False, highlight=False,
    )  # fmt: skip
    features = Table(title="Top features", caption="share of |saliency|, mean over samples")
    for column in ("rank", "feature", "share"):
        features.add_column(column, justify="left" if column == "feature" else "right")
    for rank, i in enumerate(ranking.feature_order()[:top], start=1):
        features.add_row(str(rank), ranking.features[i], f"{100 * ranking.feature_share[i]:.1f}%")
    console.print(features)
    windows = Table(title="Top time windows", caption=f"{ranking.window} steps each; share of |saliency|")
    for column in ("rank", "steps", "share"):
        windows.add_column(column, justify="right")
    for rank, i in enumerate(ranking.window_order()[:top], start=1):
        start, end = ranking.windows[i]
        windows.add_row(str(rank), f"{start}–{end}", f"{100 * ranking.window_share[i]:.1f}%")
    console.print(windows)
