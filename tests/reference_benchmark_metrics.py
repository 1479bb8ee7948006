"""Slow, literal references for the benchmark's ground-truth metrics (tests and benchmarks only).

Written directly from ``original-behaviour.md`` §2.9–2.13, one sample (and one level) at a time in
numpy, sharing no code with ``salience.metrics``:

- ŝ = |saliency| over the sample's valid steps, min-max scaled (0 everywhere when constant);
- cells ranked by descending ŝ, ties by flat index (a stable sort);
- the mask size X is found by the original's incremental search: start at X = 1 and, level after
  level, grow X while the top-X mass share is below p and X < (#cells − 1);
- an all-zero ŝ selects nothing (the library's documented choice where the original divides by 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch

LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def rescale(sample: np.ndarray, length: int | None = None) -> np.ndarray:
    """ŝ of one sample (length, F), float64."""
    s = np.abs(np.asarray(sample, dtype=np.float64)[: length if length is not None else len(sample)])
    low, high = s.min(), s.max()
    return (s - low) / (high - low) if high > low else np.zeros_like(s)


def ranked_cells(s_flat: np.ndarray) -> np.ndarray:
    """Flat indices by descending value, equal values in index order."""
    return np.array(sorted(range(len(s_flat)), key=lambda j: (-s_flat[j], j)), dtype=np.int64)


def mask_sizes_incremental(s_flat: np.ndarray, levels: Sequence[float]) -> list[int]:
    """X per level by the original's search, continued from the previous level's X."""
    total = s_flat.sum()
    if total == 0:
        return [0] * len(levels)
    order = ranked_cells(s_flat)
    cap = max(len(s_flat) - 1, 1)
    x, mass, sizes = 1, s_flat[order[0]], []
    for p in levels:
        while mass / total < p and x < cap:
            mass += s_flat[order[x]]
            x += 1
        sizes.append(x)
    return sizes


def mask_sizes_direct(s_flat: np.ndarray, levels: Sequence[float]) -> list[int]:
    """X per level straight from the definition: the smallest X ≥ 1 reaching p, capped, per level."""
    total = s_flat.sum()
    if total == 0:
        return [0] * len(levels)
    ordered = s_flat[ranked_cells(s_flat)]
    cap = max(len(s_flat) - 1, 1)
    sizes = []
    for p in levels:
        x = 1
        while x < len(ordered) and ordered[:x].sum() / total < p:
            x += 1
        sizes.append(min(x, cap))
    return sizes


def masks(saliency: np.ndarray, levels: Sequence[float] = LEVELS, lengths=None) -> np.ndarray:
    """Bool (L, N, T, F)."""
    n, t, f = saliency.shape
    out = np.zeros((len(levels), n, t, f), dtype=bool)
    for i in range(n):
        length = t if lengths is None else int(lengths[i])
        s = rescale(saliency[i], length).ravel()
        order = ranked_cells(s)
        for l_index, x in enumerate(mask_sizes_incremental(s, levels)):
            chosen = np.zeros(length * f, dtype=bool)
            chosen[order[:x]] = True
            out[l_index, i, :length] = chosen.reshape(length, f)
    return out


def _weighted(weights: np.ndarray, selected: np.ndarray, true: np.ndarray) -> tuple[float, float]:
    intersection = weights[selected & true].sum()
    selected_mass = weights[selected].sum()
    true_mass = weights[true].sum()
    precision = intersection / selected_mass if selected_mass > 0 else math.nan
    recall = intersection / true_mass if true_mass > 0 else math.nan
    return precision, recall


def _top_k_mean(values: np.ndarray, k: int) -> float:
    return float(np.sort(values)[::-1][:k].mean())


def precision_recall(
    saliency: np.ndarray,
    mask: np.ndarray,
    levels: Sequence[float] = LEVELS,
    lengths=None,
    unit: str = "cell",
    top_k: str = "corrected",
) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample precision and recall (L, N), NaN where the denominator is 0."""
    n, t, f = saliency.shape
    chosen = masks(saliency, levels, lengths)
    precision = np.full((len(levels), n), math.nan)
    recall = np.full((len(levels), n), math.nan)
    for i in range(n):
        length = t if lengths is None else int(lengths[i])
        s = rescale(saliency[i], length)
        g = np.asarray(mask[i, :length]).astype(bool)
        box_length = int(g.any(axis=1).sum())  # rows holding a box cell
        box_width = int(g.any(axis=0).sum())  # columns holding a box cell
        if unit == "time":
            k = box_length if top_k == "reference" else box_width
            k = min(max(k, 1), f)
            weights = np.array([_top_k_mean(s[row], k) for row in range(length)])
            true = g.any(axis=1)
        elif unit == "feature":
            k = box_width if top_k == "reference" else box_length
            k = min(max(k, 1), length)
            weights = np.array([_top_k_mean(s[:, col], k) for col in range(f)])
            true = g.any(axis=0)
        for l_index in range(len(levels)):
            p_mask = chosen[l_index, i, :length]
            if unit == "cell":
                pair = _weighted(s.ravel(), p_mask.ravel(), g.ravel())
            elif unit == "time":
                pair = _weighted(weights, p_mask.any(axis=1), true)
            else:
                pair = _weighted(weights, p_mask.any(axis=0), true)
            precision[l_index, i], recall[l_index, i] = pair
    return precision, recall


