"""``salience reproduce ica | fmri | sgt-mnist | sgt-text | sgt-timeseries``: the papers' tables.

Each command runs (or resumes) its suite into a run directory, prints our numbers beside the paper's
and leaves CSV/JSON tables, plots and checkpoints there (see ``salience.suites``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from salience.cli._console import console
from salience.cli._options import (
    Device,
    MaxEpochs,
    Profile,
    Scheduler,
    SgtMode,
    SgtSeed,
    SuiteSeed,
    Workers,
    fmt,
    profile_list,
    run_dir_option,
    split_list,
    split_lists,
)
from salience.cli._progress import GridProgress, SuiteProgress

reproduce_app = typer.Typer(help="Reproduce the papers' tables.", no_args_is_help=True)


@reproduce_app.command("sgt-mnist")
def reproduce_sgt_mnist(
    profile: Profile = "quick",
    out: Annotated[Path | None, run_dir_option("sgt-mnist")] = None,
    seed: SgtSeed = 0,
    device: Device = "auto",
    max_epochs: MaxEpochs = None,
    methods: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated: gradient, integrated_gradients, smoothgrad, deeplift, "
            "gradient_shap, deeplift_shap, random."
        ),
    ] = None,
    sgt_mode: SgtMode = "faithful",
) -> None:
    """Saliency guided training on MNIST: accuracy drop as top-salient pixels go (Figures 2 and 3)."""
    from salience.suites.sgt_mnist import (
        PAPER_DIRECTION,
        TRAININGS,
        format_summary,
        resolve_profile,
        run_sgt_mnist,
    )

    settings, device, run_dir = _sgt_settings(
        "sgt-mnist", resolve_profile, "sgt_mode", profile, max_epochs, methods, sgt_mode, out, device
    )
    console.print(
        f"[bold]salience reproduce sgt-mnist[/] profile={settings.name} "
        f"epochs<={settings.max_epochs} batch={settings.batch_size} -> {run_dir}"
    )
    with SuiteProgress(len(TRAININGS) * (1 + len(settings.methods))) as progress:
        results = run_sgt_mnist(run_dir, settings, seed=seed, device=device, events=progress.events())
    console.print(format_summary(results), highlight=False)
    console.print(f"Paper (qualitative, no numbers published): {PAPER_DIRECTION}.")
    console.print(f"Tables, figures and checkpoints in [bold]{run_dir}[/]")


@reproduce_app.command("sgt-text")
def reproduce_sgt_text(
    profile: Profile = "quick",
    out: Annotated[Path | None, run_dir_option("sgt-text")] = None,
    seed: SgtSeed = 0,
    device: Device = "auto",
    max_epochs: MaxEpochs = None,
    methods: Annotated[
        str | None, typer.Option(help="Comma-separated: gradient, integrated_gradients, smoothgrad, random.")
    ] = None,
    sgt_mode: SgtMode = "faithful",
) -> None:
    """Saliency guided training on text: ERASER comprehensiveness / sufficiency (Table 1, Movies)."""
    from salience.suites.sgt_text import collect_results, resolve_profile, run_sgt_text, task_count
    from salience.suites.sgt_text import write_outputs as write_text_outputs

    settings, device, run_dir = _sgt_settings(
        "sgt-text", resolve_profile, "mode", profile, max_epochs, methods, sgt_mode, out, device
    )
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
            f"{fmt(r.comprehensiveness)} | {fmt(r.paper_comprehensiveness)}",
            f"{fmt(r.sufficiency)} | {fmt(r.paper_sufficiency)}",
            fmt(r.accuracy, 1),
        )  # fmt: skip
    console.print(table)
    console.print(
        "The paper's row is ERASER Movies (long documents, GloVe); ours is Rotten Tomatoes sentences "
        "with learned embeddings, so only the direction compares (docs/results-sgt.md)."
    )
    console.print(f"Tables, figures and checkpoints in [bold]{run_dir}[/]")


@reproduce_app.command("sgt-timeseries")
def reproduce_sgt_timeseries(
    profile: Profile = "quick",
    out: Annotated[Path | None, run_dir_option("sgt-timeseries")] = None,
    seed: SgtSeed = 0,
    device: Device = "auto",
    layouts: Annotated[str | None, typer.Option(help="Comma-separated benchmark layouts.")] = None,
    models: Annotated[
        str | None, typer.Option(help="Comma-separated: lstm, ica-lstm, tcn, transformer.")
    ] = None,
    methods: Annotated[str | None, typer.Option(help="Comma-separated gradient methods.")] = None,
    max_epochs: MaxEpochs = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    threads: Annotated[int | None, typer.Option(help="Torch threads per task.")] = None,
) -> None:
    """Saliency guided training on the benchmark: Diff(AUP)/Diff(AUR) (Table 2), LSTM saliency over time."""
    from salience.suites.sgt_timeseries import print_summary, resolve_sgt_profile, run_sgt_timeseries
    from salience.training import resolve_device

    overrides = {**split_lists(layouts=layouts, models=models, methods=methods), "max_epochs": max_epochs}
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


@reproduce_app.command("ica")
def reproduce_ica(
    profile: Profile = "quick",
    datasets: Annotated[str | None, profile_list("box datasets")] = None,
    models: Annotated[str | None, profile_list("model names")] = None,
    out: Annotated[Path | None, run_dir_option("ica")] = None,
    seed: SuiteSeed = 0,
    device: Device = "auto",
    max_epochs: MaxEpochs = None,
    stop_at_train_accuracy: Annotated[
        str | None,
        typer.Option(
            help="Stop training at this training accuracy (profiles: 1.0, as the original code), "
            "or 'off' to stop on the validation split only."
        ),
    ] = None,
) -> None:
    """Input-cell attention, Table 1: WJac / Euc / Acc beside the published numbers."""
    from salience.suites.ica import resolve_profile, run_ica
    from salience.training import resolve_device

    settings = resolve_profile(
        profile,
        **split_lists(datasets=datasets, models=models),
        max_epochs=max_epochs,
        **_train_accuracy_override(stop_at_train_accuracy),
    )
    resolve_device(device)
    run_dir = out or Path("runs") / f"ica-{settings.name}"
    console.print(
        f"[bold]salience reproduce ica[/] profile={settings.name} T={settings.n_steps} "
        f"F={settings.n_features} -> {run_dir}"
    )
    with SuiteProgress(len(settings.datasets) * len(settings.models)) as progress:
        results = run_ica(run_dir, settings, seed=seed, device=device, events=progress.events())
    _print_ica_table(results)
    console.print(f"Table, heatmaps, profiles and checkpoints in [bold]{run_dir}[/]")


@reproduce_app.command("fmri")
def reproduce_fmri(
    profile: Annotated[
        str, typer.Option(help="quick (seconds) or paper (360 regions, HCP-sized split).")
    ] = "quick",
    models: Annotated[str | None, typer.Option(help="Comma-separated (default: lstm,ica-lstm).")] = None,
    out: Annotated[Path | None, typer.Option(help="Run directory (default runs/fmri-PROFILE).")] = None,
    seed: SuiteSeed = 0,
    device: Device = "auto",
    max_epochs: MaxEpochs = None,
) -> None:
    """On-task/off-task (synthetic fMRI-style) data: where in time the top salient features fall
    (the input-cell attention supplement's Figure 5), LSTM vs input-cell attention."""
    from salience.suites.fmri import format_summary, resolve_profile, run_fmri
    from salience.training import resolve_device

    settings = resolve_profile(profile, models=split_list(models), max_epochs=max_epochs)
    device = str(resolve_device(device))
    run_dir = out or Path("runs") / f"fmri-{settings.name}"
    console.print(
        f"[bold]salience reproduce fmri[/] profile={settings.name} F={settings.n_regions} "
        f"T={settings.on_steps}+{settings.off_steps} -> {run_dir}"
    )
    with SuiteProgress(len(settings.models)) as progress:
        results = run_fmri(run_dir, settings, seed=seed, device=device, events=progress.events())
    console.print(format_summary(results, settings), highlight=False)
    console.print(f"Table, bucket chart, profile and checkpoints in [bold]{run_dir}[/]")


def _sgt_settings(
    suite: str, resolve_profile: Any, mode_keyword: str, profile: str, max_epochs: int | None,
    methods: str | None, sgt_mode: str, out: Path | None, device: str,
) -> tuple[Any, str, Path]:  # fmt: skip
    """The profile, device and run directory of sgt-mnist and sgt-text (the mode is checked first;
    default run directories keep the two modes apart, as a run directory refuses other settings)."""
    from salience._validation import check_choice
    from salience.training import resolve_device
    from salience.training.saliency_guided import MODES

    check_choice(sgt_mode, "sgt-mode", MODES)
    chosen = split_list(methods)
    settings = resolve_profile(
        profile, max_epochs=max_epochs, methods=tuple(chosen) if chosen else None, **{mode_keyword: sgt_mode}
    )
    suffix = "" if sgt_mode == "faithful" else f"-{sgt_mode}"
    return settings, str(resolve_device(device)), out or Path("runs") / f"{suite}-{settings.name}{suffix}"


def _train_accuracy_override(value: str | None) -> dict[str, float | None]:
    if value is None:
        return {}
    if value.strip().lower() in ("off", "none"):
        return {"stop_at_train_accuracy": None}
    try:
        accuracy = float(value)
    except ValueError:
        accuracy = float("nan")
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"stop_at_train_accuracy: expected a number in [0, 1] or 'off', got {value!r}")
    return {"stop_at_train_accuracy": accuracy}


