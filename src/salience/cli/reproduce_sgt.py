"""``salience reproduce sgt-mnist | sgt-text | sgt-timeseries``: saliency guided training's evaluations.

Each command runs (or resumes) its suite into a run directory, prints our numbers beside the paper's
and leaves CSV/JSON tables, plots and checkpoints there (see ``salience.suites.sgt_*``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from salience._validation import check_choice
from salience.cli._console import console, split_list
from salience.cli._progress import GridProgress, SuiteProgress

ProfileOption = Annotated[str, typer.Option(help="quick (minutes on a CPU) or paper (the paper's settings).")]
SeedOption = Annotated[int, typer.Option(help="Seed of data, initialisation, batches and masks.")]
DeviceOption = Annotated[str, typer.Option(help="auto, cpu or cuda.")]


def _out_option(suite: str) -> object:
    return typer.Option(help=f"Run directory (default runs/{suite}-PROFILE); reruns resume.")


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _mode_suffix(mode: str) -> str:
    """Default run directories keep the two modes apart (a run directory refuses other settings)."""
    return "" if mode == "faithful" else f"-{mode}"


def register(reproduce_app: typer.Typer) -> None:
    """Add the three saliency guided training commands to ``salience reproduce``."""
    reproduce_app.command("sgt-mnist")(reproduce_sgt_mnist)
    reproduce_app.command("sgt-text")(reproduce_sgt_text)
    reproduce_app.command("sgt-timeseries")(reproduce_sgt_timeseries)


def reproduce_sgt_text(
    profile: ProfileOption = "quick",
    out: Annotated[Path | None, _out_option("sgt-text")] = None,
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    max_epochs: Annotated[int | None, typer.Option(help="Override the profile's epoch budget.")] = None,
    methods: Annotated[
        str | None, typer.Option(help="Comma-separated: gradient, integrated_gradients, smoothgrad, random.")
    ] = None,
    sgt_mode: Annotated[
        str,
        typer.Option(help="faithful (the paper's computation) or fast (one backward pass, fixed target)."),
    ] = "faithful",
) -> None:
    """Saliency guided training on text: ERASER comprehensiveness / sufficiency (Table 1, Movies)."""
    from salience.suites.sgt_text import collect_results, resolve_profile, run_sgt_text, task_count
    from salience.suites.sgt_text import write_outputs as write_text_outputs
    from salience.training import resolve_device
    from salience.training.saliency_guided import MODES

    check_choice(sgt_mode, "sgt-mode", MODES)
    chosen = split_list(methods)
    settings = resolve_profile(
        profile, max_epochs=max_epochs, methods=tuple(chosen) if chosen else None, mode=sgt_mode
    )
    device = str(resolve_device(device))
    run_dir = out or Path("runs") / f"sgt-text-{settings.name}{_mode_suffix(sgt_mode)}"
    console.print(
        f"[bold]salience reproduce sgt-text[/] profile={settings.name} E={settings.embedding_dim} "
        f"H={settings.hidden_size} max_length={settings.max_length} -> {run_dir}"
    )
    with SuiteProgress(task_count(settings)) as progress:
        run_sgt_text(run_dir, settings, seed=seed, device=device, events=progress.events())
    results = collect_results(run_dir, settings, seed=seed)
    write_text_outputs(run_dir, results, settings, seed=seed)
    table = Table(title="ERASER AOPC, ours | paper (Movies)")
    for column in ("training", "method", "Comp ↑ ours | paper", "Suff ↓ ours | paper", "Acc %"):
        table.add_column(column)
    for r in results:
        table.add_row(
            r.training, r.method,
            f"{_fmt(r.comprehensiveness)} | {_fmt(r.paper_comprehensiveness)}",
            f"{_fmt(r.sufficiency)} | {_fmt(r.paper_sufficiency)}",
            _fmt(r.accuracy, 1),
        )  # fmt: skip
    console.print(table)
    console.print(
        "The paper's row is ERASER Movies (long documents, GloVe); ours is Rotten Tomatoes sentences "
        "with learned embeddings, so only the direction compares (docs/results-sgt.md)."
    )
    console.print(f"Tables, figures and checkpoints in [bold]{run_dir}[/]")


def reproduce_sgt_mnist(
    profile: ProfileOption = "quick",
    out: Annotated[Path | None, _out_option("sgt-mnist")] = None,
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    max_epochs: Annotated[int | None, typer.Option(help="Override the profile's epoch budget.")] = None,
    methods: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated: gradient, integrated_gradients, smoothgrad, deeplift, "
            "gradient_shap, deeplift_shap, random."
        ),
    ] = None,
    sgt_mode: Annotated[
        str,
        typer.Option(help="faithful (the paper's computation) or fast (one backward pass, fixed target)."),
    ] = "faithful",
) -> None:
    """Saliency guided training on MNIST: accuracy drop as top-salient pixels go (Figures 2 and 3)."""
    from salience.suites.sgt_mnist import (
        PAPER_DIRECTION,
        TRAININGS,
        format_summary,
        resolve_profile,
        run_sgt_mnist,
    )
    from salience.training import resolve_device
    from salience.training.saliency_guided import MODES

    check_choice(sgt_mode, "sgt-mode", MODES)
    chosen = split_list(methods)
    settings = resolve_profile(
        profile, max_epochs=max_epochs, methods=tuple(chosen) if chosen else None, sgt_mode=sgt_mode
    )
    device = str(resolve_device(device))
    run_dir = out or Path("runs") / f"sgt-mnist-{settings.name}{_mode_suffix(sgt_mode)}"
    console.print(
        f"[bold]salience reproduce sgt-mnist[/] profile={settings.name} "
        f"epochs<={settings.max_epochs} batch={settings.batch_size} -> {run_dir}"
    )
    with SuiteProgress(len(TRAININGS) * (1 + len(settings.methods))) as progress:
        results = run_sgt_mnist(run_dir, settings, seed=seed, device=device, events=progress.events())
    console.print(format_summary(results), highlight=False)
    console.print(f"Paper (qualitative, no numbers published): {PAPER_DIRECTION}.")
    console.print(f"Tables, figures and checkpoints in [bold]{run_dir}[/]")


def reproduce_sgt_timeseries(
    profile: ProfileOption = "quick",
    out: Annotated[Path | None, _out_option("sgt-timeseries")] = None,
    seed: SeedOption = 0,
    device: Annotated[str, typer.Option(help="cpu or cuda (each task's device).")] = "cpu",
    layouts: Annotated[str | None, typer.Option(help="Comma-separated benchmark layouts.")] = None,
    models: Annotated[
        str | None, typer.Option(help="Comma-separated: lstm, ica-lstm, tcn, transformer.")
    ] = None,
    methods: Annotated[str | None, typer.Option(help="Comma-separated gradient methods.")] = None,
    max_epochs: Annotated[int | None, typer.Option(help="Override the profile's epoch budget.")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Local Dask workers (default: one per core; 1 runs in-process).")
    ] = None,
    scheduler: Annotated[str | None, typer.Option(help="Address of an existing Dask scheduler.")] = None,
    threads: Annotated[int | None, typer.Option(help="Torch threads per task.")] = None,
) -> None:
    """Saliency guided training on the benchmark: Diff(AUP)/Diff(AUR) (Table 2), LSTM saliency over time."""
    from salience.suites.sgt_timeseries import print_summary, resolve_sgt_profile, run_sgt_timeseries
    from salience.training import resolve_device

    overrides = {
        "layouts": split_list(layouts), "models": split_list(models), "methods": split_list(methods),
        "max_epochs": max_epochs,
    }  # fmt: skip
    settings = resolve_sgt_profile(profile, **overrides)
    resolved = str(resolve_device(device))
    run_dir = out or Path("runs") / f"sgt-timeseries-{profile}"
    console.print(
        f"[bold]salience reproduce sgt-timeseries[/] profile={profile}: {len(settings.layouts)} layouts x "
        f"{len(settings.models)} models x {len(settings.methods)} methods x traditional/sgt -> {run_dir}",
        soft_wrap=True,
    )
    with GridProgress() as progress:
        results = run_sgt_timeseries(
            run_dir, profile, seed=seed, workers=workers, scheduler=scheduler, device=resolved,
            threads=threads, events=progress.events(), **overrides,
        )  # fmt: skip
    print_summary(console, results)
    console.print(f"Tables, figures and checkpoints in [bold]{run_dir}[/]")
