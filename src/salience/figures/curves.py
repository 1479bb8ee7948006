"""Line and bar charts: saliency over time per model, the share of top-salient cells per time bucket,
accuracy as salient inputs are removed, a training curve, paired bars beside published values (the
home of every curve or bar chart of the library).

Series are drawn in the Okabe–Ito palette, one colour per label in the order given. Every function
validates its input (errors name the argument), writes a PNG atomically to ``path``, closes the figure
and returns the path. Arrays may be numpy arrays, torch tensors or nested sequences.

Example:
    >>> import numpy as np, pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "profile.png"
    >>> _ = plot_saliency_profiles({"LSTM": np.linspace(0, 1, 10)}, out)
    >>> out.exists()
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from salience.figures.theme import (
    MARKERS,
    OKABE_ITO,
    PathLike,
    _as_array,
    _check_curve,
    _check_series,
    _check_window,
    _legend,
    _save,
    style,
)


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


def plot_training_curve(
    history: Mapping[str, object],
    path: PathLike,
    *,
    best_epoch: int | None = None,
    title: str = "Training",
) -> Path:
    """Accuracy per epoch (epochs from 1), one line per label, the selected epoch marked.

    Args:
        history: label -> one value per epoch (e.g. ``{"train": [...], "validation": [...]}``).
        path: where the PNG goes.
        best_epoch: the selected epoch (1-based), drawn as a dashed vertical line.
        title: axes title.

    Example:
        >>> import pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "training.png"
        >>> plot_training_curve({"validation": [0.5, 0.8, 0.7]}, out, best_epoch=2) == out
        True
    """
    series = _check_series(history, "history")
    curves = {label: _as_array(v, f"history[{label!r}]", 1, "(epochs,)") for label, v in series.items()}
    with style():
        fig, ax = plt.subplots(figsize=(6.0, 3.2))
        for i, (label, values) in enumerate(curves.items()):
            epochs = np.arange(1, values.size + 1)
            ax.plot(epochs, values, color=OKABE_ITO[i % len(OKABE_ITO)], marker=MARKERS[i % len(MARKERS)],
                    markevery=max(1, values.size // 20), label=label)  # fmt: skip
        if best_epoch is not None:
            ax.axvline(best_epoch, color="0.4", linestyle="--", lw=1.0, label=f"selected epoch {best_epoch}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
        ax.set_title(title)
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



def plot_removal_curves(
    curves: Mapping[str, Mapping[str, tuple[Sequence[float], Sequence[float]]]],
    path: PathLike,
    *,
    control: str = "random",
    panel_labels: Mapping[str, str] | None = None,
    title: str = "Accuracy drop when the most salient pixels are removed",
    xlabel: str = "pixels removed (%)",
) -> Path:
    """Accuracy against the share of inputs removed: one panel per method, one colour per series
    (e.g. per training), each series' ``control`` ranking dashed in every panel.

    Saliency guided training's Figure 3 (curves from :func:`~salience.metrics.accuracy_drop_curve`).

    Args:
        curves: series label -> method -> (fractions removed in [0, 1], accuracy in [0, 1]).
        path: where the PNG goes.
        control: the method drawn dashed in every panel (a chance-level ranking); it gets its own
            panel only when no other method is given.
        panel_labels: method -> panel title (default: the method's name).
        title: figure title.
        xlabel: x axis label.

    Example:
        >>> import pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "drop.png"
        >>> drop = {"Traditional": {"gradient": ([0, 0.5], [1.0, 0.4]), "random": ([0, 0.5], [1.0, 0.9])}}
        >>> plot_removal_curves(drop, out) == out
        True
    """
    series = _check_series(curves, "curves")
    named = dict.fromkeys(m for by_method in series.values() for m in by_method)
    methods = [m for m in named if m != control] or [control]
    labels = dict(panel_labels or {})
    columns = min(3, len(methods))
    rows = -(-len(methods) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.3 * columns, 2.8 * rows), squeeze=False, sharey=True)
    for ax, method in zip(axes.flat, methods, strict=False):
        for i, (label, by_method) in enumerate(series.items()):
            for name, line in ((method, "-"), (control, "--")):
                if name not in by_method or (name == control and method == control and line == "-"):
                    continue
                where = f"curves[{label!r}][{name!r}]"
                fractions, accuracy = (_as_array(v, where, 1) for v in by_method[name])
                ax.plot(
                    100 * fractions, 100 * accuracy, line, color=OKABE_ITO[i % len(OKABE_ITO)],
                    lw=1.6 if line == "-" else 1.0, label=label + (f" ({control})" if line == "--" else ""),
                )  # fmt: skip
        ax.set_title(labels.get(method, method), fontsize=10)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("accuracy (%)")
    for ax in list(axes.flat)[len(methods) :]:
        ax.axis("off")
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    return _save(fig, path)


def plot_paired_bars(
    panels: Mapping[str, Mapping[str, Sequence[float]]],
    categories: Sequence[str],
    path: PathLike,
    *,
    reference: Mapping[str, Mapping[str, Sequence[float | None]]] | None = None,
    reference_label: str = "paper",
    title: str = "",
) -> Path:
    """Grouped bars, one panel per metric: one bar per series (e.g. per training) in each category
    (e.g. per method), with optional reference values (e.g. the published ones) as black markers.

    Saliency guided training's ERASER comprehensiveness / sufficiency (AOPC) comparison.

    Args:
        panels: panel title -> series label -> one value per category (NaN draws no bar).
        categories: the x axis names.
        path: where the PNG goes.
        reference: panel title -> series label -> one value or None per category.
        reference_label: legend entry of the reference markers.
        title: figure title.

    Example:
        >>> import pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "bars.png"
        >>> bars = {"sufficiency ↓": {"traditional": [0.2, 0.3], "saliency guided": [0.1, 0.3]}}
        >>> paper = {"sufficiency ↓": {"traditional": [0.25, None]}}
        >>> plot_paired_bars(bars, ["IG", "Random"], out, reference=paper) == out
        True
    """
    checked = _check_series(panels, "panels")
    n = len(categories)
    fig, axes = plt.subplots(1, len(checked), figsize=(4.5 * len(checked), 3.4), squeeze=False)
    width = 0.76 / max(1, max(len(s) for s in checked.values()))
    for ax, (panel, series) in zip(axes[0], checked.items(), strict=True):
        marked = reference.get(panel, {}) if reference else {}
        for i, (label, values) in enumerate(series.items()):
            xs = [j + (i - (len(series) - 1) / 2) * width for j in range(n)]
            ax.bar(xs, _check_curve(values, f"panels[{panel!r}][{label!r}]", n), width,
                   color=OKABE_ITO[i % len(OKABE_ITO)], label=f"{label} (ours)")  # fmt: skip
            points = [(x, v) for x, v in zip(xs, marked.get(label, [None] * n), strict=True) if v is not None]
            if points:
                ax.scatter(*zip(*points, strict=True), marker="_", s=120, color="black", zorder=3,
                           label=reference_label if i == 0 else None)  # fmt: skip
        ax.set_xticks(range(n), list(categories), fontsize=8)
        ax.set_title(panel, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(
        handles, names, loc="lower center", ncol=3, fontsize=8, frameon=False, bbox_to_anchor=(0.5, -0.08)
    )
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)