def _print_ica_table(results: Any) -> None:
    table = Table(title="Input-cell attention, Table 1 (ours | paper)")
    for column in ("dataset", "model", "WJac", "Euc", "Acc %", "last-10% mass"):
        table.add_column(column, justify="left" if column in ("dataset", "model") else "right")
    for r in results:
        table.add_row(
            r.dataset, r.label,
            f"{fmt(r.wjac)} | {fmt(r.paper_wjac)}", f"{fmt(r.euc)} | {fmt(r.paper_euc)}",
            f"{fmt(r.acc, 1)} | {fmt(r.paper_acc, 1)}", fmt(r.late_fraction, 2),
        )  # fmt: skip
    console.print(table)


def add_declared_suites() -> list[str]:
    """Give every registered suite without a command of its own a generic ``reproduce NAME`` command
    (``--profile``, ``--out``, ``--seed``, ``--device``); return the names added.

    So a new suite needs no edit here: its module and its line in :data:`salience.suites.SUITES` make
    ``salience reproduce NAME`` run it through the runner and print its ``table.csv``.
    """
    from salience.suites import SUITES

    commands = reproduce_app.registered_commands
    commands[:] = [c for c in commands if c.name not in _DECLARED or c.name in SUITES]  # unregistered
    have = {command.name for command in commands}
    added = [name for name in SUITES if name not in have]
    for name in added:
        reproduce_app.command(name, help=SUITES[name].title)(_declared_suite_command(name))
    _DECLARED.update(added)
    return added


