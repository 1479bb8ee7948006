"""Saliency heatmaps: one map per sample (beside its input) and one map per class.

Heatmaps put time on the x axis and features on the y axis (feature 0 at the top); feature names
become the y tick labels, thinned to at most :data:`~salience.figures.theme.MAX_TICK_LABELS`.
Non-negative maps use ``cividis`` from 0, signed maps ``RdBu_r`` centred at 0; ground-truth cells are
outlined along cell edges. Every function validates its input (errors name the argument), writes a
PNG atomically to ``path``, closes the figure and returns the path.

Example:
    >>> import numpy as np, pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "classes.png"
    >>> plot_class_heatmaps(np.ones((2, 5, 3)), out).exists()
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from salience.figures.theme import (
    DIVERGING_CMAP,
    INPUT_CMAP,
    MAX_TICK_LABELS,
    SALIENCY_CMAP,
    PathLike,
    _as_array,
    _check_count,
    _check_names,
    _check_sample_maps,
    _save,
    style,
)


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
    maps, inputs = _check_sample_maps(saliency, x)
    n_samples, _, n_features = maps.shape
    truth = None if mask is None else _as_array(mask, "mask", 3, "(N, T, F)")
    if truth is not None and truth.shape != maps.shape:
        raise ValueError(f"mask: expected the shape of saliency {maps.shape}, got {truth.shape}")
    names = _check_names(feature_names, "feature_names", n_features)
    titles = _check_names(sample_titles, "sample_titles", n_samples)
    shown = min(n_samples, _check_count(max_samples, "max_samples"))
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
    per_feature: bool = False,
) -> Path:
    """One heatmap (time on x, features on y) per class of ``class_means`` (C, T, F), on a shared scale.

    Args:
        class_means: mean saliency per class (C, T, F); cividis from 0, or RdBu_r about 0 if signed.
        path: where the PNG goes.
        title: figure title.
        class_names: C panel titles (default "class c").
        feature_names: F names for the y axis (at most 30 are written).
        mask: optional ground-truth cells (T, F), outlined on every panel.
        per_feature: scale each feature by its largest |value| over classes and time, so a channel
            with small saliency is not drawn flat beside a large one (the colour bar then reads
            "share of the feature's peak").

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

    if per_feature:
        peaks = np.nanmax(np.abs(means), axis=(0, 1), keepdims=True)
        means = means / np.where(peaks > 0, peaks, 1.0)
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
        if per_feature:
            label += " / feature's peak"
        fig.colorbar(image, ax=axes[0].tolist(), shrink=0.85, label=label)
        if title:
            fig.suptitle(title)
        return _save(fig, path)

