"""The figures of an explain run: per method, the class-mean and single-sample saliency and the profile
over time; once per run, the checkpoint's training curve.

Series with at most :data:`~salience.figures.MAX_LINE_CHANNELS` channels are drawn as line plots
(input with |saliency| shaded beneath, one row per channel, each on its own scale); more channels as
heatmaps. Every figure is written as PNG (embedded in the report) and SVG (``figures/svg/``, for
papers); ``figures/captions.json`` holds the captions. With several methods each figure name starts
with the method (``gradient-class_series.png``).

Example:
    >>> import pathlib, tempfile
    >>> from salience.data import make_box
    >>> data = make_box("earlier", n=6, n_steps=10, n_features=2, seed=0)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> captions = write_method_figures(folder, data.x, data, data.y, "gradient")
    >>> list(captions)
    ['class_series.png', 'sample_series.png', 'saliency_profile.png']
    >>> (folder / "svg" / "class_series.svg").exists()
    True
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from salience._io import write_text_atomic
from salience.data import Dataset
from salience.figures import (
    MAX_LINE_CHANNELS,
    plot_class_heatmaps,
    plot_class_series,
    plot_saliency_profiles,
    plot_sample_heatmaps,
    plot_sample_series,
    plot_training_curve,
    svg_copies,
)
from salience.metrics import normalize_saliency, saliency_over_time
from salience.metrics.temporal import class_mean_saliency

CAPTIONS_FILE = "captions.json"
_CAPTIONS = {
    "class_heatmaps.png": "Mean normalised |saliency| of each class's samples (time × feature)",
    "sample_heatmaps.png": "Inputs and saliency of single samples (one per class first)",
    "class_series.png": "Mean normalised |saliency| of each class over time, one row per channel",
    "sample_series.png": "Single samples (one per class first): input per channel, |saliency| shaded beneath",
    "saliency_profile.png": "Mean normalised |saliency| per time step, all samples and per class",
}


def names_of(dataset: Dataset, key: str, count: int, default: str) -> list[str]:
    """``dataset.meta[key]`` when it names ``count`` things, else ``default`` formatted with 0..count-1."""
    names = dataset.meta.get(key)
    if isinstance(names, list) and len(names) == count:
        return [str(n) for n in names]
    return [default.format(i) for i in range(count)]


def write_method_figures(
    folder: Path,
    saliency: np.ndarray,
    dataset: Dataset,
    predictions: np.ndarray,
    method: str,
    *,
    prefix: str = "",
    class_names: list[str] | None = None,
) -> dict[str, str]:
    """Write one method's figures into ``folder`` (PNG and SVG); return their captions by file name."""
    folder.mkdir(parents=True, exist_ok=True)
    features = names_of(dataset, "feature_names", dataset.n_features, "dim_{}")
    classes = class_names or names_of(dataset, "class_names", dataset.n_classes, "class {}")
    lengths = None if dataset.lengths is None else torch.from_numpy(dataset.lengths)
    s_hat = normalize_saliency(saliency, lengths)
    means = class_mean_saliency(s_hat, torch.from_numpy(dataset.y), len(classes)).numpy()
    present = [c for c in range(len(classes)) if (dataset.y == c).any()]
    first = [int(np.flatnonzero(dataset.y == c)[0]) for c in present]
    picked = (first + [i for i in range(dataset.n_samples) if i not in first])[:4]
    titles = [f"#{i} {_name(classes, dataset.y[i])} (predicted {_name(classes, predictions[i])})"
              for i in picked]  # fmt: skip
    lines = dataset.n_features <= MAX_LINE_CHANNELS
    kind = "series" if lines else "heatmaps"
    with svg_copies():
        if lines:
            plot_class_series(
                means[present], folder / f"{prefix}class_series.png",
                class_names=[classes[c] for c in present],
                feature_names=features, title=f"{method}: class-mean saliency on {dataset.name}",
            )  # fmt: skip
            plot_sample_series(
                saliency[picked], x=_padded_as_nan(dataset, picked),
                path=folder / f"{prefix}sample_series.png",
                feature_names=features, sample_titles=titles, max_samples=3,
                title=f"{method}: saliency of single samples",
            )  # fmt: skip
        else:
            masks = dataset.mask
            shared = masks[0] if masks is not None and bool((masks == masks[:1]).all()) else None
            plot_class_heatmaps(
                means, folder / f"{prefix}class_heatmaps.png", title=f"{method}: class-mean saliency on "
                f"{dataset.name}", class_names=classes, feature_names=features, mask=shared,
            )  # fmt: skip
            plot_sample_heatmaps(
                saliency[picked], x=dataset.x[picked], mask=None if masks is None else masks[picked],
                feature_names=features, max_samples=len(picked), path=folder / f"{prefix}sample_heatmaps.png",
                sample_titles=titles, title=f"{method}: saliency of single samples",
            )  # fmt: skip
        profiles = {"all samples": saliency_over_time(saliency, lengths).numpy()}
        if len(classes) <= 6:
            for c in present:
                chosen = np.flatnonzero(dataset.y == c)
                sub = None if lengths is None else lengths[chosen]
                profiles[classes[c]] = saliency_over_time(saliency[chosen], sub).numpy()
        plot_saliency_profiles(
            profiles, folder / f"{prefix}saliency_profile.png", title=f"{method}: saliency over time"
        )
    names = [f"class_{kind}.png", f"sample_{kind}.png", "saliency_profile.png"]
    lead = f"{method}: " if prefix else ""
    return {f"{prefix}{name}": lead + _CAPTIONS[name] for name in names}


def write_training_figure(folder: Path, training: dict[str, Any]) -> dict[str, str]:
    """The training curve (train and validation accuracy per epoch) when the checkpoint stores one."""
    history = training.get("history") or []
    if not history:
        return {}
    curves = {
        "train (dropout on)": [e.get("train_accuracy", np.nan) for e in history],
        "validation": [e.get("val_accuracy", np.nan) for e in history],
    }
    with svg_copies():
        plot_training_curve(
            curves, folder / "training_curve.png", best_epoch=training.get("best_epoch"),
            title=f"How the checkpoint was trained ({training.get('kind', 'unknown')})",
        )  # fmt: skip
    return {"training_curve.png": "Accuracy per epoch while the checkpoint was trained; the dashed line is "
            "the selected epoch"}  # fmt: skip


def write_captions(folder: Path, captions: dict[str, str]) -> None:
    """``captions.json``: the report shows the figures in this order, with these captions."""
    write_text_atomic(folder / CAPTIONS_FILE, json.dumps(captions, indent=2))


def _padded_as_nan(dataset: Dataset, picked: list[int]) -> np.ndarray:
    """The inputs of ``picked`` with steps beyond their length as NaN (gaps in a line plot)."""
    x = dataset.x[picked].astype(np.float64)
    if dataset.lengths is not None:
        for row, i in enumerate(picked):
            x[row, int(dataset.lengths[i]) :] = np.nan
    return x


def _name(names: list[str], index: int) -> str:
    """``names[index]``, or ``class index`` for a class the data does not name (the model may know more)."""
    return names[index] if 0 <= index < len(names) else f"class {index}"