_DECLARED: set[str] = set()


def _declared_suite_command(name: str) -> Any:
    def command(
        profile: Profile = "quick",
        out: Path | None = None,
        seed: SuiteSeed = 0,
        device: Device = "auto",
    ) -> None:
        from salience.runs import read_run, run_suite
        from salience.suites import get_suite
        from salience.training import resolve_device

        suite = get_suite(name)
        settings = suite.resolve(profile)
        resolve_device(device)
        run_dir = out or Path("runs") / f"{name}-{settings.name}"
        console.print(f"[bold]salience reproduce {name}[/] profile={settings.name} -> {run_dir}")
        with SuiteProgress(len(suite.plan(settings, seed))) as progress:
            run_suite(suite, run_dir, settings, seed=seed, device=device, events=progress.events())
        for table in read_run(run_dir).tables[:1]:
            console.print(escape(table.title), highlight=False)
            rows = Table()
            for column in table.columns:
                rows.add_column(column)
            for row in table.rows:
                rows.add_row(*(escape(cell) if _number(cell) is None else fmt(_number(cell)) for cell in row))
            console.print(rows)
        console.print(f"Tables, figures and checkpoints in [bold]{run_dir}[/]")

    # The annotations are strings (postponed evaluation); this one needs the suite's name.
    command.__annotations__["out"] = Annotated[Path | None, run_dir_option(name)]
    return command


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
