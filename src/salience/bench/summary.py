"""Tables of a benchmark run: AUP/AUR per dataset, and Diff(AUP)/Diff(AUR) per model × method.

Every table keeps the training regime apart (column ``training``: ``traditional`` or ``sgt``);
:func:`training_table` lays the Diff table out as saliency guided training's Table 2 — one row per
model × method, one column group per training, ours beside the published value.

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
    >>> from salience.runs.store import ResultRow
    >>> rows = [ResultRow("bench", "Middle_Box", "tcn", "traditional", m, 0, k, v)
    ...         for m, k, v in [("fit", "test_accuracy", 1.0), ("gradient", "aup", 0.5),
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
from salience.bench.profile import ALL_METHODS, BENCH_MODELS, TRAINING_RUN, TSR_SUFFIX
from salience.runs.published import sgt_table2
from salience.runs.store import ResultRow

DIFF_BASELINES = ("random", "random_permutation")
DEFAULT_BASELINE = "random"
#: Column order of the trainings, and their labels in printed tables (the paper's Trad./Sal.).
TRAINING_ORDER = ("traditional", "sgt")
TRAINING_LABELS = {"traditional": "Trad.", "sgt": "SGT"}


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


def summarize(
    rows: Iterable[ResultRow], *, accuracy_threshold: float = 0.9, paired: bool = False
) -> BenchSummary:
    """Build the summary tables from the store's rows (one training regime and seed per key).

    With ``paired``, a (dataset, model) enters the per-dataset and Diff tables only if the model
    passed the threshold under every training the rows hold for it, so that the trainings' Diffs
    average the same datasets (its other training's entry stays in ``excluded``).
    """
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
    if paired:
        trainings: dict[tuple[str, str, int], set[str]] = defaultdict(set)
        for dataset, model, training, _method, seed in values:
            trainings[(dataset, model, seed)].add(training)
        passed = {
            (d, m, t, s)
            for d, m, t, s in passed
            if all((d, m, other, s) in passed for other in trainings[(d, m, s)])
        }
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


def training_table(
    diff_table: Iterable[dict[str, Any]], *, baseline: str = DEFAULT_BASELINE
) -> list[dict[str, Any]]:
    """The Diff table as Table 2 of saliency guided training: one row per (model, method).

    For each training ``t`` present, a row holds ``diff_aup_t``, ``paper_diff_aup_t``, ``diff_aur_t``,
    ``paper_diff_aur_t`` and ``n_datasets_t`` (None where that training has no value); with both
    trainings, also ``sgt_gain_aup`` = ``diff_aup_sgt − diff_aup_traditional`` (likewise AUR) and the
    paper's gains. Rows follow the paper's model and method order.

    Example:
        >>> rows = [{"model": "tcn", "training": t, "method": "gradient", "baseline": "random",
        ...          "diff_aup": d, "diff_aur": 0.0, "n_datasets": 2} for t, d in [("traditional", 0.1),
        ...                                                                        ("sgt", 0.25)]]
        >>> (row,) = training_table(rows)  # the paper's TCN gradient: 0.106 (Trad.), 0.168 (SGT)
        >>> round(row["sgt_gain_aup"], 3), round(row["paper_sgt_gain_aup"], 3)
        (0.15, 0.062)
    """
    selected = [r for r in diff_table if r["baseline"] == baseline]
    trainings = sorted({r["training"] for r in selected}, key=_order(TRAINING_ORDER))
    cells = {(r["model"], r["method"], r["training"]): r for r in selected}
    pairs = sorted({(r["model"], r["method"]) for r in selected}, key=_row_order)
    table = []
    for model, method in pairs:
        row: dict[str, Any] = {"model": model, "method": method, "baseline": baseline}
        for training in trainings:
            cell = cells.get((model, method, training), {})
            for metric in ("diff_aup", "diff_aur"):
                row[f"{metric}_{training}"] = cell.get(metric)
                row[f"paper_{metric}_{training}"] = sgt_table2(metric, model, method, training)
            row[f"n_datasets_{training}"] = cell.get("n_datasets", 0)
        if {"traditional", "sgt"} <= set(trainings):
            for metric in ("aup", "aur"):
                for prefix in ("", "paper_"):
                    new, old = row[f"{prefix}diff_{metric}_sgt"], row[f"{prefix}diff_{metric}_traditional"]
                    row[f"{prefix}sgt_gain_{metric}"] = None if new is None or old is None else new - old
        table.append(row)
    return table


def table_trainings(rows: Iterable[dict[str, Any]]) -> tuple[str, ...]:
    """The trainings that :func:`training_table` rows hold, in column order."""
    found = {key.removeprefix("n_datasets_") for row in rows for key in row if key.startswith("n_datasets_")}
    return tuple(sorted(found, key=_order(TRAINING_ORDER)))


def render_training_table(rows: list[dict[str, Any]], title: str) -> Any:
    """A ``rich`` table of :func:`training_table` rows: Diff(AUP) and Diff(AUR) per training,
    each cell ``ours | paper``, then the number of datasets averaged per training."""
    from rich.table import Table

    trainings = table_trainings(rows)
    table = Table(title=title)
    table.add_column("model")
    table.add_column("method")
    for metric in ("AUP", "AUR"):
        for training in trainings:
            table.add_column(f"Diff({metric}) {TRAINING_LABELS.get(training, training)}", justify="right")
    table.add_column("datasets" + ("" if len(trainings) < 2 else f" ({'/'.join(map(_label, trainings))})"))
    for r in rows:
        values = [
            f"{_signed(r[f'diff_{metric}_{t}'])} | {_signed(r[f'paper_diff_{metric}_{t}'])}"
            for metric in ("aup", "aur")
            for t in trainings
        ]
        counts = "/".join(str(r[f"n_datasets_{t}"]) for t in trainings)
        table.add_row(r["model"], r["method"], *values, counts)
    return table


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


def _order(names: tuple[str, ...]) -> Any:
    return lambda name: (names.index(name) if name in names else len(names), name)


def _row_order(pair: tuple[str, str]) -> tuple[Any, ...]:
    model, method = pair
    return (
        *_order(tuple(BENCH_MODELS))(model),
        *_order(ALL_METHODS)(method.removesuffix(TSR_SUFFIX)),
        method,
    )


def _label(training: str) -> str:
    return TRAINING_LABELS.get(training, training)


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.3f}"


def _all_numbers(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)
