"""Matplotlib figures for saliency on sequence models: heatmaps, profiles and the benchmark's curves.

One style for every figure (:func:`style`, applied inside each function, never globally): 9 pt text,
no top/right spines, a light grid only where values are read off an axis, no frame around legends.
Colours are colour-blind safe:

- lines and bars use the Okabe–Ito palette (:data:`OKABE_ITO`) and, on line plots with few points,
  one marker shape per series too, so series stay apart in greyscale;
- non-negative saliency maps use ``cividis`` (:data:`SALIENCY_CMAP`, perceptually uniform, readable
  with every colour-vision deficiency) from 0 to the maximum;
- signed maps (any negative value) use the diverging ``RdBu_r`` (:data:`DIVERGING_CMAP`) centred at 0
  with symmetric limits, so white means "no saliency" and the sign is never hidden;
- inputs shown beside a map use ``gray`` (:data:`INPUT_CMAP`), distinct from any saliency map.

Heatmaps put time on the x axis and features on the y axis (feature 0 at the top); feature names
become the y tick labels, thinned to at most :data:`MAX_TICK_LABELS`. Every function validates its
input (errors name the argument), writes a PNG atomically to ``path``, closes the figure and returns
the path. Arrays may be numpy arrays, torch tensors or nested sequences.

Example:
    >>> import numpy as np, pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "profile.png"
    >>> _ = plot_saliency_profiles({"LSTM": np.linspace(0, 1, 10)}, out)
    >>> out.exists()
    True
"""

from __future__ import annotations

import contextlib
import math
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
from matplotlib.collections import LineCollection

from salience._io import atomic_path
from salience.metrics.masks import MASS_LEVELS

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


def _save(fig: plt.Figure, path: PathLike) -> Path:
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
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


def _check_levels(levels: object, name: str) -> np.ndarray:
    values = _as_array(levels, name, 1, "(L,)")
    ok = values.size > 0 and np.isfinite(values).all() and (values >= 0).all() and (values <= 1).all()
    if not ok or (np.diff(values) <= 0).any():
        raise ValueError(f"{name}: expected strictly increasing fractions in [0, 1], got {values.tolist()}")
    return values


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


def _colour_scale(values: np.ndarray) -> tuple[str, float, float]:
    """(cmap, vmin, vmax): cividis from 0 for non-negative values, RdBu_r symmetric about 0 otherwise."""
    finite = values[np.isfinite(values)]
    peak = float(np.abs(finite).max()) if finite.size else 0.0
    peak = peak or 1.0
    if finite.size and float(finite.min()) < 0:
        return DIVERGING_CMAP, -peak, peak
    return SALIENCY_CMAP, 0.0, peak


def _feature_ticks(ax: plt.Axes, names: list[str] | None, n_features: int) -> None:
    """Feature names as the y tick labels, at most :data:`MAX_TICK_LABELS` of them (evenly thinned)."""
    step = max(1, math.ceil(n_features / MAX_TICK_LABELS))
    positions = list(range(0, n_features, step))
    labels = [names[i] for i in positions] if names is not None else [str(i) for i in positions]
    ax.set_yticks(positions, labels, fontsize=7 if len(positions) > 12 else 8)


def _outline(ax: plt.Axes, mask: np.ndarray) -> None:
    """Outline the cells of a displayed (rows, cols) boolean mask along cell edges, white under black."""
    padded = np.pad(mask.astype(bool), 1)
    rows, cols = np.nonzero(padded[1:-1, :-1] != padded[1:-1, 1:])  # vertical edges, x = col - 0.5
    vertical = [((c - 0.5, r - 0.5), (c - 0.5, r + 0.5)) for r, c in zip(rows, cols, strict=True)]
    rows, cols = np.nonzero(padded[:-1, 1:-1] != padded[1:, 1:-1])  # horizontal edges, y = row - 0.5
    horizontal = [((c - 0.5, r - 0.5), (c + 0.5, r - 0.5)) for r, c in zip(rows, cols, strict=True)]
    segments = vertical + horizontal
    if segments:
        ax.add_collection(LineCollection(segments, colors="white", linewidths=2.0, label="_outline"))
        ax.add_collection(LineCollection(segments, colors="black", linewidths=0.8, label="_outline"))


