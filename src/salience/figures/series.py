"""Saliency on real series with few channels: line plots, one row per channel, each on its own scale.

A heatmap of one or two channels is a one- or two-row stripe that hides the signal; these figures draw
the signal itself. :func:`plot_sample_series` draws each sample's input per channel as a line with its
|saliency| as a shaded band beneath it (on the channel's own saliency scale, right axis);
:func:`plot_class_series` draws each class's mean saliency over time, one row per channel. Both are
sized for a full-width report card (12 inches wide) and are meant for at most
:data:`MAX_LINE_CHANNELS` channels; more channels read better as heatmaps
(:mod:`salience.figures.heatmaps`).

Example:
    >>> import numpy as np, pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "series.png"
    >>> s = np.random.default_rng(0).random((2, 30, 1))
    >>> plot_sample_series(s, x=np.sin(np.arange(30))[None, :, None].repeat(2, 0), path=out) == out
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from salience.figures.theme import (
    OKABE_ITO,
    PathLike,
    _as_array,
    _check_count,
    _check_names,
    _check_sample_maps,
    _legend,
    _save,
    style,
)

MAX_LINE_CHANNELS = 8
"""Channel count up to which the explain run draws line plots instead of heatmaps."""
_WIDTH = 12.0


def _channel_rows(n_features: int) -> tuple[int, float]:
    """(rows, row height in inches) for ``n_features`` channels, readable at full card width."""
    return n_features, 1.9 if n_features <= 3 else 1.35


def _names(names: Sequence[str] | None, name: str, count: int, default: str) -> list[str]:
    return _check_names(names, name, count) or [default.format(i) for i in range(count)]


def plot_sample_series(
    saliency: object,
    x: object,
    path: PathLike,
    *,
    title: str = "",
    max_samples: int = 3,
    feature_names: Sequence[str] | None = None,
    sample_titles: Sequence[str] | None = None,
) -> Path:
    """Each sample's input per channel (line) with its |saliency| shaded beneath (one column per sample).

    Args:
        saliency: attributions (N, T, F); |saliency| is drawn, per channel on its own scale (right axis).
        x: the inputs (N, T, F) to draw (NaN steps, e.g. padding, leave gaps).
        path: where the PNG goes.
        feature_names: F channel names (row labels).
        sample_titles: N column titles (default "sample i").
        max_samples: how many samples to draw, at most (one column each).
        title: figure title.

    Example:
        >>> import numpy as np, pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "s.png"
        >>> s = np.random.default_rng(0).normal(size=(3, 20, 2))
        >>> plot_sample_series(s, x=s, path=out, feature_names=["a", "b"], max_samples=2).exists()
        True
    """
    maps, inputs = _check_sample_maps(saliency, x)
    n_samples, n_steps, n_features = maps.shape
    names = _names(feature_names, "feature_names", n_features, "dim_{}")
    titles = _check_names(sample_titles, "sample_titles", n_samples)
    shown = min(n_samples, _check_count(max_samples, "max_samples"))
    rows, row_height = _channel_rows(n_features)
    steps = np.arange(n_steps)
    with style():
        fig, axes = plt.subplots(
            rows, shown, figsize=(_WIDTH, 0.6 + row_height * rows), squeeze=False, sharex=True
        )
        for i in range(shown):
            for k in range(n_features):
                ax = axes[k, i]
                band = ax.twinx()
                magnitude = np.abs(maps[i, :, k])
                band.fill_between(steps, 0, magnitude, color=OKABE_ITO[1], alpha=0.35, lw=0, step="mid")
                band.set_ylim(0, float(np.nanmax(magnitude)) * 1.05 or 1.0)
                band.tick_params(axis="y", labelsize=7, colors=OKABE_ITO[1])
                band.spines["right"].set_visible(True)
                ax.set_zorder(band.get_zorder() + 1)  # the input line above the band
                ax.patch.set_visible(False)
                ax.plot(steps, inputs[i, :, k], color=OKABE_ITO[0], linewidth=1.2)
                if i == 0:
                    ax.set_ylabel(names[k])
                if k == 0:
                    ax.set_title(titles[i] if titles is not None else f"sample {i}")
            axes[-1, i].set_xlabel("time step")
        if title:
            fig.suptitle(title)
        handles = [
            plt.Line2D([], [], color=OKABE_ITO[0], label="input (left axis)"),
            plt.Rectangle((0, 0), 1, 1, color=OKABE_ITO[1], alpha=0.35, label="|saliency| (right axis)"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=2)
        return _save(fig, path)


def plot_class_series(
    class_means: object,
    path: PathLike,
    *,
    class_names: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
    title: str = "",
) -> Path:
    """Each class's mean saliency over time, one row per channel (each channel on its own scale).

    Args:
        class_means: mean saliency per class (C, T, F), e.g. from
            :func:`salience.metrics.temporal.class_mean_saliency`.
        path: where the PNG goes.
        class_names: C legend labels (default "class c").
        feature_names: F channel names (row labels).
        title: title above the first row (default "mean saliency per class").

    Example:
        >>> import numpy as np, pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "c.png"
        >>> means = np.random.default_rng(0).random((2, 15, 3))
        >>> plot_class_series(means, out, class_names=["a", "b"]).exists()
        True
    """
    means = _as_array(class_means, "class_means", 3, "(C, T, F)")
    n_classes, n_steps, n_features = means.shape
    if n_classes == 0 or n_steps == 0 or n_features == 0:
        raise ValueError(f"class_means: expected at least one class, step and feature, got {means.shape}")
    classes = _names(class_names, "class_names", n_classes, "class {}")
    names = _names(feature_names, "feature_names", n_features, "dim_{}")
    rows, row_height = _channel_rows(n_features)
    steps = np.arange(n_steps)
    with style():
        size = (_WIDTH, 0.6 + row_height * rows)
        fig, axes = plt.subplots(rows, 1, figsize=size, squeeze=False, sharex=True)
        for k in range(n_features):
            ax = axes[k, 0]
            for c in range(n_classes):
                ax.plot(steps, means[c, :, k], color=OKABE_ITO[c % len(OKABE_ITO)], label=classes[c])
            ax.set_ylabel(names[k])
            ax.grid(True, axis="y")
        axes[0, 0].set_title(title or "mean saliency per class")
        axes[-1, 0].set_xlabel("time step")
        _legend(axes[0, 0])
        return _save(fig, path)
