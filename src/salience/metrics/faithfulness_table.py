"""One row of ground-truth-free faithfulness scores per attribution method, for a comparison table.

Every method's maps of the same model and inputs are scored with the same target (the prediction
on the clean input unless given), baseline and padding by :mod:`salience.metrics.faithfulness`:

- ``deletion_auc``: area of the MoRF deletion curve (lower is better);
- ``insertion_auc``: area of the MoRF insertion curve (higher is better);
- ``deletion_lerf_auc``: area of the LeRF deletion curve (higher is better: removing the least
  relevant cells first should keep the prediction);
- ``comprehensiveness`` (higher is better) and ``sufficiency`` (lower is better): AOPC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from torch import nn

from salience._validation import ArrayLike, as_tensor
from salience.metrics.eraser import ERASER_LEVELS
from salience.metrics.faithfulness import CURVE_FRACTIONS, aopc_scores, perturbation_curve

TABLE_COLUMNS: tuple[str, ...] = (
    "method", "deletion_auc", "insertion_auc", "deletion_lerf_auc", "comprehensiveness", "sufficiency",
)  # fmt: skip
"""The columns of :func:`faithfulness_table`'s rows, in order."""


def faithfulness_table(
    model: nn.Module,
    x: ArrayLike,
    maps_by_method: Mapping[str, ArrayLike],
    *,
    target: ArrayLike | None = None,
    lengths: ArrayLike | None = None,
    baseline: str | float | ArrayLike = "zero",
    feature_mean: ArrayLike | None = None,
    absolute: bool = False,
    fractions: Sequence[float] = CURVE_FRACTIONS,
    levels: Sequence[float] = ERASER_LEVELS,
    batch_size: int = 256,
) -> list[dict[str, float | str]]:
    """One dict per method (keys :data:`TABLE_COLUMNS`, sample means), in ``maps_by_method``'s order.

    Args:
        model, x, target, lengths, baseline, feature_mean, batch_size: as
            :func:`~salience.metrics.faithfulness.perturbation_curve`.
        maps_by_method: the maps (N, T, F) of each method, by method name.
        absolute: rank the cells by |map| instead of the signed values.
        fractions: the curves' fraction grid; levels: the AOPC levels.

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(6, 2))
        >>> x = torch.rand(4, 3, 2)
        >>> rows = faithfulness_table(net, x, {"a": torch.rand(4, 3, 2), "b": x})
        >>> [row["method"] for row in rows], list(rows[0]) == list(TABLE_COLUMNS)
        (['a', 'b'], True)
    """
    if not isinstance(maps_by_method, Mapping) or not maps_by_method:
        raise ValueError("maps_by_method: expected a non-empty mapping of method name to maps (N, T, F)")
    if not isinstance(absolute, bool):
        raise TypeError(f"absolute: expected a bool, got {type(absolute).__name__}")
    common = {"target": target, "lengths": lengths, "baseline": baseline, "feature_mean": feature_mean,
              "batch_size": batch_size}  # fmt: skip
    rows: list[dict[str, float | str]] = []
    for name, maps in maps_by_method.items():
        if not isinstance(name, str):
            raise TypeError(f"maps_by_method: expected method names (str), got {type(name).__name__}")
        ranking = as_tensor(maps, f"maps_by_method[{name!r}]")
        ranking = ranking.abs() if absolute else ranking
        curve = {
            (kind, order): perturbation_curve(
                model, x, ranking, kind=kind, order=order, fractions=fractions, **common
            ).mean_area
            for kind, order in (("deletion", "morf"), ("insertion", "morf"), ("deletion", "lerf"))
        }
        aopc = aopc_scores(model, x, ranking, levels=levels, **common)
        rows.append({
            "method": name,
            "deletion_auc": curve["deletion", "morf"],
            "insertion_auc": curve["insertion", "morf"],
            "deletion_lerf_auc": curve["deletion", "lerf"],
            "comprehensiveness": float(aopc.comprehensiveness.mean()),
            "sufficiency": float(aopc.sufficiency.mean()),
        })  # fmt: skip
    return rows