def _heatmap(
    fig: plt.Figure,
    ax: plt.Axes,
    cells: np.ndarray,
    names: list[str] | None,
    cmap_limits: tuple[str, float, float],
    label: str,
) -> None:
    """Draw ``cells`` (T, F) with time on x and features on y, its colour bar and tick labels."""
    cmap, vmin, vmax = cmap_limits
    image = ax.imshow(cells.T, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, origin="upper")
    _feature_ticks(ax, names, cells.shape[1])
    ax.set_xlabel("time step")
    fig.colorbar(image, ax=ax, shrink=0.9, label=label)


def _legend(ax: plt.Axes) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend()


# ---------------------------------------------------------------------------------------------------
# heatmaps


def plot_sample_heatmaps(
    saliency: object,
    *,
    path: PathLike,
    x: object | None = None,
    mask: object | None = None,
    feature_names: Sequence[str] | None = None,
    sample_titles: Sequence[str] | None = None,
    max_samples: int = 4,
    title: str = "",
) -> Path:
    """One saliency heatmap per sample (time on x, features on y), optionally its input to the left.

    Args:
        saliency: attributions (N, T, F); the first ``max_samples`` samples are drawn, each on its own
            colour scale (cividis from 0, or RdBu_r about 0 when the map has negative values).
        path: where the PNG goes.
        x: optional inputs (N, T, F), drawn in grey beside each map.
        mask: optional ground-truth cells (N, T, F), outlined on each map.
        feature_names: F names for the y axis (at most 30 are written).
        sample_titles: N titles, one per sample (default "sample i").
        max_samples: how many samples to draw, at most.
        title: figure title.

    Example:
        >>> import numpy as np, pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "samples.png"
        >>> s = np.random.default_rng(0).random((3, 20, 4))
        >>> plot_sample_heatmaps(s, x=s, feature_names=list("abcd"), max_samples=2, path=out) == out
        True
    """
    maps = _as_array(saliency, "saliency", 3, "(N, T, F)")
    n_samples, n_steps, n_features = maps.shape
    if n_samples == 0 or n_steps == 0 or n_features == 0:
        raise ValueError(f"saliency: expected at least one sample, step and feature, got {maps.shape}")
    inputs = None if x is None else _as_array(x, "x", 3, "(N, T, F)")
    if inputs is not None and inputs.shape != maps.shape:
        raise ValueError(f"x: expected the shape of saliency {maps.shape}, got {inputs.shape}")
    truth = None if mask is None else _as_array(mask, "mask", 3, "(N, T, F)")
    if truth is not None and truth.shape != maps.shape:
        raise ValueError(f"mask: expected the shape of saliency {maps.shape}, got {truth.shape}")
    names = _check_names(feature_names, "feature_names", n_features)
    titles = _check_names(sample_titles, "sample_titles", n_samples)
    if isinstance(max_samples, bool) or not isinstance(max_samples, (int, np.integer)) or max_samples < 1:
        raise ValueError(f"max_samples: expected a positive integer, got {max_samples!r}")

    shown = min(n_samples, int(max_samples))
    n_cols = 1 if inputs is None else 2
    height = max(1.8, min(6.0, 0.6 + 0.12 * n_features))
    with style():
        fig, axes = plt.subplots(shown, n_cols, figsize=(4.2 * n_cols, height * shown), squeeze=False)
        for i in range(shown):
            name = titles[i] if titles is not None else f"sample {i}"
            if inputs is not None:
                limits = (INPUT_CMAP, float(np.nanmin(inputs[i])), float(np.nanmax(inputs[i])))
                _heatmap(fig, axes[i, 0], inputs[i], names, limits, "input value")
                axes[i, 0].set_title(f"{name}: input")
            ax = axes[i, n_cols - 1]
            limits = _colour_scale(maps[i])
            label = "saliency" if limits[0] == DIVERGING_CMAP else "|saliency|"
            _heatmap(fig, ax, maps[i], names, limits, label)
            if truth is not None:
                _outline(ax, truth[i].T > 0.5)
            ax.set_title(f"{name}: saliency" if inputs is not None else name)
        for ax in axes[:, 0]:
            ax.set_ylabel("feature")
        if title:
            fig.suptitle(title)
        return _save(fig, path)


