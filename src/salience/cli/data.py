"""``salience data make | load | import``: write datasets to .npz."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from salience.cli._console import console
from salience.cli._options import NpzOut, Seed, check_npz_out, split_list

data_app = typer.Typer(help="Make and inspect datasets.", no_args_is_help=True)


@data_app.command("make")
def data_make(
    name: Annotated[str, typer.Argument(help="Box dataset: earlier, middle, latter, three-earlier, ...")],
    out: NpzOut,
    n: Annotated[int | None, typer.Option(help="Number of samples (default: the paper's).")] = None,
    seed: Seed = 0,
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
    out: NpzOut,
    split: Annotated[str, typer.Option(help="train or test (the archive's split).")] = "train",
) -> None:
    """Write one split of a real dataset (read from sktime's .ts files) to .npz."""
    from salience.data.real import load_real

    check_npz_out(out)
    try:
        dataset = load_real(name, split=split)
    except ImportError as err:  # sktime missing: the message says which extra to install
        raise ValueError(str(err)) from None
    dataset.save(out)
    _print_data_summary(dataset, out)


@data_app.command("import")
def data_import(
    file: Annotated[Path, typer.Argument(help="Your data: .csv / .parquet (long form), .npz or .ts.")],
    out: NpzOut,
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
    class_order: Annotated[
        str | None,
        typer.Option(help="Comma-separated class names in label order (default: sorted); use the same "
                     "order for every file of a project."),
    ] = None,
    split_column: Annotated[
        str | None,
        typer.Option(help="Column saying train or test per sample: writes OUT-STEM-train.npz and "
                     "OUT-STEM-test.npz."),
    ] = None,
    test_fraction: Annotated[
        float | None,
        typer.Option(help="Instead, a stratified random test part of this fraction (seeded by --seed), "
                     "written as with --split-column."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of --test-fraction's split.")] = 0,
) -> None:
    """Convert your own data (one row per sample and time step) to a salience .npz dataset.

    Labels are class names; continuous label values are refused (salience explains classifiers)."""
    from salience.data.user import load_user_data, load_user_splits

    check_npz_out(out)
    options = {
        "format": format, "label": label, "sample_id": sample_id, "time": time,
        "features": split_list(features), "impute": impute, "name": name, "class_order": class_order,
    }  # fmt: skip
    with _cli_flags():
        if split_column is None and test_fraction is None:
            datasets = {out: load_user_data(file, **options)}
        else:
            parts = load_user_splits(
                file, split_column=split_column, test_fraction=test_fraction, seed=seed, **options
            )
            datasets = {out.with_name(f"{out.stem}-{part}.npz"): part_set for part, part_set in parts.items()}
    for path, dataset in datasets.items():
        dataset.save(path)
        _print_data_summary(dataset, path)


_FLAGS = {
    "label": "--label", "sample_id": "--sample-id", "time": "--time", "features": "--features",
    "impute": "--impute", "format": "--format", "name": "--name", "class_order": "--class-order",
    "class_names": "--class-order", "split_column": "--split-column", "test_fraction": "--test-fraction",
    "test": "--test-fraction", "split_column/test_fraction": "--split-column/--test-fraction",
    "label/sample_id/time": "--label/--sample-id/--time",
    "label/sample_id/time/split_column": "--label/--sample-id/--time/--split-column",
}  # fmt: skip
"""The library's argument names, as ``salience data import`` spells them."""


@contextmanager
def _cli_flags() -> Iterator[None]:
    """Rewrite a library error's leading argument (``impute: ...``) and hints (``pass impute=``) to
    the command's flags (``--impute: ...``, ``pass --impute``)."""
    try:
        yield
    except ImportError as err:  # pandas/pyarrow missing: the message says which extra to install
        raise ValueError(str(err)) from None
    except ValueError as err:
        head, sep, rest = str(err).partition(": ")
        if sep and head in _FLAGS:
            head = _FLAGS[head]
        message = head + sep + rest
        for argument, flag in _FLAGS.items():
            if flag.startswith("--"):
                message = message.replace(f"{argument}= ", f"{flag} ").replace(f"{argument}=", f"{flag} ")
        raise ValueError(message) from None


def _short_list(items: list[Any], limit: int = 8) -> str:
    shown = ", ".join(str(item) for item in items[:limit])
    return shown + (f", ... (+{len(items) - limit} more)" if len(items) > limit else "")


def _print_data_summary(dataset: Any, out: Path) -> None:
    """One line: shape, classes, variable lengths, feature names and where it went."""
    lengths = dataset.lengths
    variable = "no" if lengths is None else f"yes ({int(lengths.min())}-{int(lengths.max())} steps)"
    classes = dataset.meta.get("class_names")
    class_text = f" ({_short_list(classes)})" if classes else ""
    features = dataset.feature_names
    console.print(
        f"{dataset.name}: x {dataset.x.shape}, {dataset.n_classes} classes{class_text}, "
        f"variable lengths: {variable}, features: {_short_list(features)} -> {out}",
        soft_wrap=True, markup=False, highlight=False,
    )  # fmt: skip
