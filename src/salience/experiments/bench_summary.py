"""Tables of a benchmark run: AUP/AUR per dataset, and Diff(AUP)/Diff(AUR) per model × method.

Diff(AUP) of a (dataset, model, method) is its AUP minus the AUP of a random baseline for the same
dataset and model; Diff(AUR) likewise. The model × method table averages the Diffs over the
datasets where the model passed the accuracy threshold; models under the threshold are listed
apart, never silently averaged in.

Two baselines, both in the tables (column ``baseline``):

- ``random``: i.i.d. U[0, 1) maps. **The default for Diff**: saliency guided training's Table 2
  (the published Diff numbers) describes its baseline as random scores, and with it our quick
  profile reproduces that table's signs (LSTM below, input-cell attention and TCN above,
  Transformer near zero with IG and GradientSHAP best); see docs/results-benchmark.md.
- ``random_permutation``: the 2020 benchmark code's "Random", a feature-axis permutation of a
  method's maps. It keeps the maps' time profile, so a model whose every map piles up at the last
  steps (the LSTM) scores about the same as its own baseline whatever the method: Diff ≈ 0.

Example:
    >>> from salience.experiments.store import ResultRow
    >>> rows = [ResultRow("bench", "Middle_Box", "tcn", "traditional", m, 0, k, v)
    ...         for m, k, v in [("-", "test_accuracy", 1.0), ("gradient", "aup", 0.5),
    ...                         ("gradient", "aur", 0.3), ("random_permutation", "aup", 0.2),
    ...                         ("random_permutation", "aur", 0.1)]]
    >>> [(r["method"], r["baseline"], round(r["diff_aup"], 2)) for r in summarize(rows).diff_table]
    [('gradient', 'random_permutation', 0.3)]
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salience._io import write_text_atomic
from salience.experiments.bench_profile import TRAINING_RUN
from salience.experiments.published import sgt_table2
from salience.experiments.store import ResultRow

DIFF_BASELINES = ("random", "random_permutation")
DEFAULT_BASELINE = "random"


@dataclass
class BenchSummary:
    """The run's tables as lists of flat dicts (one per table row)."""

    accuracy_table: list[dict[str, Any]] = field(default_factory=list)
    dataset_table: list[dict[str, Any]] = field(default_factory=list)
    diff_table: list[dict[str, Any]] = field(default_factory=list)
    excluded: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy_table,
            "per_dataset": self.dataset_table,
            "diff": self.diff_table,
            "excluded_models": self.excluded,
        }


def summarize(rows: Iterable[ResultRow], *, accuracy_threshold: float = 0.9) -> BenchSummary:
    """Build the summary tables from the store's rows (one training regime and seed per key)."""
    values: dict[tuple[str, str, str, str, int], dict[str, float | None]] = defaultdict(dict)
    for row in rows:
        values[(row.dataset, row.model, row.training, row.method, row.seed)][row.metric] = row.value
    summary = BenchSummary()
    passed: set[tuple[str, str, str, int]] = set()
    for (dataset, model, training, method, seed), metrics in sorted(values.items()):
        if method != TRAINING_RUN:
            continue
        accuracy = metrics.get("test_accuracy")
        entry = {
            "dataset": dataset,
            "model": model,
            "training": training,
            "seed": seed,
            "test_accuracy": accuracy,
        }
        summary.accuracy_table.append(entry)
        if accuracy is not None and accuracy >= accuracy_threshold:
            passed.add((dataset, model, training, seed))
        else:
            summary.excluded.append(entry)
    diffs: dict[tuple[str, str, str, str], list[tuple[float, float]]] = defaultdict(list)
    for (dataset, model, training, method, seed), metrics in sorted(values.items()):
        if method == TRAINING_RUN or (dataset, model, training, seed) not in passed:
            continue
        aup, aur = metrics.get("aup"), metrics.get("aur")
        summary.dataset_table.append(
            {
                "dataset": dataset,
                "model": model,
                "training": training,
                "method": method,
                "seed": seed,
                "aup": aup,
                "aur": aur,
                "aupr": metrics.get("aupr"),
                "masked_accuracy_auc": metrics.get("masked_accuracy_auc"),
            }
        )
        for baseline_method in DIFF_BASELINES:
            baseline = values.get((dataset, model, training, baseline_method, seed), {})
            if method in DIFF_BASELINES or not _all_numbers(
                aup, aur, baseline.get("aup"), baseline.get("aur")
            ):
                continue
            gap = (aup - baseline["aup"], aur - baseline["aur"])  # type: ignore[operator]
            diffs[(model, training, method, baseline_method)].append(gap)
    for (model, training, method, baseline_method), pairs in sorted(diffs.items()):
        summary.diff_table.append(
            {
                "model": model,
                "training": training,
                "method": method,
                "baseline": baseline_method,
                "diff_aup": sum(p[0] for p in pairs) / len(pairs),
                "diff_aur": sum(p[1] for p in pairs) / len(pairs),
                "n_datasets": len(pairs),
                "paper_diff_aup": sgt_table2("diff_aup", model, method, training),
                "paper_diff_aur": sgt_table2("diff_aur", model, method, training),
            }
        )
    return summary


def write_summary(summary: BenchSummary, directory: str | os.PathLike[str]) -> list[Path]:
    """Write ``summary_{accuracy,per_dataset,diff}.csv`` and ``summary.json`` into ``directory``."""
    root = Path(directory)
    written = []
    tables = {
        "accuracy": summary.accuracy_table,
        "per_dataset": summary.dataset_table,
        "diff": summary.diff_table,
    }
    for name, table in tables.items():
        written.append(write_text_atomic(root / f"summary_{name}.csv", _csv(table)))
    written.append(write_text_atomic(root / "summary.json", json.dumps(summary.to_dict(), indent=2) + "\n"))
    return written


def _csv(table: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    if table:
        writer = csv.DictWriter(buffer, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    return buffer.getvalue()


def _all_numbers(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)