def plot_class_heatmaps(
    class_means: object,
    path: PathLike,
    *,
    title: str = "",
    class_names: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
    mask: object | None = None,
) -> Path:
    """One heatmap (time on x, features on y) per class of ``class_means`` (C, T, F), on a shared scale.

    Args:
        class_means: mean saliency per class (C, T, F); cividis from 0, or RdBu_r about 0 if signed.
        path: where the PNG goes.
        title: figure title.
        class_names: C panel titles (default "class c").
        feature_names: F names for the y axis (at most 30 are written).
        mask: optional ground-truth cells (T, F), outlined on every panel.

    Example:
        >>> import numpy as np, pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "classes.png"
        >>> means = np.random.default_rng(0).random((2, 10, 3))
        >>> plot_class_heatmaps(means, out, class_names=["neg", "pos"], mask=means[0] > 0.5) == out
        True
    """
    means = _as_array(class_means, "class_means", 3, "(C, T, F)")
    n_classes, n_steps, n_features = means.shape
    if n_classes == 0 or n_steps == 0 or n_features == 0:
        raise ValueError(f"class_means: expected at least one class, step and feature, got {means.shape}")
    classes = _check_names(class_names, "class_names", n_classes)
    names = _check_names(feature_names, "feature_names", n_features)
    truth = None if mask is None else _as_array(mask, "mask", 2, "(T, F)")
    if truth is not None and truth.shape != (n_steps, n_features):
        raise ValueError(f"mask: expected shape {(n_steps, n_features)}, got {truth.shape}")

    cmap, vmin, vmax = _colour_scale(means)
    height = max(2.4, min(6.0, 0.8 + 0.12 * n_features))
    with style():
        fig, axes = plt.subplots(1, n_classes, figsize=(3.4 * n_classes + 0.8, height), squeeze=False)
        image = None
        for c, ax in enumerate(axes[0]):
            image = ax.imshow(means[c].T, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, origin="upper")
            _feature_ticks(ax, names, n_features)
            if truth is not None:
                _outline(ax, truth.T > 0.5)
            ax.set_title(classes[c] if classes is not None else f"class {c}")
            ax.set_xlabel("time step")
        axes[0, 0].set_ylabel("feature")
        label = "mean saliency" if cmap == DIVERGING_CMAP else "mean normalised |saliency|"
        fig.colorbar(image, ax=axes[0].tolist(), shrink=0.85, label=label)
        if title:
            fig.suptitle(title)
        return _save(fig, path)


# ---------------------------------------------------------------------------------------------------
# line plots


def plot_saliency_profiles(
    profiles: Mapping[str, object],
    path: PathLike,
    *,
    title: str = "Saliency over time",
    box_steps: tuple[int, int] | None = None,
    window_label: str = "informative steps",
    ylabel: str = "mean normalised |saliency|",
) -> Path:
    """Mean saliency per time step, one line per model (the vanishing-saliency curve).

    Args:
        profiles: label -> saliency per step (T,) (e.g. :func:`~salience.metrics.saliency_over_time`).
        path: where the PNG goes.
        title: axes title.
        box_steps: optional (start, stop): steps [start, stop) are shaded, e.g. the informative box.
        window_label: legend entry of the shaded window.
        ylabel: y axis label.

    Example:
        >>> import numpy as np, pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "profile.png"
        >>> curves = {"LSTM": np.linspace(1, 0, 20), "LSTM+in.cell": np.full(20, 0.5)}
        >>> plot_saliency_profiles(curves, out, box_steps=(5, 10)) == out
        True
    """
    series = _check_series(profiles, "profiles")
    curves = {label: _as_array(p, f"profiles[{label!r}]", 1, "(T,)") for label, p in series.items()}
    window = _check_window(box_steps, "box_steps")
    with style():
        fig, ax = plt.subplots(figsize=(6.0, 3.4))
        if window is not None:
            ax.axvspan(window[0] - 0.5, window[1] - 0.5, color="0.88", lw=0, label=window_label)
        for i, (label, profile) in enumerate(curves.items()):
            ax.plot(np.arange(profile.size), profile, color=OKABE_ITO[i % len(OKABE_ITO)], label=label)
        ax.set_xlabel("time step")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        if all(np.nanmin(p, initial=0.0) >= 0 for p in curves.values()):
            ax.set_ylim(bottom=0)
        ax.grid(True)
        _legend(ax)
        return _save(fig, path)


def _lines(ax: plt.Axes, xs: np.ndarray, curves: Mapping[str, np.ndarray], scale: float = 1.0) -> None:
    for i, (label, ys) in enumerate(curves.items()):
        colour, marker = OKABE_ITO[i % len(OKABE_ITO)], MARKERS[i % len(MARKERS)]
        ax.plot(xs, scale * ys, color=colour, marker=marker, label=label)


