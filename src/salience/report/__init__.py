"""Figures (and, later, the HTML report) built from run directories."""

from salience.report.html import REPORT_FILE, render_report, write_report
from salience.report.plots import (
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
    "REPORT_FILE",
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
    "render_report",
    "style",
    "write_report",
]
