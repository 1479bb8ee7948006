"""Figures: every plot of the library in one colour-blind-safe style (arrays in, image files out)."""

from salience.figures.plots import (
    DIVERGING_CMAP,
    INPUT_CMAP,
    MARKERS,
    MAX_TICK_LABELS,
    OKABE_ITO,
    SALIENCY_CMAP,
    STYLE,
    plot_bucket_distribution,
    plot_class_heatmaps,
    plot_gradient_distribution,
    plot_masked_accuracy,
    plot_moving_box_curves,
    plot_precision_recall,
    plot_saliency_profiles,
    plot_sample_heatmaps,
    style,
)

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