_METRIC_LABELS = {
    "WJac": "weighted Jaccard (higher is better)",
    "Euc": "Euclidean distance (lower is better)",
}


def plot_moving_box_curves(
    box_starts: object,
    scores: Mapping[str, object],
    *,
    path: PathLike,
    metric: str = "WJac",
    title: str = "",
) -> Path:
    """A ground-truth score against the informative box's start step, one line per model.

    The input-cell attention supplement's Figure 2b: as the box moves later in the sequence, a model
    whose saliency vanishes over time scores better.

    Args:
        box_starts: the box's first step in each dataset (K,), increasing.
        scores: label -> score per box start (K,).
        path: where the PNG goes.
        metric: ``"WJac"`` (weighted Jaccard) or ``"Euc"`` (Euclidean distance): the y axis label.
        title: axes title.

    Example:
        >>> import pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "moving.png"
        >>> scores = {"LSTM": [0.1, 0.3, 0.6], "LSTM+in.cell": [0.5, 0.5, 0.6]}
        >>> plot_moving_box_curves([0, 20, 40], scores, path=out) == out
        True
    """
    starts = _as_array(box_starts, "box_starts", 1, "(K,)")
    if starts.size == 0 or not np.isfinite(starts).all() or (np.diff(starts) <= 0).any():
        raise ValueError(f"box_starts: expected strictly increasing finite steps, got {starts.tolist()}")
    if metric not in _METRIC_LABELS:
        raise ValueError(f"metric: expected one of {', '.join(_METRIC_LABELS)}; got {metric!r}")
    series = _check_series(scores, "scores")
    curves = {label: _check_curve(v, f"scores[{label!r}]", starts.size) for label, v in series.items()}
    with style():
        fig, ax = plt.subplots(figsize=(5.0, 3.4))
        _lines(ax, starts, curves)
        ax.set_xlabel("start step of the informative box")
        ax.set_ylabel(_METRIC_LABELS[metric])
        ax.set_title(title or f"{metric} as the informative box moves")
        ax.grid(True)
        _legend(ax)
        return _save(fig, path)


def plot_precision_recall(
    curves: Mapping[str, tuple[object, object]],
    *,
    path: PathLike,
    levels: Sequence[float] = MASS_LEVELS,
    title: str = "",
) -> Path:
    """Saliency-weighted precision and recall per saliency-mass level, and precision against recall.

    Three panels, one line per model: precision vs level, recall vs level (their areas are AUP and AUR)
    and precision vs recall (its area is AUPR). NaN points (no sample counted) leave gaps.

    Args:
        curves: label -> (precision (L,), recall (L,)), e.g. from
            :func:`~salience.metrics.precision_recall_curve`.
        path: where the PNG goes.
        levels: the saliency-mass fractions (L,), strictly increasing in [0, 1].
        title: figure title.

    Example:
        >>> import pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "pr.png"
        >>> pr = {"IG": ([0.9, 0.7, 0.5], [0.2, 0.5, 0.8])}
        >>> plot_precision_recall(pr, levels=(0.2, 0.5, 0.8), path=out) == out
        True
    """
    fractions = _check_levels(levels, "levels")
    series = _check_series(curves, "curves")
    precision: dict[str, np.ndarray] = {}
    recall: dict[str, np.ndarray] = {}
    for label, pair in series.items():
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise TypeError(f"curves[{label!r}]: expected a (precision, recall) pair")
        precision[label] = _check_curve(pair[0], f"curves[{label!r}] precision", fractions.size)
        recall[label] = _check_curve(pair[1], f"curves[{label!r}] recall", fractions.size)
    with style():
        fig, axes = plt.subplots(1, 3, figsize=(11.0, 3.4))
        _lines(axes[0], 100 * fractions, precision)
        _lines(axes[1], 100 * fractions, recall)
        for i, label in enumerate(series):
            axes[2].plot(
                recall[label], precision[label], color=OKABE_ITO[i % len(OKABE_ITO)],
                marker=MARKERS[i % len(MARKERS)], label=label,
            )  # fmt: skip
        for ax, name in zip(axes[:2], ("precision", "recall"), strict=True):
            ax.set_xlabel("top saliency mass selected (%)")
            ax.set_ylabel(name)
            ax.set_title(f"{name} per level")
        axes[2].set_xlabel("recall")
        axes[2].set_ylabel("precision")
        axes[2].set_title("precision against recall")
        for ax in axes:
            ax.set_ylim(-0.02, 1.02)
            ax.grid(True)
        axes[2].set_xlim(-0.02, 1.02)
        _legend(axes[0])
        if title:
            fig.suptitle(title)
        return _save(fig, path)


