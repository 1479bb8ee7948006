"""Matplotlib figures: class-mean saliency heatmaps and saliency-over-time profiles.

One style for every figure: a sequential colour-blind-safe map (``cividis``) for saliency and the
Okabe–Ito palette for lines. Figures are written atomically as PNG and closed.

Example:
    >>> import numpy as np, pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "profile.png"
    >>> _ = plot_saliency_profiles({"LSTM": np.linspace(0, 1, 10)}, out)
    >>> out.exists()
    True
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from salience._io import atomic_path

SALIENCY_CMAP = "cividis"
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def _save(fig: plt.Figure, path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return target


def plot_class_heatmaps(
    class_means: np.ndarray,
    path: str | os.PathLike[str],
    *,
    title: str = "",
    class_names: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
    mask: np.ndarray | None = None,
) -> Path:
    """One heatmap (time on the y axis, features on the x axis) per class of ``class_means`` (C, T, F).

    ``mask`` (T, F), if given, is outlined in white: the ground-truth informative cells.
    """
    class_means = np.asarray(class_means, dtype=float)
    if class_means.ndim != 3:
        raise ValueError(f"class_means: expected shape (C, T, F), got {class_means.shape}")
    n_classes, _n_steps, n_features = class_means.shape
    fig, axes = plt.subplots(1, n_classes, figsize=(3.4 * n_classes + 0.8, 3.4), squeeze=False)
    vmax = float(np.nanmax(class_means)) if np.isfinite(class_means).any() else 1.0
    image = None
    for c, ax in enumerate(axes[0]):
        image = ax.imshow(
            class_means[c], aspect="auto", cmap=SALIENCY_CMAP, vmin=0.0, vmax=vmax or 1.0,
            origin="upper", interpolation="nearest",
        )  # fmt: skip
        if mask is not None:
            ax.contour(np.asarray(mask, dtype=float), levels=[0.5], colors="white", linewidths=0.8)
        name = class_names[c] if class_names is not None and c < len(class_names) else f"class {c}"
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("feature")
        if feature_names is not None and len(feature_names) == n_features and n_features <= 30:
            ax.set_xticks(range(n_features), feature_names, rotation=90, fontsize=6)
        if c == 0:
            ax.set_ylabel("time step")
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.85, label="mean normalised |saliency|")
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def plot_saliency_profiles(
    profiles: Mapping[str, np.ndarray],
    path: str | os.PathLike[str],
    *,
    title: str = "Saliency over time",
    box_steps: tuple[int, int] | None = None,
) -> Path:
    """Mean normalised saliency per time step, one line per model (the vanishing-saliency curve).

    ``box_steps`` = (start, stop) shades the time range of the informative box.
    """
    if not profiles:
        raise ValueError("profiles: expected at least one model's profile")
    fig, ax = plt.subplots(figsize=(6.0, 3.4))
    if box_steps is not None:
        ax.axvspan(box_steps[0], box_steps[1] - 1, color="0.9", label="informative steps")
    for i, (label, profile) in enumerate(profiles.items()):
        profile = np.asarray(profile, dtype=float)
        ax.plot(np.arange(len(profile)), profile, color=OKABE_ITO[i % len(OKABE_ITO)], label=label, lw=1.6)
    ax.set_xlabel("time step")
    ax.set_ylabel("mean normalised |saliency|")
    ax.set_title(title, fontsize=10)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return _save(fig, path)
