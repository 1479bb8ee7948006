"""Figures: every plot of the library in one colour-blind-safe style (arrays in, PNG files out).

Grouped by kind:

- :mod:`salience.figures.theme`: palette, colour maps, rcParams (:func:`style`), the atomic PNG
  writer and the input checks every plot shares;
- :mod:`salience.figures.heatmaps`: saliency heatmaps per sample and per class (time on x,
  features on y);
- :mod:`salience.figures.curves`: line and bar charts (saliency over time, the share of top-salient
  cells per time bucket, accuracy against removed inputs, paired bars beside published values);
- :mod:`salience.figures.images`: saliency maps drawn as images (MNIST digits);
- :mod:`salience.figures.series`: real series with few channels as line plots, saliency shaded beneath.

Inside :func:`svg_copies` every figure is also written as SVG (``svg/STEM.svg`` beside the PNG).

A figure of a new kind gets its own module here, re-exported below. Importing the package selects
matplotlib's non-interactive ``Agg`` backend.

Example:
    >>> import numpy as np, pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "profile.png"
    >>> plot_saliency_profiles({"LSTM": np.linspace(0, 1, 10)}, out) == out
    True
"""

from salience.figures.curves import (
    plot_bucket_distribution,
    plot_paired_bars,
    plot_removal_curves,
    plot_saliency_profiles,
    plot_training_curve,
)
from salience.figures.heatmaps import plot_class_heatmaps, plot_sample_heatmaps
from salience.figures.images import plot_saliency_images
from salience.figures.series import MAX_LINE_CHANNELS, plot_class_series, plot_sample_series
from salience.figures.theme import (
    DIVERGING_CMAP,
    INPUT_CMAP,
    MARKERS,
    MAX_TICK_LABELS,
    OKABE_ITO,
    SALIENCY_CMAP,
    STYLE,
    style,
    svg_copies,
)

__all__ = [
    "DIVERGING_CMAP",
    "INPUT_CMAP",
    "MARKERS",
    "MAX_LINE_CHANNELS",
    "MAX_TICK_LABELS",
    "OKABE_ITO",
    "SALIENCY_CMAP",
    "STYLE",
    "plot_bucket_distribution",
    "plot_class_heatmaps",
    "plot_class_series",
    "plot_paired_bars",
    "plot_removal_curves",
    "plot_saliency_images",
    "plot_saliency_profiles",
    "plot_sample_heatmaps",
    "plot_sample_series",
    "plot_training_curve",
    "style",
    "svg_copies",
]
