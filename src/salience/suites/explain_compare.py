"""The method comparison of an explain run (``methods.csv``): one row per method.

Columns (:data:`METHOD_COLUMNS`): the method, the seconds its attributions took, the top feature and
its share of |saliency|, the top time window and its share, and ``top10_share``: the share of a
sample's |saliency| held by its top 10 % cells (by |saliency|, at least one cell, padding excluded),
averaged over the samples with any saliency. A concentrated map scores near 1, a flat one 0.1.

Then the ground-truth-free faithfulness scores of :func:`salience.metrics.faithfulness_table` (no
mask needed): ``deletion_auc`` (the MoRF deletion curve's area, lower is better), ``insertion_auc``
(higher), ``deletion_lerf_auc`` (higher), ``comprehensiveness`` (higher) and ``sufficiency`` (lower),
with removed cells set to 0 (each feature's training mean on the standardised inputs the checkpoint
sees) and each sample's explained class as the target; empty when the run skipped them.

Example:
    >>> s = np.zeros((1, 10, 2)); s[0, 3, 1] = 2.0; s[0, 5, 0] = 2.0
    >>> float(top_cells_share(s, fraction=0.1))
    1.0
    >>> float(top_cells_share(np.ones((1, 10, 2))))
    0.1
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

FAITHFULNESS_COLUMNS = (
    "deletion_auc", "insertion_auc", "deletion_lerf_auc", "comprehensiveness", "sufficiency",
)  # fmt: skip
METHOD_COLUMNS = (
    "method", "seconds", "top_feature", "top_feature_share", "top_window", "top_window_share", "top10_share",
    *FAITHFULNESS_COLUMNS,
)  # fmt: skip


def top_cells_share(saliency: np.ndarray, lengths: np.ndarray | None = None, fraction: float = 0.1) -> float:
    """Mean share of |saliency| in each sample's top ``fraction`` of its cells (see the module)."""
    cells = np.abs(np.asarray(saliency, dtype=np.float64))
    n, t = cells.shape[:2]
    shares = []
    for i in range(n):
        valid = cells[i, : t if lengths is None else int(lengths[i])].ravel()
        total = valid.sum()
        if total > 0:
            k = max(1, math.ceil(fraction * valid.size))
            shares.append(np.sort(valid)[::-1][:k].sum() / total)
    return float(np.mean(shares)) if shares else 0.0


def method_row(result: Any) -> list[Any]:
    """The ``methods.csv`` row of one :class:`~salience.suites.explain_run.MethodResult`."""
    ranking = result.ranking
    feature, window = int(ranking.feature_order()[0]), int(ranking.window_order()[0])
    start, end = ranking.windows[window]
    return [
        result.method, round(result.seconds, 4), ranking.features[feature],
        float(ranking.feature_share[feature]), f"{start}-{end}", float(ranking.window_share[window]),
        result.top10_share, *(result.faithfulness.get(c, "") for c in FAITHFULNESS_COLUMNS),
    ]  # fmt: skip