def mean_over_counted(per_sample: np.ndarray) -> np.ndarray:
    """Per level, the mean over samples whose value is defined (NaN if none)."""
    out = []
    for row in per_sample:
        kept = [v for v in row if not math.isnan(v)]
        out.append(sum(kept) / len(kept) if kept else math.nan)
    return np.array(out)


def trapezoid(y: Sequence[float], x: Sequence[float]) -> float:
    return float(sum((x[k + 1] - x[k]) * (y[k] + y[k + 1]) / 2 for k in range(len(x) - 1)))


def areas(precision_curve: np.ndarray, recall_curve: np.ndarray, levels=LEVELS) -> dict[str, float]:
    order = sorted(range(len(recall_curve)), key=lambda k: recall_curve[k])
    return {
        "aup": trapezoid(list(precision_curve), list(levels)),
        "aur": trapezoid(list(recall_curve), list(levels)),
        "aupr": trapezoid([precision_curve[k] for k in order], [recall_curve[k] for k in order]),
    }


def scores(saliency, mask, levels=LEVELS, lengths=None, top_k="corrected") -> dict[str, float]:
    """The dict of ``ground_truth_scores``."""
    out: dict[str, float] = {}
    for unit, prefix in (("cell", ""), ("time", "time_"), ("feature", "feature_")):
        p, r = precision_recall(saliency, mask, levels, lengths, unit, top_k)
        p_curve, r_curve = mean_over_counted(p), mean_over_counted(r)
        for key, value in areas(p_curve, r_curve, levels).items():
            out[prefix + key] = value
        if unit == "cell":
            for level, pv, rv in zip(levels, p_curve, r_curve, strict=True):
                out[f"precision@{round(100 * level)}"] = pv
                out[f"recall@{round(100 * level)}"] = rv
    return out


def distribution(saliency: np.ndarray, lengths=None) -> np.ndarray:
    n, t, f = saliency.shape
    sums, counts = np.zeros(t * f), np.zeros(t * f)
    for i in range(n):
        length = t if lengths is None else int(lengths[i])
        s = rescale(saliency[i], length).ravel()
        if not s.any():
            continue
        curve = np.sort(s)[::-1]
        sums[: len(curve)] += curve
        counts[: len(curve)] += 1
    return np.array([sums[k] / counts[k] if counts[k] else math.nan for k in range(t * f)])


def masked_accuracy(
    predict: Callable[..., torch.Tensor],
    x_raw: np.ndarray,
    y: np.ndarray,
    saliency: np.ndarray,
    replacement: np.ndarray,
    levels: Sequence[float],
    scale: Callable[[torch.Tensor], torch.Tensor] | None = None,
    lengths=None,
) -> np.ndarray:
    """One sample and one level at a time; levels after a zero accuracy are 0 and not evaluated."""
    n, t, f = x_raw.shape
    interior = [p for p in levels if 0 < p < 1]
    fills = replacement if replacement.ndim == 3 else np.repeat(replacement[None], n, axis=0)
    out, hit_zero = [], False
    for p in levels:
        if hit_zero:
            out.append(0.0)
            continue
        correct = 0
        for i in range(n):
            length = t if lengths is None else int(lengths[i])
            x = np.array(x_raw[i], dtype=x_raw.dtype)
            if p == 1:
                x[:length] = fills[i, :length]
            elif p > 0:
                s = rescale(saliency[i], length).ravel()
                size = mask_sizes_incremental(s, interior)[interior.index(p)]
                for cell in ranked_cells(s)[:size]:
                    row, col = divmod(int(cell), f)
                    x[row, col] = fills[i, row, col]
            inputs = torch.from_numpy(x[None])
            if scale is not None:
                inputs = scale(inputs)
            logits = predict(inputs) if lengths is None else predict(inputs, torch.tensor([length]))
            correct += int(int(logits.argmax(dim=1)[0]) == int(y[i]))
        out.append(correct / n)
        hit_zero = correct == 0
    return np.array(out)
