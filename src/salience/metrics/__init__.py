"""Saliency and model metrics.

- :mod:`salience.metrics.ground_truth`: agreement with known informative cells, per sample —
  :func:`weighted_jaccard`, :func:`euclidean_distance`, and the shared per-sample min-max
  :func:`normalize_saliency` (ŝ);
- :mod:`salience.metrics.masks`: the benchmark's masks by cumulative saliency mass —
  :func:`saliency_mass_masks`, :func:`saliency_mass_counts`;
- :mod:`salience.metrics.precision_recall`: saliency-weighted precision and recall at cell, time and
  feature level — :func:`weighted_precision_recall`, :func:`precision_recall_curve`, :func:`aup`,
  :func:`aur`, :func:`aupr`, :func:`ground_truth_scores` (all at once), :func:`diff_scores`;
- :mod:`salience.metrics.masked_accuracy`: the accuracy drop — :func:`masked_accuracy_curve`,
  :func:`masked_accuracy_area`;
- :mod:`salience.metrics.removal`: the accuracy drop by fraction of top-ranked cells removed (saliency
  guided training's MNIST evaluation) — :func:`accuracy_drop_curve`, :func:`removal_counts`;
- :mod:`salience.metrics.faithfulness`: faithfulness without ground truth — deletion and insertion
  curves (:func:`perturbation_curve`, :func:`deletion_curve`, :func:`insertion_curve`,
  :func:`cell_ranks`) and time-series comprehensiveness and sufficiency (:func:`aopc_scores`);
- :mod:`salience.metrics.faithfulness_table`: :func:`faithfulness_table`, one row per method;
- :mod:`salience.metrics.distribution`: :func:`saliency_distribution`;
- :mod:`salience.metrics.eraser`: ERASER's comprehensiveness and sufficiency (AOPC) of token
  rationales — :func:`eraser_scores`, :func:`rationale_sizes`, :func:`delete_tokens`;
- :mod:`salience.metrics.sparsity`: how concentrated maps are — :func:`gini_index`,
  :func:`fraction_near_zero`, :func:`saliency_histogram`;
- :mod:`salience.metrics.temporal`: where saliency falls in time — :func:`saliency_over_time`
  (vanishing-saliency profile), :func:`class_mean_saliency`, :func:`late_mass_fraction`;
- :mod:`salience.metrics.buckets`: shares of the top-salient cells per time bucket (the on-task /
  off-task figure) — :func:`time_bucket_distribution`, :func:`on_off_buckets`;
- :mod:`salience.metrics.classification`: :func:`accuracy`;
- :mod:`salience.metrics.catalog`: what each stored metric means — :data:`METRICS`,
  :data:`LEVEL_METRICS`, :func:`metric_info`.
"""

from salience.metrics.buckets import BucketShares, on_off_buckets, time_bucket_distribution
from salience.metrics.catalog import LEVEL_METRICS, METRICS, MetricInfo, metric_info
from salience.metrics.classification import accuracy
from salience.metrics.distribution import saliency_distribution
from salience.metrics.eraser import ERASER_LEVELS, EraserScores, delete_tokens, eraser_scores, rationale_sizes
from salience.metrics.faithfulness import (
    CURVE_FRACTIONS,
    PerturbationCurve,
    aopc_scores,
    cell_ranks,
    deletion_curve,
    insertion_curve,
    perturbation_curve,
)
from salience.metrics.faithfulness_table import TABLE_COLUMNS, faithfulness_table
from salience.metrics.ground_truth import euclidean_distance, normalize_saliency, weighted_jaccard
from salience.metrics.masked_accuracy import ACCURACY_LEVELS, masked_accuracy_area, masked_accuracy_curve
from salience.metrics.masks import MASS_LEVELS, saliency_mass_counts, saliency_mass_masks
from salience.metrics.precision_recall import (
    aup,
    aupr,
    aur,
    diff_scores,
    ground_truth_scores,
    precision_recall_curve,
    weighted_precision_recall,
)
from salience.metrics.removal import REMOVAL_FRACTIONS, accuracy_drop_curve, removal_counts
from salience.metrics.sparsity import NEAR_ZERO_TOLERANCE, fraction_near_zero, gini_index, saliency_histogram
from salience.metrics.temporal import class_mean_saliency, late_mass_fraction, saliency_over_time

__all__ = [
    "ACCURACY_LEVELS",
    "CURVE_FRACTIONS",
    "ERASER_LEVELS",
    "LEVEL_METRICS",
    "MASS_LEVELS",
    "METRICS",
    "NEAR_ZERO_TOLERANCE",
    "REMOVAL_FRACTIONS",
    "TABLE_COLUMNS",
    "BucketShares",
    "EraserScores",
    "MetricInfo",
    "PerturbationCurve",
    "accuracy",
    "accuracy_drop_curve",
    "aopc_scores",
    "aup",
    "aupr",
    "aur",
    "cell_ranks",
    "class_mean_saliency",
    "delete_tokens",
    "deletion_curve",
    "diff_scores",
    "eraser_scores",
    "euclidean_distance",
    "faithfulness_table",
    "fraction_near_zero",
    "gini_index",
    "ground_truth_scores",
    "insertion_curve",
    "late_mass_fraction",
    "masked_accuracy_area",
    "masked_accuracy_curve",
    "metric_info",
    "normalize_saliency",
    "on_off_buckets",
    "perturbation_curve",
    "precision_recall_curve",
    "rationale_sizes",
    "removal_counts",
    "saliency_distribution",
    "saliency_histogram",
    "saliency_mass_counts",
    "saliency_mass_masks",
    "saliency_over_time",
    "time_bucket_distribution",
    "weighted_jaccard",
    "weighted_precision_recall",
]
