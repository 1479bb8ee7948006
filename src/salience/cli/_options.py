"""Options shared by several commands, declared once, and the small parsing and formatting helpers.

Every command that runs models takes ``--device`` with the default ``auto`` (CUDA when available).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

Device = Annotated[str, typer.Option(help="auto, cpu or cuda.")]
Seed = Annotated[int, typer.Option()]
SuiteSeed = Annotated[int, typer.Option(help="Seed of data, initialisation and batches.")]
SgtSeed = Annotated[int, typer.Option(help="Seed of data, initialisation, batches and masks.")]
BenchSeed = Annotated[int, typer.Option(help="Seed of data, initialisation, batches and baselines.")]
Profile = Annotated[str, typer.Option(help="quick (minutes on a CPU) or paper (the paper's settings).")]
MaxEpochs = Annotated[int | None, typer.Option(help="Override the profile's epoch budget.")]
SgtMode = Annotated[
    str, typer.Option(help="faithful (the paper's computation) or fast (one backward pass, fixed target).")
]
Workers = Annotated[
    int | None, typer.Option(help="Local Dask workers (default: one per core; 1 runs in-process).")
]
Scheduler = Annotated[str | None, typer.Option(help="Address of an existing Dask scheduler.")]
NpzOut = Annotated[Path, typer.Option(help="Output .npz file.")]


def run_dir_option(suite: str) -> Any:
    """``--out`` of a suite: its run directory, ``runs/SUITE-PROFILE`` by default."""
    return typer.Option(help=f"Run directory (default runs/{suite}-PROFILE); reruns resume.")


def profile_list(what: str) -> Any:
    """A comma-separated list option that narrows one of the profile's lists."""
    return typer.Option(help=f"Comma-separated {what} (default: the profile's).")


def split_list(value: str | None) -> list[str] | None:
    """``"a, b,c"`` → ``["a", "b", "c"]``; None or empty → None.

    Example:
        >>> split_list("a, b,c"), split_list("")
        (['a', 'b', 'c'], None)
    """
    return [item.strip() for item in value.split(",") if item.strip()] if value else None


def split_lists(**values: str | None) -> dict[str, list[str] | None]:
    """:func:`split_list` of each keyword argument, under the same name.

    Example:
        >>> split_lists(models="lstm, tcn", methods=None)
        {'models': ['lstm', 'tcn'], 'methods': None}
    """
    return {name: split_list(value) for name, value in values.items()}


def check_npz_out(out: Path) -> None:
    """Refuse an output file name that does not end in .npz."""
    if out.suffix.lower() != ".npz":
        raise ValueError(f"out: expected a file name ending in .npz, got {out}")


def fmt(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` decimals, or an em dash for a missing one.

    Example:
        >>> fmt(0.12345), fmt(None), fmt(97.26, 1)
        ('0.123', '—', '97.3')
    """
    return "—" if value is None else f"{value:.{digits}f}"
