"""The ``salience`` command.

Every stage runs alone on files: ``data make`` → ``train`` → ``explain`` → ``evaluate``;
``reproduce ica`` runs them all for the paper's table. Bad input prints one line
(``error: ...``) and exits with status 2; nothing half-written is left behind.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from typer.exceptions import TyperException

from salience._validation import check_choice
from salience.cli._console import console, err_console, split_list
from salience.cli._progress import SuiteProgress
from salience.cli.bench import bench_app
from salience.cli.reproduce_sgt import register as register_sgt_commands

if TYPE_CHECKING:
    import numpy as np

    from salience.data import Dataset

app = typer.Typer(
    name="salience",
    help="Faithful saliency on sequence models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
reproduce_app = typer.Typer(help="Reproduce the papers' tables.", no_args_is_help=True)
data_app = typer.Typer(help="Make and inspect datasets.", no_args_is_help=True)
app.add_typer(reproduce_app, name="reproduce")
app.add_typer(data_app, name="data")

app.add_typer(bench_app, name="bench")
register_sgt_commands(reproduce_app)


def _parse_options(pairs: list[str] | None) -> dict[str, Any]:
    """``key=value`` pairs with JSON-ish values (numbers, true/false, null, strings)."""
    options: dict[str, Any] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise ValueError(f"--option: expected key=value, got {pair!r}")
        key, raw = pair.split("=", 1)
        try:
            options[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            options[key.strip()] = raw
    return options


@reproduce_app.command("ica")
def reproduce_ica(
    profile: Annotated[
        str, typer.Option(help="quick (minutes on a CPU) or paper (the paper's settings).")
    ] = "quick",
    datasets: Annotated[
        str | None, typer.Option(help="Comma-separated box datasets (default: the profile's).")
    ] = None,
    models: Annotated[
        str | None, typer.Option(help="Comma-separated model names (default: the profile's).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Run directory (default runs/ica-PROFILE); reruns resume.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of data, initialisation and batches.")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    max_epochs: Annotated[int | None, typer.Option(help="Override the profile's epoch budget.")] = None,
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
        datasets=split_list(datasets),
        models=split_list(models),
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
    seed: Annotated[int, typer.Option(help="Seed of data, initialisation and batches.")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    max_epochs: Annotated[int | None, typer.Option(help="Override the profile's epoch budget.")] = None,
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


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _print_ica_table(results) -> None:
    table = Table(title="Input-cell attention, Table 1 (ours | paper)")
    for column in ("dataset", "model", "WJac", "Euc", "Acc %", "last-10% mass"):
        table.add_column(column, justify="left" if column in ("dataset", "model") else "right")
    for r in results:
        table.add_row(
            r.dataset, r.label,
            f"{_fmt(r.wjac)} | {_fmt(r.paper_wjac)}", f"{_fmt(r.euc)} | {_fmt(r.paper_euc)}",
            f"{_fmt(r.acc, 1)} | {_fmt(r.paper_acc, 1)}", _fmt(r.late_fraction, 2),
        )  # fmt: skip
    console.print(table)


@data_app.command("make")
def data_make(
    name: Annotated[str, typer.Argument(help="Box dataset: earlier, middle, latter, three-earlier, ...")],
    out: Annotated[Path, typer.Option(help="Output .npz file.")],
    n: Annotated[int | None, typer.Option(help="Number of samples (default: the paper's).")] = None,
    seed: Annotated[int, typer.Option()] = 0,
    n_steps: Annotated[int, typer.Option(help="T.")] = 100,
    n_features: Annotated[int, typer.Option(help="F.")] = 100,
    box_value: Annotated[float, typer.Option(help="Mean shift ±v of the informative cells.")] = 1.0,
) -> None:
    """Generate a synthetic box dataset with its ground-truth mask and write it to .npz."""
    from salience.data import make_box

    dataset = make_box(name, n=n, seed=seed, n_steps=n_steps, n_features=n_features, box_value=box_value)
    dataset.save(out)
    console.print(
        f"{dataset.name}: x {dataset.x.shape}, {int(dataset.mask.sum())} informative cells -> {out}"
    )


@data_app.command("load")
def data_load(
    name: Annotated[
        str, typer.Argument(help="UCR/UEA dataset shipped in sktime: basic-motions, japanese-vowels, ...")
    ],
    out: Annotated[Path, typer.Option(help="Output .npz file.")],
    split: Annotated[str, typer.Option(help="train or test (the archive's split).")] = "train",
) -> None:
    """Write one split of a real dataset (read from sktime's .ts files) to .npz."""
    from salience.data.real import load_real

    _check_npz_out(out)
    try:
        dataset = load_real(name, split=split)
    except ImportError as err:  # sktime missing: the message says which extra to install
        raise ValueError(str(err)) from None
    dataset.save(out)
    _print_data_summary(dataset, out)


@data_app.command("import")
def data_import(
    file: Annotated[Path, typer.Argument(help="Your data: .csv / .parquet (long form), .npz or .ts.")],
    out: Annotated[Path, typer.Option(help="Output .npz file.")],
    label: Annotated[str, typer.Option(help="Label column (constant within a sample).")] = "label",
    sample_id: Annotated[str, typer.Option(help="Sample-id column.")] = "sample_id",
    time: Annotated[str, typer.Option(help="Time column (numbers or ISO dates; orders the steps).")] = "time",
    features: Annotated[
        str | None, typer.Option(help="Comma-separated feature columns (default: all the others).")
    ] = None,
    impute: Annotated[
        str | None, typer.Option(help="Fill missing feature values: zero, ffill or mean (default: refuse).")
    ] = None,
    format: Annotated[
        str | None, typer.Option(help="csv, parquet, npz or ts (default: from the suffix).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Dataset name (default: the file's stem).")] = None,
) -> None:
    """Convert your own data (one row per sample and time step) to a salience .npz dataset."""
    from salience.data.user import load_user_data

    _check_npz_out(out)
    try:
        dataset = load_user_data(
            file, format=format, label=label, sample_id=sample_id, time=time,
            features=split_list(features), impute=impute, name=name,
        )  # fmt: skip
    except ImportError as err:  # pandas/pyarrow missing: the message says which extra to install
        raise ValueError(str(err)) from None
    dataset.save(out)
    _print_data_summary(dataset, out)


def _check_npz_out(out: Path) -> None:
    if out.suffix.lower() != ".npz":
        raise ValueError(f"out: expected a file name ending in .npz, got {out}")


def _short_list(items: list[Any], limit: int = 8) -> str:
    shown = ", ".join(str(item) for item in items[:limit])
    return shown + (f", ... (+{len(items) - limit} more)" if len(items) > limit else "")


def _print_data_summary(dataset, out: Path) -> None:
    """One line: shape, classes, variable lengths, feature names and where it went."""
    lengths = dataset.lengths
    variable = "no" if lengths is None else f"yes ({int(lengths.min())}-{int(lengths.max())} steps)"
    classes = dataset.meta.get("class_names")
    class_text = f" ({_short_list(classes)})" if classes else ""
    features = dataset.meta.get("feature_names") or [f"dim_{k}" for k in range(dataset.n_features)]
    console.print(
        f"{dataset.name}: x {dataset.x.shape}, {dataset.n_classes} classes{class_text}, "
        f"variable lengths: {variable}, features: {_short_list(features)} -> {out}",
        soft_wrap=True, markup=False, highlight=False,
    )  # fmt: skip


@app.command("train")
def train(
    data: Annotated[Path, typer.Argument(help="Training data (.npz with x, y).")],
    model: Annotated[str, typer.Option(help="Model name, e.g. lstm, bilstm, ica-lstm, lstm-selfattn.")],
    out: Annotated[Path, typer.Option(help="Checkpoint directory to write.")],
    option: Annotated[list[str] | None, typer.Option(help="Model option key=value (repeatable).")] = None,
    validation: Annotated[float, typer.Option(help="Fraction of the data held out for validation.")] = 0.1,
    max_epochs: Annotated[int, typer.Option()] = 100,
    batch_size: Annotated[int, typer.Option()] = 50,
    lr: Annotated[float, typer.Option()] = 1e-3,
    patience: Annotated[int, typer.Option()] = 20,
    seed: Annotated[int, typer.Option()] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    optimizer: Annotated[str, typer.Option(help="adam, adadelta or sgd.")] = "adam",
    training: Annotated[
        str, typer.Option(help="traditional or sgt (saliency guided training).")
    ] = "traditional",
    sgt_fraction: Annotated[float, typer.Option(help="SGT: fraction k of cells masked per sample.")] = 0.5,
    sgt_lambda: Annotated[float, typer.Option(help="SGT: weight of the KL term.")] = 1.0,
    sgt_mode: Annotated[str, typer.Option(help="SGT: faithful (as the paper) or fast.")] = "faithful",
    sgt_rank: Annotated[str, typer.Option(help="SGT: rank by the signed or absolute gradient.")] = "signed",
    sgt_fill: Annotated[
        str, typer.Option(help="SGT: feature_range, sample_range or constant (0) for masked cells.")
    ] = "feature_range",
    scaling: Annotated[
        str,
        typer.Option(
            help="Standardise per cell (t, f), as the papers, or per feature; auto: per feature for "
            "variable-length data (its test series may be longer), per cell otherwise."
        ),
    ] = "auto",
) -> None:
    """Train a model (standardised per cell, validation split for model selection) and save it."""
    from salience.data import Dataset, Standardizer, split_dataset
    from salience.models import build_model
    from salience.training import SaliencyGuidedConfig, TrainConfig, fit, save_checkpoint

    sgt = None
    if training == "sgt":
        sgt = SaliencyGuidedConfig(
            fraction=sgt_fraction, lam=sgt_lambda, mode=sgt_mode, rank=sgt_rank, fill=sgt_fill
        )

    dataset = Dataset.load(data)
    splits = split_dataset(dataset, test=0, validation=validation, seed=seed)
    check_choice(scaling, "scaling", ("auto", "cell", "feature"))
    per = scaling if scaling != "auto" else ("feature" if dataset.lengths is not None else "cell")
    scaler = Standardizer.fit(splits.train, per=per)
    config = TrainConfig(
        max_epochs=max_epochs, batch_size=batch_size, lr=lr, patience=patience, seed=seed, device=device,
        optimizer=optimizer, training=training, sgt=sgt,
    )  # fmt: skip
    network = build_model(
        model, n_features=dataset.n_features, n_classes=dataset.n_classes, seed=seed, **_parse_options(option)
    )
    result = fit(network, scaler.transform(splits.train), scaler.transform(splits.validation), config)
    save_checkpoint(
        out, network, standardizer=scaler,
        metadata={"train": config.to_dict(), "result": result.to_dict(), "data": str(data)},
    )  # fmt: skip
    console.print(
        f"{model}: best validation accuracy {result.best_val_accuracy:.3f} at epoch {result.best_epoch} "
        f"({result.epochs_run} epochs) -> {out}"
    )


@app.command("explain")
def explain(
    checkpoint: Annotated[Path, typer.Argument(help="Checkpoint directory written by `salience train`.")],
    data: Annotated[Path, typer.Argument(help="Data to explain (.npz); labels are the default targets.")],
    out: Annotated[Path, typer.Option(help="Output .npz with the attributions (N, T, F).")],
    method: Annotated[
        str, typer.Option(help="gradient, integrated_gradients, deeplift, smoothgrad, ...")
    ] = "gradient",
    output: Annotated[str, typer.Option(help="probability (as the papers) or logit.")] = "probability",
    batch_size: Annotated[int, typer.Option()] = 100,
    seed: Annotated[int, typer.Option()] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "cpu",
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
) -> None:
    """Attribute the checkpoint's predictions on DATA to its inputs; rank features and time windows.

    Writes OUT (.npz) and, unless --no-report, a run directory with config.json, attributions.npz,
    top_features.csv, top_windows.csv, accuracy.csv, figures/ and report.html.
    """
    import numpy as np
    import torch

    from salience._io import atomic_path
    from salience._validation import check_positive_int
    from salience.data import Dataset
    from salience.explain import attribute
    from salience.training import load_checkpoint, predict_logits, resolve_device

    _check_npz_out(out)
    check_positive_int(top, "top")
    if window is not None:
        check_positive_int(window, "window")
    target_dir = (report_dir or out.with_name(f"{out.stem}-report")) if report else None
    if target_dir is not None:
        _check_report_dir(target_dir, out)
    loaded = load_checkpoint(checkpoint, device=str(resolve_device(device)))
    raw = Dataset.load(data)
    _check_fits_checkpoint(raw, loaded.config, data)
    if window is not None and window > raw.n_steps:
        raise ValueError(f"window: expected at most T = {raw.n_steps} steps, got {window}")
    dataset = loaded.standardizer.transform(raw) if loaded.standardizer is not None else raw
    x = torch.from_numpy(dataset.x).to(resolve_device(device))
    lengths = None if dataset.lengths is None else torch.from_numpy(dataset.lengths)
    saliency = attribute(
        loaded.model, x, y=dataset.y, method=method, output=output, batch_size=batch_size, seed=seed,
        lengths=lengths,
    ).numpy()  # fmt: skip
    predictions = predict_logits(loaded.model, x, lengths=lengths).argmax(dim=1).numpy()
    ranking = _ExplainRanking.of(saliency, raw, predictions, window or max(1, raw.n_steps // 10))

    meta = {"method": method, "output": output, "checkpoint": str(checkpoint)}
    staged = None
    if target_dir is not None:
        settings = {
            "checkpoint": str(checkpoint), "data": str(data), "dataset": raw.name,
            "model": loaded.config.get("name"), "method": method, "output": output, "batch_size": batch_size,
            "window": ranking.window, "n_samples": raw.n_samples, "n_steps": raw.n_steps,
            "n_features": raw.n_features, "n_classes": loaded.config.get("n_classes", raw.n_classes),
            "variable_lengths": raw.lengths is not None, "attributions": str(out),
        }  # fmt: skip
        staged = _stage_explain_run(
            target_dir, settings, seed, device, saliency, raw, predictions, ranking, meta
        )
    try:
        with atomic_path(out) as tmp, open(tmp, "wb") as handle:
            np.savez_compressed(handle, attributions=saliency, y=dataset.y, meta=np.array(json.dumps(meta)))
        if staged is not None and target_dir is not None:
            _replace_dir(staged, target_dir)
    finally:
        if staged is not None and staged.exists():
            import shutil

            shutil.rmtree(staged, ignore_errors=True)
    console.print(f"{method}: attributions {tuple(saliency.shape)} -> {out}")
    _print_explain_tables(ranking, checkpoint, data, top)
    if target_dir is not None:
        console.print(
            f"Tables, figures and report: {target_dir / 'report.html'}", soft_wrap=True, markup=False
        )


_EXPLAIN_SUITE = "explain"


@dataclass(frozen=True)
class _ExplainRanking:
    """Shares of |saliency| per feature and per time window, and the accuracy, for `explain`.

    A sample's share of a cell is |s| over the sample's total |s| (so every sample weighs the same);
    shares are averaged over the samples with any saliency. Padding (beyond ``lengths``) has no
    saliency, so it takes no share.
    """

    features: list[str]
    feature_share: np.ndarray  # (F,)
    windows: list[tuple[int, int]]  # (first, last) step of each window
    window_share: np.ndarray  # (W,)
    window: int
    accuracy: float
    per_class: list[tuple[str, int, float]]  # (class, samples, accuracy)

    @classmethod
    def of(
        cls, saliency: np.ndarray, dataset: Dataset, predictions: np.ndarray, window: int
    ) -> _ExplainRanking:
        import numpy as np

        cells = np.abs(saliency)
        per_feature = cells.sum(axis=1, dtype=np.float64)  # (N, F)
        per_step = cells.sum(axis=2, dtype=np.float64)  # (N, T)
        totals = per_feature.sum(axis=1)
        informative = totals > 0
        n_used = max(int(informative.sum()), 1)
        feature_share = (per_feature[informative] / totals[informative, None]).sum(axis=0) / n_used
        step_share = (per_step[informative] / totals[informative, None]).sum(axis=0) / n_used
        windows = [(s, min(s + window, dataset.n_steps) - 1) for s in range(0, dataset.n_steps, window)]
        names = _class_names(dataset)
        correct = predictions == dataset.y
        per_class = [
            (names[c], int((dataset.y == c).sum()), float(correct[dataset.y == c].mean()))
            for c in range(len(names)) if (dataset.y == c).any()
        ]  # fmt: skip
        return cls(
            features=_feature_names(dataset),
            feature_share=feature_share,
            windows=windows,
            window_share=np.array([step_share[first : last + 1].sum() for first, last in windows]),
            window=window,
            accuracy=float(correct.mean()),
            per_class=per_class,
        )

    def feature_order(self) -> np.ndarray:
        """Feature indices, largest share first (ties in feature order)."""
        return (-self.feature_share).argsort(kind="stable")

    def window_order(self) -> np.ndarray:
        """Window indices, largest share first (ties in time order)."""
        return (-self.window_share).argsort(kind="stable")


def _feature_names(dataset: Dataset) -> list[str]:
    names = dataset.meta.get("feature_names")
    if isinstance(names, list) and len(names) == dataset.n_features:
        return [str(n) for n in names]
    return [f"dim_{k}" for k in range(dataset.n_features)]


def _class_names(dataset: Dataset) -> list[str]:
    names = dataset.meta.get("class_names")
    if isinstance(names, list) and len(names) == dataset.n_classes:
        return [str(n) for n in names]
    return [f"class {c}" for c in range(dataset.n_classes)]


def _name(names: list[str], index: int) -> str:
    """``names[index]``, or ``class index`` for a class the data does not name (the model may know more)."""
    return names[index] if 0 <= index < len(names) else f"class {index}"


def _check_fits_checkpoint(dataset: Dataset, config: dict[str, Any], data: Path) -> None:
    n_features, n_classes = config.get("n_features"), config.get("n_classes")
    if n_features is not None and dataset.n_features != int(n_features):
        raise ValueError(
            f"data: {data} has {dataset.n_features} features; the checkpoint expects {n_features}"
        )
    if n_classes is not None and dataset.n_samples and int(dataset.y.max()) >= int(n_classes):
        raise ValueError(
            f"data: {data} has labels up to {int(dataset.y.max())}; the checkpoint has {n_classes} classes"
        )


def _check_report_dir(target: Path, out: Path) -> None:
    """Refuse a report directory that exists and holds something other than an earlier `explain` run,
    or that would hold ``out`` (the directory is replaced as a whole)."""
    if target.resolve() in out.resolve().parents:
        raise ValueError(f"out: {out} is inside report_dir {target}; write it elsewhere")
    if not target.exists():
        return
    if not target.is_dir():
        raise ValueError(f"report_dir: {target} exists and is not a directory")
    if not any(target.iterdir()):
        return
    try:
        suite = json.loads((target / "config.json").read_text()).get("suite")
    except (OSError, ValueError, AttributeError):
        suite = None
    if suite != _EXPLAIN_SUITE:
        raise ValueError(
            f"report_dir: {target} exists and is not an explain run directory; choose another --report-dir"
        )


def _stage_explain_run(
    target: Path,
    settings: dict[str, Any],
    seed: int,
    device: str,
    saliency: np.ndarray,
    dataset: Dataset,
    predictions: np.ndarray,
    ranking: _ExplainRanking,
    meta: dict[str, Any],
) -> Path:
    """Write the whole run directory into a hidden sibling of ``target`` and return it."""
    import csv
    import io
    import tempfile
    from datetime import datetime, timezone

    import numpy as np

    from salience._io import write_text_atomic
    from salience._versions import runtime_versions
    from salience.report import write_report

    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        config = {
            "suite": _EXPLAIN_SUITE, "profile": settings, "seed": seed, "device": device,
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "versions": runtime_versions(),
        }  # fmt: skip
        write_text_atomic(staged / "config.json", json.dumps(config, indent=2))
        with open(staged / "attributions.npz", "wb") as handle:
            np.savez_compressed(
                handle, attributions=saliency, y=dataset.y, predictions=predictions,
                meta=np.array(json.dumps(meta)),
            )  # fmt: skip
        tables = {
            "top_features.csv": (
                ["rank", "feature", "index", "share"],
                [[r + 1, ranking.features[i], int(i), float(ranking.feature_share[i])]
                 for r, i in enumerate(ranking.feature_order())],
            ),
            "top_windows.csv": (
                ["rank", "start", "end", "share"],
                [[r + 1, *ranking.windows[i], float(ranking.window_share[i])]
                 for r, i in enumerate(ranking.window_order())],
            ),
            "accuracy.csv": (
                ["class", "n_samples", "accuracy"],
                [*map(list, ranking.per_class), ["all", dataset.n_samples, ranking.accuracy]],
            ),
        }  # fmt: skip
        for name, (header, rows) in tables.items():
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
            write_text_atomic(staged / name, buffer.getvalue())
        _explain_figures(staged / "figures", saliency, dataset, predictions, settings["method"])
        write_report(staged, location=str(target))
    except BaseException:
        import shutil

        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def _explain_figures(
    folder: Path, saliency: np.ndarray, dataset: Dataset, predictions: np.ndarray, method: str
) -> None:
    """Class-mean and per-sample heatmaps and the saliency-over-time profile, with captions."""
    import numpy as np
    import torch

    from salience._io import write_text_atomic
    from salience.figures import plot_class_heatmaps, plot_saliency_profiles, plot_sample_heatmaps
    from salience.metrics import normalize_saliency, saliency_over_time
    from salience.metrics.temporal import class_mean_saliency

    folder.mkdir(parents=True, exist_ok=True)
    features, classes = _feature_names(dataset), _class_names(dataset)
    lengths = None if dataset.lengths is None else torch.from_numpy(dataset.lengths)
    s_hat = normalize_saliency(saliency, lengths)
    masks = dataset.mask
    shared_mask = masks[0] if masks is not None and bool((masks == masks[:1]).all()) else None
    plot_class_heatmaps(
        class_mean_saliency(s_hat, torch.from_numpy(dataset.y), len(classes)).numpy(),
        folder / "class_heatmaps.png", title=f"{method}: class-mean saliency on {dataset.name}",
        class_names=classes, feature_names=features, mask=shared_mask,
    )  # fmt: skip
    first = [int(np.flatnonzero(dataset.y == c)[0]) for c in range(len(classes)) if (dataset.y == c).any()]
    picked = (first + [i for i in range(dataset.n_samples) if i not in first])[:4]
    plot_sample_heatmaps(
        saliency[picked], x=dataset.x[picked], mask=None if masks is None else masks[picked],
        feature_names=features, max_samples=len(picked), path=folder / "sample_heatmaps.png",
        sample_titles=[f"#{i} {_name(classes, dataset.y[i])} (predicted {_name(classes, predictions[i])})"
                       for i in picked],
        title=f"{method}: saliency of single samples",
    )  # fmt: skip
    profiles = {"all samples": saliency_over_time(saliency, lengths).numpy()}
    if len(classes) <= 6:
        for c, name in enumerate(classes):
            chosen = np.flatnonzero(dataset.y == c)
            if chosen.size:
                sub = None if lengths is None else lengths[chosen]
                profiles[name] = saliency_over_time(saliency[chosen], sub).numpy()
    plot_saliency_profiles(profiles, folder / "saliency_profile.png", title=f"{method}: saliency over time")
    captions = {
        "class_heatmaps.png": "Mean normalised |saliency| of each class's samples (time × feature)",
        "sample_heatmaps.png": "Inputs and saliency of single samples (one per class first)",
        "saliency_profile.png": "Mean normalised |saliency| per time step, all samples and per class",
    }
    write_text_atomic(folder / "captions.json", json.dumps(captions, indent=2))


def _replace_dir(staged: Path, target: Path) -> None:
    """Move ``staged`` onto ``target``, replacing an earlier run there in two renames."""
    import os
    import shutil

    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(staged, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _print_explain_tables(ranking: _ExplainRanking, checkpoint: Path, data: Path, top: int) -> None:
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


@app.command("evaluate")
def evaluate(
    data: Annotated[Path, typer.Argument(help="Dataset (.npz) with the ground-truth mask.")],
    attributions: Annotated[
        Path | None, typer.Option(help="Attributions .npz from `salience explain`.")
    ] = None,
    checkpoint: Annotated[Path | None, typer.Option(help="Checkpoint to measure accuracy on DATA.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the scores as JSON here.")] = None,
) -> None:
    """Score attributions against the ground-truth mask (WJac, Euc) and/or a model's accuracy."""
    import numpy as np
    import torch

    from salience._io import write_text_atomic
    from salience.data import Dataset
    from salience.metrics import euclidean_distance, weighted_jaccard

    if attributions is None and checkpoint is None:
        raise ValueError("attributions/checkpoint: give at least one of --attributions and --checkpoint")
    dataset = Dataset.load(data)
    scores: dict[str, float] = {}
    if attributions is not None:
        if dataset.mask is None:
            raise ValueError(f"data: {data} has no ground-truth mask to score attributions against")
        if not attributions.is_file():
            raise FileNotFoundError(f"attributions: no file at {attributions}")
        with np.load(attributions, allow_pickle=False) as stored:
            if "attributions" not in stored:
                raise ValueError(f"attributions: {attributions} has no 'attributions' array")
            saliency = torch.from_numpy(stored["attributions"])
        mask = torch.from_numpy(dataset.mask)
        scores["wjac"] = float(weighted_jaccard(saliency, mask).mean())
        scores["euc"] = float(euclidean_distance(saliency, mask).nanmean())  # NaN: sample with empty mask
    if checkpoint is not None:
        from salience.training import load_checkpoint, predict_logits

        loaded = load_checkpoint(checkpoint)
        scaled = loaded.standardizer.transform(dataset) if loaded.standardizer is not None else dataset
        lengths = None if scaled.lengths is None else torch.from_numpy(scaled.lengths)
        logits = predict_logits(loaded.model, torch.from_numpy(scaled.x), lengths=lengths)
        scores["accuracy"] = float((logits.argmax(dim=1).numpy() == scaled.y).mean())
    table = Table(title=f"Scores on {data.name}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in scores.items():
        table.add_row(name, f"{value:.4f}")
    console.print(table)
    if out is not None:
        write_text_atomic(out, json.dumps(scores, indent=2))


@app.command("report")
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


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors in the user's input print one line and return 2."""
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
