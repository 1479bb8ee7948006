"""Line and bar charts: saliency over time per model and the share of top-salient cells per time
bucket (the home of every curve or bar chart of the library).

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