def plot_masked_accuracy(
    levels: object,
    curves: Mapping[str, object],
    *,
    path: PathLike,
    random: object | Mapping[str, object] | None = None,
    title: str = "",
) -> Path:
    """Accuracy against the fraction of saliency mass masked, one line per model or method.

    Args:
        levels: the masked saliency-mass fractions (L,), strictly increasing in [0, 1]
            (e.g. :data:`~salience.metrics.masked_accuracy.ACCURACY_LEVELS`).
        curves: label -> accuracy in [0, 1] per level (L,), e.g. from
            :func:`~salience.metrics.masked_accuracy_curve`; drawn in percent.
        path: where the PNG goes.
        random: optional accuracy (L,) of the random-saliency baseline, drawn dashed in black; or a dict
            label -> (L,), each dashed in the colour of the curve with the same label (black if none).
        title: axes title.

    Example:
        >>> import pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "masked.png"
        >>> levels = [0.0, 0.5, 1.0]
        >>> plot_masked_accuracy(levels, {"IG": [0.9, 0.6, 0.5]}, random=[0.9, 0.8, 0.5], path=out) == out
        True
    """
    fractions = _check_levels(levels, "levels")
    series = _check_series(curves, "curves")
    accuracy = {label: _check_curve(v, f"curves[{label!r}]", fractions.size) for label, v in series.items()}
    baselines: dict[str, np.ndarray] = {}
    if isinstance(random, Mapping):
        for label, v in _check_series(random, "random").items():
            baselines[f"{label} (random)"] = _check_curve(v, f"random[{label!r}]", fractions.size)
    elif random is not None:
        baselines["random saliency"] = _check_curve(random, "random", fractions.size)
    for name, values in (*accuracy.items(), *baselines.items()):
        if ((values < 0) | (values > 1)).any():
            argument = "random" if name in baselines else "curves"
            raise ValueError(f"{argument}: expected accuracies in [0, 1], got {values.tolist()} for {name!r}")
    colours = {label: OKABE_ITO[i % len(OKABE_ITO)] for i, label in enumerate(accuracy)}
    with style():
        fig, ax = plt.subplots(figsize=(5.0, 3.4))
        _lines(ax, 100 * fractions, accuracy, scale=100.0)
        for name, values in baselines.items():
            colour = colours.get(name.removesuffix(" (random)"), "black")
            ax.plot(100 * fractions, 100 * values, "--", color=colour, lw=1.1, label=name)
        ax.set_xlabel("saliency mass masked (%)")
        ax.set_ylabel("accuracy (%)")
        ax.set_ylim(-2, 102)
        ax.set_title(title or "Accuracy as salient cells are masked")
        ax.grid(True)
        _legend(ax)
        return _save(fig, path)


# ---------------------------------------------------------------------------------------------------
# distributions


