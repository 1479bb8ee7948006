"""``salience bench``: run the time-series saliency benchmark grid, summarise it, show its status.

salience bench run --profile quick --out runs/bench-quick      # local Dask cluster
salience bench run --trainings traditional,sgt ...             # also saliency guided training
salience bench run --workers 1 ...                             # in-process
salience bench run --scheduler tcp://host:8786 ...             # an existing cluster
salience bench summary runs/bench-quick                        # tables + CSV/JSON
salience bench status runs/bench-quick                         # done / skipped / failed / pending
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from salience.cli._console import console
from salience.cli._options import (
    BenchSeed,
    Device,
    MaxEpochs,
    Scheduler,
    Workers,
    fmt,
    profile_list,
    run_dir_option,
    split_lists,
)
from salience.cli._progress import GridProgress

bench_app = typer.Typer(
    help="The time-series saliency benchmark (Ismail et al., NeurIPS 2020) on Dask.", no_args_is_help=True
)


@bench_app.command("run")
def bench_run(
    profile: Annotated[
        str, typer.Option(help="quick (minutes on a CPU) or paper (the benchmark's sizes).")
    ] = "quick",
    layouts: Annotated[str | None, profile_list("layouts")] = None,
    processes: Annotated[str | None, profile_list("generation processes")] = None,
    models: Annotated[
        str | None, typer.Option(help="Comma-separated models: lstm, ica-lstm, tcn, transformer.")
    ] = None,
    methods: Annotated[
        str | None, typer.Option(help="Comma-separated saliency methods (append +tsr for TSR).")
    ] = None,
    trainings: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated trainings: traditional, sgt (saliency guided); default traditional."
        ),
    ] = None,
    out: Annotated[Path | None, run_dir_option("bench")] = None,
    seed: BenchSeed = 0,
    workers: Workers = None,
    scheduler: Scheduler = None,
    threads: Annotated[
        int | None, typer.Option(help="Torch threads per task (default: this machine's cores / workers).")
    ] = None,
    device: Device = "auto",
    n_train: Annotated[int | None, typer.Option(help="Override the profile's training samples.")] = None,
    max_epochs: MaxEpochs = None,
    accuracy_threshold: Annotated[
        float | None,
        typer.Option(help="Override the test accuracy a model needs for its saliency to be scored (0.9)."),
    ] = None,
) -> None:
    """Train the models and score the saliency methods of the grid; results go to results.sqlite."""
    from salience.bench.grid import run_bench, selected_methods
    from salience.bench.profile import resolve_profile
    from salience.training import resolve_device

    settings = resolve_profile(
        profile,
        **split_lists(
            layouts=layouts, processes=processes, models=models, methods=methods, trainings=trainings
        ),
        n_train=n_train,
        max_epochs=max_epochs,
        accuracy_threshold=accuracy_threshold,
    )
    resolved = resolve_device(device)
    run_dir = out or Path("runs") / f"bench-{settings.name}"
    n_models = (
        len(settings.layouts) * len(settings.processes) * len(settings.models) * len(settings.trainings)
    )
    console.print(
        f"[bold]salience bench run[/] profile={settings.name}: {len(settings.layouts)} layouts × "
        f"{len(settings.processes)} processes × {len(settings.models)} models × "
        f"{len(settings.trainings)} trainings ({', '.join(settings.trainings)}) = {n_models} models, "
        f"{len(selected_methods(settings))} methods -> {run_dir}",
        soft_wrap=True,
    )
    with GridProgress() as progress:
        report = run_bench(
            run_dir,
            settings,
            seed=seed,
            workers=workers,
            scheduler=scheduler,
            threads=threads,
            device=str(resolved),
            events=progress.events(),
        )
    _print_counts(report.counts())
    console.print(f"Summary: [bold]salience bench summary {run_dir}[/]")


def _print_counts(counts: dict[str, int]) -> None:
    console.print(", ".join(f"{n} {status}" for status, n in counts.items()))


@bench_app.command("status")
def bench_status_command(
    run_dir: Annotated[Path, typer.Argument(help="A directory made by salience bench run.")],
    show: Annotated[int, typer.Option(help="How many failed/skipped tasks to list.")] = 20,
) -> None:
    """How many tasks are done, skipped (model under the accuracy threshold), failed and pending."""
    from salience.bench.grid import bench_status

    report = bench_status(run_dir)
    _print_counts(report.counts())
    listed = [(key, status) for key, status in report.statuses.items() if status in ("failed", "skipped")]
    if listed:
        table = Table(title="failed and skipped tasks")
        for column in ("status", "dataset", "model", "training", "method", "why"):
            table.add_column(column)
        for key, status in listed[:show]:
            table.add_row(
                status, key.dataset, key.model, key.training, key.method, report.messages.get(key, "")
            )
        console.print(table)
        if len(listed) > show:
            console.print(f"... and {len(listed) - show} more")


@bench_app.command("summary")
def bench_summary_command(
    run_dir: Annotated[Path, typer.Argument(help="A directory made by salience bench run.")],
    out: Annotated[
        Path | None, typer.Option(help="Where to write the CSV/JSON tables (default: RUN_DIR).")
    ] = None,
    per_dataset: Annotated[bool, typer.Option(help="Also print AUP/AUR per dataset.")] = True,
    baseline: Annotated[
        str, typer.Option(help="Random baseline of the Diff table: random (i.i.d.) or random_permutation.")
    ] = "random",
) -> None:
    """AUP/AUR per dataset and Diff(AUP)/Diff(AUR) per model × method and training (beside the
    published Table 2 of saliency guided training); writes CSV and JSON."""
    from salience._validation import check_choice
    from salience.bench.grid import DATABASE, read_config
    from salience.bench.profile import SUITE
    from salience.bench.summary import DIFF_BASELINES, summarize, write_summary
    from salience.runs.store import ResultStore

    check_choice(baseline, "baseline", DIFF_BASELINES)

    config = read_config(run_dir)
    threshold = float(config["profile"]["accuracy_threshold"])
    summary = summarize(ResultStore(Path(run_dir) / DATABASE).rows(SUITE), accuracy_threshold=threshold)
    if per_dataset:
        _print_per_dataset(summary.dataset_table)
    _print_diff(summary.diff_table, baseline)
    if summary.excluded:
        names = ", ".join(
            f"{e['dataset']}/{e['model']}{'' if e['training'] == 'traditional' else '/' + e['training']} "
            f"({fmt(e['test_accuracy'], 2)})"
            for e in summary.excluded
        )
        console.print(
            f"Excluded from saliency metrics (test accuracy under {threshold:.2f}): {names}", soft_wrap=True
        )
    else:
        console.print(f"Every model reached the accuracy threshold ({threshold:.2f}).")
    written = write_summary(summary, out or run_dir)
    console.print(f"Tables written: {', '.join(str(p) for p in written)}", soft_wrap=True)


def _print_per_dataset(rows: list[dict[str, Any]]) -> None:
    methods = sorted({r["method"] for r in rows})
    table = Table(title="AUP / AUR per dataset (models over the accuracy threshold)")
    table.add_column("dataset")
    table.add_column("model")
    for method in methods:
        table.add_column(method, justify="right")
    grouped: dict[tuple[str, str, str], dict[str, str]] = {}
    for r in rows:
        grouped.setdefault((r["dataset"], r["model"], r["training"]), {})[r["method"]] = (
            f"{fmt(r['aup'], 2)}/{fmt(r['aur'], 2)}"
        )
    if len({training for _, _, training in grouped}) > 1:
        table.columns[1].header = "model (training)"
    for (dataset, model, training), cells in grouped.items():
        name = model if table.columns[1].header == "model" else f"{model} ({training})"
        table.add_row(dataset, name, *(cells.get(m, "") for m in methods))
    console.print(table)


def _print_diff(rows: list[dict[str, Any]], baseline: str) -> None:
    from salience.bench.summary import render_training_table, training_table

    title = f"Diff(AUP) / Diff(AUR) against the {baseline} baseline, mean over datasets (ours | paper)"
    console.print(render_training_table(training_table(rows, baseline=baseline), title))
