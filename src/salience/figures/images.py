"""Saliency maps drawn as images (inputs whose two axes are both spatial, such as MNIST digits).

Example:
    >>> import numpy as np, pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "maps.png"
    >>> digits = np.random.default_rng(0).random((2, 28, 28))
    >>> plot_saliency_images(digits, {"Traditional": digits - 0.5}, out) == out
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from salience.figures.theme import INPUT_CMAP, OKABE_ITO, PathLike, _as_array, _check_series, _save
from salience.metrics import saliency_histogram

#: Signed maps are drawn on a diverging purple-orange scale, symmetric around zero.
SIGNED_IMAGE_CMAP = "PuOr_r"


def plot_saliency_images(
    images: object,
    maps: Mapping[str, object],
    path: PathLike,
    *,
    map_name: str = "gradient",
    title: str = "Vanilla gradient of digits both models classify correctly",
) -> Path:
    """One row per image: the input, each model's signed map scaled per image to [−1, 1], and the
    distribution of each map's scaled values (log scale).

    Saliency guided training's Figure 2 (sparser, less noisy gradients after saliency guided training).

    Args:
        images: inputs (n, H, W).
        maps: series label (e.g. the training) -> signed maps (n, H, W) of the same images.
        path: where the PNG goes.
        map_name: what the maps are, for the column titles.
        title: figure title.
    """
    pictures = _as_array(images, "images", 3, "(n, H, W)")
    series = {
        label: _as_array(value, f"maps[{label!r}]", 3, "(n, H, W)")
        for label, value in _check_series(maps, "maps").items()
    }
    for label, value in series.items():
        if value.shape != pictures.shape:
            expected = tuple(pictures.shape)
            raise ValueError(f"maps[{label!r}]: expected the images' shape {expected}, got {value.shape}")
    rows = max(1, pictures.shape[0])
    fig, axes = plt.subplots(
        rows, len(series) + 2, figsize=(9.0, 2.2 * rows), squeeze=False,
        gridspec_kw={"width_ratios": [1] * (len(series) + 1) + [1.5]},
    )  # fmt: skip
    titles = ["input", *(f"{label} {map_name}" for label in series), f"{map_name} distribution"]
    for row in range(pictures.shape[0]):
        axes[row, 0].imshow(pictures[row], cmap=INPUT_CMAP, interpolation="nearest")
        for col, (label, value) in enumerate(series.items(), start=1):
            peak = float(np.abs(value[row]).max()) or 1.0
            axes[row, col].imshow(
                value[row] / peak, cmap=SIGNED_IMAGE_CMAP, vmin=-1, vmax=1, interpolation="nearest"
            )
            fractions, edges = saliency_histogram(torch.from_numpy(value[row][None]), bins=41)
            centres = 0.5 * (edges[1:] + edges[:-1]).numpy()
            axes[row, -1].plot(centres, fractions.numpy(), color=OKABE_ITO[col - 1], lw=1.4, label=label)
        axes[row, -1].set_yscale("log")
        axes[row, -1].set_xlim(-1, 1)
        for col in range(len(series) + 1):
            axes[row, col].set_xticks([])
            axes[row, col].set_yticks([])
    for col, text in enumerate(titles):
        axes[0, col].set_title(text, fontsize=9)
    if pictures.shape[0]:
        axes[0, -1].legend(fontsize=7, frameon=False)
        axes[-1, -1].set_xlabel(f"{map_name} / max |{map_name}|")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)
