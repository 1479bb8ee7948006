"""Figures (and, later, the HTML report) built from run directories."""

from salience.report.plots import OKABE_ITO, SALIENCY_CMAP, plot_class_heatmaps, plot_saliency_profiles

__all__ = ["OKABE_ITO", "SALIENCY_CMAP", "plot_class_heatmaps", "plot_saliency_profiles"]
