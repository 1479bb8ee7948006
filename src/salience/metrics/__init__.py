"""Saliency and model metrics.

- :mod:`salience.metrics.ground_truth`: agreement with known informative cells, per sample —
  :func:`weighted_jaccard`, :func:`euclidean_distance`, and the shared per-sample min-max
  :func:`normalize_saliency` (ŝ);
- :mod:`salience.metrics.temporal`: where saliency falls in time — :func:`saliency_over_time`
  (vanishing-saliency profile), :func:`class_mean_saliency`, :func:`late_mass_fraction`;
- :mod:`salience.metrics.classification`: :func:`accuracy`.
"""

from salience.metrics.classification import accuracy
from salience.metrics.ground_truth import euclidean_distance, normalize_saliency, weighted_jaccard
from salience.metrics.temporal import class_mean_saliency, late_mass_fraction, saliency_over_time

__all__ = [
    "accuracy",
    "class_mean_saliency",
    "euclidean_distance",
    "late_mass_fraction",
    "normalize_saliency",
    "saliency_over_time",
    "weighted_jaccard",
]
