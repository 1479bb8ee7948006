"""What every stored metric means: direction, whether it needs ground truth, its range.

:data:`METRICS` holds the metrics with fixed names; :data:`LEVEL_METRICS` the families with one value
per level, named ``<stem>@<percent>`` (``precision@30``, ``time_recall@50``, ``masked_accuracy@0``).
:func:`metric_info` resolves either kind. Ranges are for the default levels (10 %, …, 90 % for the
precision/recall areas, whose maximum is then 0.8); ``math.inf`` marks an unbounded end.
``higher_is_better`` is None for bookkeeping values that are not scores (epochs, profiles).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class MetricInfo:
    """Metadata of one metric.

    Example:
        >>> info = metric_info("aup")
        >>> info.higher_is_better, info.needs_ground_truth, info.range
        (True, True, (0.0, 0.8))
    """

    name: str
    higher_is_better: bool | None
    needs_ground_truth: bool
    description: str
    range: tuple[float, float]


_UNBOUNDED = (0.0, math.inf)
_FRACTION = (0.0, 1.0)
_AREA = (0.0, 0.8)


def _entries(*rows: tuple[str, bool | None, bool, tuple[float, float], str]) -> dict[str, MetricInfo]:
    """``(name, higher_is_better, needs_ground_truth, range, description)`` rows as a dict by name."""
    return {
        name: MetricInfo(name, better, truth, description, bounds)
        for name, better, truth, bounds, description in rows
    }


def _areas(prefix: str, unit: str) -> list[tuple[str, bool, bool, tuple[float, float], str]]:
    curve = "curve, trapezoid over the mass levels 0.1…0.9"
    return [
        (f"{prefix}aup", True, True, _AREA, f"area under the saliency-weighted {unit}precision {curve}"),
        (f"{prefix}aur", True, True, _AREA, f"area under the saliency-weighted {unit}recall {curve}"),
        (f"{prefix}aupr", True, True, _FRACTION,
         f"area under the {unit}precision-recall curve (precision sorted by recall, x = recall)"),
    ]  # fmt: skip


METRICS: dict[str, MetricInfo] = _entries(
    ("wjac", True, True, _FRACTION, "weighted Jaccard Σ min(g, ŝ) / Σ max(g, ŝ), mean over samples"),
    ("wjac_std", None, True, _FRACTION, "standard deviation of the per-sample weighted Jaccard"),
    ("euc", False, True, _UNBOUNDED, "relative Euclidean distance ‖g − ŝ‖ / ‖g‖, mean over samples"),
    ("euc_std", None, True, _UNBOUNDED, "standard deviation of the per-sample Euclidean distance"),
    ("acc", True, False, _FRACTION, "test accuracy (fraction of correct predictions)"),
    ("accuracy", True, False, _FRACTION, "test accuracy (fraction of correct predictions)"),
    ("val_acc", True, False, _FRACTION, "best validation accuracy during training"),
    ("late_fraction", None, False, _FRACTION,
     "share of the mean saliency-over-time profile in the last steps (near 1: vanishing saliency)"),
    ("late_mass_fraction", None, False, _FRACTION,
     "share of a temporal saliency profile's mass in its last steps"),
    ("late_bucket_share", None, False, _FRACTION,
     "share of each sample's top-5 % |saliency| cells in the last on-task and the off-task time bucket, "
     "mean over samples (near 1: saliency piled on the last steps)"),
    *_areas("", ""),
    *_areas("time_", "time-level "),
    *_areas("feature_", "feature-level "),
    ("diff_aup", True, True, (-0.8, 0.8), "AUP of the method minus AUP of the random baseline saliency"),
    ("diff_aur", True, True, (-0.8, 0.8), "AUR of the method minus AUR of the random baseline saliency"),
    ("masked_accuracy_auc", False, False, (0.0, 100.0),
     "area under the accuracy-drop curve in percent (trapezoid of accuracy in % over the levels 0…1); "
     "lower means a faster drop"),
    ("accuracy_drop_auc", False, False, (0.0, 90.0),
     "area under the accuracy-drop-by-removed-cells curve in percent (trapezoid of accuracy in % over the "
     "removed fractions 0…0.9); lower means a steeper drop"),
    ("deletion_auc", False, False, _FRACTION,
     "area under the MoRF deletion curve (target-class probability as the most salient valid cells are "
     "replaced by the baseline, trapezoid over the fractions 0…1); lower is better"),
    ("insertion_auc", True, False, _FRACTION,
     "area under the MoRF insertion curve (target-class probability as the most salient valid cells are "
     "restored into the baseline, trapezoid over the fractions 0…1); higher is better"),
    ("deletion_lerf_auc", True, False, _FRACTION,
     "area under the LeRF deletion curve (least salient cells replaced first); higher is better"),
    ("comprehensiveness", True, False, (-1.0, 1.0),
     "AOPC comprehensiveness: p(x) − p(x without its top-k cells), mean over k = 1, 5, 10, 20, 50 %"),
    ("sufficiency", False, False, (-1.0, 1.0),
     "AOPC sufficiency: p(x) − p(only the top-k cells kept), mean over k = 1, 5, 10, 20, 50 %"),
    ("randomization_spearman", False, False, (-1.0, 1.0),
     "Spearman rank correlation of |maps| between the trained model and the model with every layer "
     "re-initialised (cascading randomisation sanity check), mean over samples; lower is better"),
    ("gini", None, False, _FRACTION,
     "Gini index of |saliency| per sample (Hurley & Rickard), mean over samples; higher is sparser"),
    ("near_zero_fraction", None, False, _FRACTION,
     "share of a sample's cells with |saliency| ≤ 1 % of its largest, mean over samples"),
    ("epochs", None, False, _UNBOUNDED, "training epochs run (bookkeeping)"),
    ("best_epoch", None, False, _UNBOUNDED, "epoch of the selected checkpoint (bookkeeping)"),
    ("seconds", False, False, _UNBOUNDED, "wall-clock seconds of the task"),
)  # fmt: skip
"""Metrics with fixed names, by name."""

LEVEL_METRICS: dict[str, MetricInfo] = {
    f"{prefix}{kind}": MetricInfo(
        f"{prefix}{kind}@<p>",
        True,
        True,
        f"saliency-weighted {unit}{kind} at saliency-mass level p %, mean over samples with a positive "
        "denominator",
        (0.0, 1.0),
    )
    for prefix, unit in (("", ""), ("time_", "time-level "), ("feature_", "feature-level "))
    for kind in ("precision", "recall")
} | {
    "masked_accuracy": MetricInfo(
        "masked_accuracy@<p>",
        False,
        False,
        "test accuracy after replacing the cells holding p % of the saliency mass (p = 0: unmasked); "
        "lower means the map found what the model uses",
        (0.0, 1.0),
    ),
    "accuracy_drop": MetricInfo(
        "accuracy_drop@<p>",
        False,
        False,
        "test accuracy after replacing each sample's top-ranked p % of cells by its background value "
        "(p = 0 is the stored accuracy); lower means the map found what the model uses",
        (0.0, 1.0),
    ),
}
"""Per-level metric families, by stem; their names are ``<stem>@<p>`` with p in percent."""

_LEVEL_NAME = re.compile(r"(?P<stem>[a-z_]+)@(?P<percent>\d+(?:\.\d+)?)")


def metric_info(name: str) -> MetricInfo:
    """The :class:`MetricInfo` of a stored metric name, including per-level names such as ``precision@30``.

    Example:
        >>> metric_info("precision@30").description.split(" at ")[0]
        'saliency-weighted precision'
        >>> metric_info("masked_accuracy@100").higher_is_better
        False
    """
    if not isinstance(name, str):
        raise TypeError(f"name: expected a metric name (str), got {type(name).__name__}")
    if name in METRICS:
        return METRICS[name]
    match = _LEVEL_NAME.fullmatch(name)
    if match and match["stem"] in LEVEL_METRICS:
        percent = float(match["percent"])
        lowest = 0.0 if match["stem"] == "masked_accuracy" else math.nextafter(0.0, 1.0)
        if not lowest <= percent <= 100.0:
            bound = "[0, 100]" if lowest == 0 else "(0, 100]"
            raise ValueError(f"name: expected the level of {name!r} in {bound} percent")
        family = LEVEL_METRICS[match["stem"]]
        description = family.description.replace("p %", f"{match['percent']} %")
        return replace(family, name=name, description=description)
    known = ", ".join([*sorted(METRICS), *(f"{stem}@<p>" for stem in sorted(LEVEL_METRICS))])
    raise ValueError(f"name: unknown metric {name!r}; expected one of {known}")