def plot_gradient_distribution(
    values: Mapping[str, object],
    *,
    path: PathLike,
    log: bool = True,
    bins: int = 50,
    title: str = "",
) -> Path:
    """Histograms of |gradient| (or any saliency), one outline per training or model, on shared bins.

    Each histogram is the fraction of that series' values per bin, so series of different sizes
    compare. With ``log=True`` the |value| axis is logarithmic (log-spaced bins over the non-zero
    values; the share of exact zeros is given in the legend) and the y axis too; with ``log=False``
    both axes are linear from 0. A sparser saliency (saliency guided training) puts more of its mass
    at small values.

    Args:
        values: label -> values of any shape (flattened; NaN dropped).
        path: where the PNG goes.
        log: logarithmic axes (see above).
        bins: number of bins.
        title: axes title.

    Example:
        >>> import numpy as np, pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "gradients.png"
        >>> rng = np.random.default_rng(0)
        >>> grads = {"traditional": rng.normal(size=500), "saliency guided": rng.laplace(size=500)}
        >>> plot_gradient_distribution(grads, path=out) == out
        True
    """
    series = _check_series(values, "values")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins: expected a positive integer, got {bins!r}")
    if not isinstance(log, bool):
        raise TypeError(f"log: expected True or False, got {log!r}")
    magnitudes = {}
    for label, v in series.items():
        flat = np.abs(_as_array(v, f"values[{label!r}]").ravel())
        flat = flat[~np.isnan(flat)]
        if flat.size == 0:
            raise ValueError(f"values[{label!r}]: expected at least one value that is not NaN")
        magnitudes[label] = flat
    top = max(float(m.max()) for m in magnitudes.values())
    if log:
        positive = [m[m > 0] for m in magnitudes.values()]
        if not any(p.size for p in positive):
            raise ValueError("values: expected some non-zero values for a logarithmic axis (log=True)")
        low = min(float(p.min()) for p in positive if p.size)
        edges = np.geomspace(low, top, bins + 1) if top > low else np.array([low / 2, low * 2])
    else:
        edges = np.linspace(0.0, top or 1.0, bins + 1)
    with style():
        fig, ax = plt.subplots(figsize=(5.0, 3.4))
        for i, (label, m) in enumerate(magnitudes.items()):
            zeros = float((m == 0).mean())
            name = f"{label} ({100 * zeros:.0f}% zeros)" if log and zeros > 0 else label
            counts, _ = np.histogram(m, bins=edges)
            ax.stairs(counts / m.size, edges, color=OKABE_ITO[i % len(OKABE_ITO)], lw=1.6, label=name)
        if log:
            ax.set_xscale("log")
            ax.set_yscale("log")
        ax.set_xlabel("|gradient|")
        ax.set_ylabel("fraction of values")
        ax.set_title(title or "Distribution of gradient magnitudes")
        ax.grid(True)
        _legend(ax)
        return _save(fig, path)


def plot_bucket_distribution(
    shares: Mapping[str, object],
    bucket_labels: Sequence[str],
    *,
    path: PathLike,
    title: str = "",
) -> Path:
    """Grouped bars: share of the top-salient cells per time bucket, one bar colour per model.

    The input-cell attention supplement's Figure 5 (shares from
    :func:`~salience.metrics.buckets.time_bucket_distribution`).

    Args:
        shares: label -> share in [0, 1] per bucket (B,); NaN draws no bar.
        bucket_labels: B bucket names for the x axis.
        path: where the PNG goes.
        title: axes title.

    Example:
        >>> import pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "buckets.png"
        >>> shares = {"LSTM": [0.1, 0.9], "LSTM+in.cell": [0.6, 0.4]}
        >>> plot_bucket_distribution(shares, ["on", "off"], path=out) == out
        True
    """
    series = _check_series(shares, "shares")
    if isinstance(bucket_labels, (str, bytes)) or not isinstance(bucket_labels, Sequence):
        raise TypeError(f"bucket_labels: expected a sequence of names, got {type(bucket_labels).__name__}")
    if len(bucket_labels) == 0:
        raise ValueError("bucket_labels: expected at least one bucket name")
    n_buckets = len(bucket_labels)
    bars = {label: _check_curve(v, f"shares[{label!r}]", n_buckets) for label, v in series.items()}
    for label, v in bars.items():
        if ((v < 0) | (v > 1)).any():
            raise ValueError(f"shares[{label!r}]: expected shares in [0, 1], got {v.tolist()}")
    width = 0.8 / len(bars)
    positions = np.arange(n_buckets)
    with style():
        fig, ax = plt.subplots(figsize=(1.2 * n_buckets + 2.0, 3.4))
        for i, (label, v) in enumerate(bars.items()):
            offsets = positions - 0.4 + width * (i + 0.5)
            ax.bar(offsets, v, width, label=label, color=OKABE_ITO[i % len(OKABE_ITO)])
        ax.set_xticks(positions, [str(b) for b in bucket_labels])
        ax.set_xlabel("time bucket (steps)")
        ax.set_ylabel("share of top salient cells")
        ax.set_ylim(0, 1)
        ax.grid(True, axis="y")
        if title:
            ax.set_title(title)
        _legend(ax)
        return _save(fig, path)


__all__ = [
    "DIVERGING_CMAP",
    "INPUT_CMAP",
    "MARKERS",
    "MAX_TICK_LABELS",
    "OKABE_ITO",
    "SALIENCY_CMAP",
    "STYLE",
    "plot_bucket_distribution",
    "plot_class_heatmaps",
    "plot_gradient_distribution",
    "plot_masked_accuracy",
    "plot_moving_box_curves",
    "plot_precision_recall",
    "plot_saliency_profiles",
    "plot_sample_heatmaps",
    "style",
]
