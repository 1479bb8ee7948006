"""The figure theme shared by every plot: palette, colour maps, rcParams, the atomic PNG writer and
the input checks (errors name the argument).

One style for every figure (:func:`style`, applied inside each function, never globally): 9 pt text,
no top/right spines, a light grid only where values are read off an axis, no frame around legends.
Colours are colour-blind safe:

- lines and bars use the Okabe–Ito palette (:data:`OKABE_ITO`) and, on line plots with few points,
  one marker shape per series too (:data:`MARKERS`), so series stay apart in greyscale;
- non-negative saliency maps use ``cividis`` (:data:`SALIENCY_CMAP`, perceptually uniform, readable
  with every colour-vision deficiency) from 0 to the maximum;
- signed maps (any negative value) use the diverging ``RdBu_r`` (:data:`DIVERGING_CMAP`) centred at 0
  with symmetric limits, so white means "no saliency" and the sign is never hidden;
- inputs shown beside a map use ``gray`` (:data:`INPUT_CMAP`), distinct from any saliency map.

Importing this module selects matplotlib's non-interactive ``Agg`` backend.

Example:
    >>> with style():
    ...     plt.rcParams["axes.prop_cycle"].by_key()["color"][0] == OKABE_ITO[0]
    True
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from cycler import cycler

from salience._io import atomic_path

SALIENCY_CMAP = "cividis"
"""Colour map of non-negative saliency maps (perceptually uniform, colour-blind safe)."""
DIVERGING_CMAP = "RdBu_r"
"""Colour map of signed saliency maps, centred at 0 (blue negative, red positive)."""
INPUT_CMAP = "gray"
"""Colour map of the inputs drawn beside saliency maps."""
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
"""The Okabe–Ito colour-blind-safe palette (blue, vermillion, green, purple, orange, sky, yellow, black)."""
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
"""One marker shape per series on line plots with few points."""
MAX_TICK_LABELS = 30
"""At most this many feature names are written on a heatmap's axis; more are thinned evenly."""

STYLE: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.6,
    "lines.markersize": 4.5,
    "image.cmap": SALIENCY_CMAP,
    "image.interpolation": "nearest",
    "figure.constrained_layout.use": True,
}
"""The rcParams every figure of the library is drawn with (see :func:`style`)."""

PathLike = str | os.PathLike[str]
_SVG_COPIES: contextvars.ContextVar[bool] = contextvars.ContextVar("svg_copies", default=False)


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Draw with the library's figure style (:data:`STYLE`) inside the block; rcParams are restored after.

    Example:
        >>> with style():
        ...     plt.rcParams["axes.spines.top"]
        False
    """
    with plt.rc_context(STYLE):
        yield


@contextlib.contextmanager
def svg_copies() -> Iterator[None]:
    """Inside the block every figure is also written as SVG, to ``svg/STEM.svg`` beside its PNG.

    The PNG is what reports embed; the SVG (vector, for papers) sits in a subfolder so that a report
    reading ``figures/`` shows each figure once.

    Example:
        >>> import pathlib, tempfile
        >>> from salience.figures import plot_saliency_profiles
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "p.png"
        >>> with svg_copies():
        ...     _ = plot_saliency_profiles({"a": [0.0, 1.0]}, out)
        >>> (out.parent / "svg" / "p.svg").exists()
        True
    """
    token = _SVG_COPIES.set(True)
    try:
        yield
    finally:
        _SVG_COPIES.reset(token)


def _save(fig: plt.Figure, path: PathLike) -> Path:
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    if _SVG_COPIES.get():
        vector = target.parent / "svg" / f"{target.stem}.svg"
        vector.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(vector) as tmp:
            fig.savefig(tmp, format="svg", bbox_inches="tight")
    plt.close(fig)
    return target


# ---------------------------------------------------------------------------------------------------
# validation helpers


def _as_array(value: object, name: str, ndim: int | None = None, layout: str = "") -> np.ndarray:
    """``value`` (array, tensor or nested sequence) as a float64 numpy array with ``ndim`` dimensions."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name}: expected an array of numbers, got {type(value).__name__}")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name}: expected an array of numbers, got {type(value).__name__}") from error
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name}: expected shape {layout}, got {tuple(array.shape)}")
    if np.isinf(array).any():
        raise ValueError(f"{name}: expected finite values (NaN allowed), found inf")
    return array


def _check_sample_maps(saliency: object, x: object | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-sample maps (N, T, F) with at least one sample, step and feature, and inputs of their shape."""
    maps = _as_array(saliency, "saliency", 3, "(N, T, F)")
    if 0 in maps.shape:
        raise ValueError(f"saliency: expected at least one sample, step and feature, got {maps.shape}")
    inputs = None if x is None else _as_array(x, "x", 3, "(N, T, F)")
    if inputs is not None and inputs.shape != maps.shape:
        raise ValueError(f"x: expected the shape of saliency {maps.shape}, got {inputs.shape}")
    return maps, inputs


def _check_count(value: object, name: str) -> int:
    """A positive integer (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def _check_series(series: object, name: str) -> Mapping[str, Any]:
    """A non-empty mapping from a model's label to its values."""
    if not isinstance(series, Mapping):
        raise TypeError(f"{name}: expected a dict from label to values, got {type(series).__name__}")
    if not series:
        raise ValueError(f"{name}: expected at least one labelled series")
    return series


def _check_curve(value: object, name: str, n_points: int) -> np.ndarray:
    curve = _as_array(value, name, 1, f"({n_points},)")
    if curve.shape[0] != n_points:
        raise ValueError(f"{name}: expected {n_points} values, got {curve.shape[0]}")
    return curve


def _check_names(names: object, name: str, count: int) -> list[str] | None:
    """Optional labels: a sequence (not a string) of exactly ``count`` entries, as strings."""
    if names is None:
        return None
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise TypeError(f"{name}: expected a sequence of {count} names, got {type(names).__name__}")
    if len(names) != count:
        raise ValueError(f"{name}: expected {count} names, got {len(names)}")
    return [str(n) for n in names]


def _check_window(window: object, name: str) -> tuple[int, int] | None:
    if window is None:
        return None
    ok = (
        isinstance(window, Sequence)
        and len(window) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in window)
        and 0 <= window[0] < window[1]
    )
    if not ok:
        raise ValueError(
            f"{name}: expected (start, stop) step indices with 0 <= start < stop, got {window!r}"
        )
    return int(window[0]), int(window[1])

# ---------------------------------------------------------------------------------------------------
# drawing helpers


def _legend(ax: plt.Axes) -> None:
    """A legend, only when some artist has a label."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend()

