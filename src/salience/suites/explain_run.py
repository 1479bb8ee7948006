"""Explain a checkpoint on a dataset: attributions, rankings, figures and a run directory.

:func:`explain_checkpoint` is what ``salience explain`` does beyond parsing its arguments. It
attributes the checkpoint's predictions on a dataset (.npz) to the inputs, writes the attributions
to ``out`` (.npz with sample ids, true and predicted classes, probabilities, class and feature names:
:class:`~salience.suites.explain_outputs.AttributionRecord`), ranks the features and time windows by
their share of |saliency|, and writes a run directory: ``config.json`` (with the ``title``, the
``tables`` titles the report shows and the checkpoint's ``training``), ``attributions.npz`` and the
long-form ``attributions.csv`` (or ``.parquet``), ``top_features.csv``, ``top_windows.csv``,
``accuracy.csv``, ``methods.csv`` (one row per method: :mod:`salience.suites.explain_compare`),
``training.csv`` (the checkpoint's per-epoch history, when stored) and ``figures/``
(:mod:`salience.suites.explain_figures`: line plots or heatmaps, the saliency-over-time profile, the
training curve, ``svg/`` copies, ``captions.json``). Several methods in one run write
``attributions-METHOD.npz``/``.csv`` each, prefix their figures with the method and add a ``method``
column to the rankings; one method keeps the names above.

The HTML report sits in a layer above the suites, so this module does not write it: the
``salience explain`` command calls :func:`salience.report.write_report` on the run directory
afterwards, and a Python user does the same when they want ``report.html``. The run directory is
built in a hidden sibling and moved into place as a whole, so it is never half-written, and a rerun
replaces an earlier explain run there (and nothing else).

Example:
    >>> import pathlib, tempfile
    >>> from salience.data import make_box
    >>> from salience.models import build_model
    >>> from salience.training import save_checkpoint
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = make_box("earlier", n=12, n_steps=10, n_features=4, seed=0).save(folder / "e.npz")
    >>> _ = save_checkpoint(folder / "model", build_model("lstm", n_features=4, n_classes=2, seed=0))
    >>> run = explain_checkpoint(folder / "model", folder / "e.npz", out=folder / "s.npz", device="cpu")
    >>> run.attributions.shape, run.run_dir.name
    ((12, 10, 4), 's-report')
    >>> names = sorted(p.name for p in run.run_dir.iterdir())
    >>> names[:5]
    ['accuracy.csv', 'attributions.csv', 'attributions.npz', 'config.json', 'figures']
    >>> names[5:]
    ['methods.csv', 'top_features.csv', 'top_windows.csv']
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch

from salience._io import write_text_atomic
from salience._validation import check_positive_int
from salience._versions import runtime_versions
from salience.data import Dataset, align_to
from salience.explain import attribute
from salience.metrics import faithfulness_table
from salience.models import Checkpoint
from salience.suites.explain_compare import METHOD_COLUMNS, method_row, top_cells_share
from salience.suites.explain_figures import (
    names_of,
    write_captions,
    write_method_figures,
    write_training_figure,
)
from salience.suites.explain_outputs import AttributionRecord, check_table_format
from salience.suites.explain_provenance import training_facts, training_record, training_table
from salience.suites.explain_targets import (
    checkpoint_class_names,
    resolve_methods,
    resolve_targets,
    sample_ids,
)
from salience.training import load_checkpoint, predict_logits, resolve_device

SUITE = "explain"
TITLE = "Saliency of a checkpoint on your data"
TABLES = {
    "top_features": "Top features (share of |saliency|)",
    "top_windows": "Top time windows (share of |saliency|)",
    "accuracy": "Accuracy of the checkpoint",
    "methods": "Methods compared (seconds, top feature and window, concentration)",
    "training": "How the checkpoint was trained (per epoch)",
}


@dataclass(frozen=True)
class ExplainRanking:
    """Shares of |saliency| per feature and per time window, and the accuracy.

    A sample's share of a cell is |s| over the sample's total |s| (so every sample weighs the same);
    shares are averaged over the samples with any saliency. Padding (beyond ``lengths``) has no
    saliency, so it takes no share.

    Example:
        >>> from salience.data import Dataset
        >>> s = np.zeros((2, 4, 2), dtype=np.float32); s[:, 3, 1] = 1.0
        >>> data = Dataset(x=np.zeros((2, 4, 2), np.float32), y=np.array([0, 1]))
        >>> r = ExplainRanking.of(s, data, predictions=np.array([0, 0]), window=2)
        >>> r.features, r.feature_share.tolist(), r.windows, r.window_share.tolist(), r.accuracy
        (['dim_0', 'dim_1'], [0.0, 1.0], [(0, 1), (2, 3)], [0.0, 1.0], 0.5)
    """

    features: list[str]
    feature_share: np.ndarray  # (F,)
    windows: list[tuple[int, int]]  # (first, last) step of each window
    window_share: np.ndarray  # (W,)
    window: int
    accuracy: float
    per_class: list[tuple[str, int, float]]  # (class, samples, accuracy)

    @classmethod
    def of(
        cls, saliency: np.ndarray, dataset: Dataset, predictions: np.ndarray, window: int
    ) -> ExplainRanking:
        """Rank the features and the ``window``-step time windows of ``saliency`` (N, T, F)."""
        cells = np.abs(saliency)
        per_feature = cells.sum(axis=1, dtype=np.float64)  # (N, F)
        per_step = cells.sum(axis=2, dtype=np.float64)  # (N, T)
        totals = per_feature.sum(axis=1)
        informative = totals > 0
        n_used = max(int(informative.sum()), 1)
        feature_share = (per_feature[informative] / totals[informative, None]).sum(axis=0) / n_used
        step_share = (per_step[informative] / totals[informative, None]).sum(axis=0) / n_used
        windows = [(s, min(s + window, dataset.n_steps) - 1) for s in range(0, dataset.n_steps, window)]
        names = _class_names(dataset)
        correct = predictions == dataset.y
        per_class = [
            (names[c], int((dataset.y == c).sum()), float(correct[dataset.y == c].mean()))
            for c in range(len(names)) if (dataset.y == c).any()
        ]  # fmt: skip
        return cls(
            features=_feature_names(dataset),
            feature_share=feature_share,
            windows=windows,
            window_share=np.array([step_share[first : last + 1].sum() for first, last in windows]),
            window=window,
            accuracy=float(correct.mean()),
            per_class=per_class,
        )

    def feature_order(self) -> np.ndarray:
        """Feature indices, largest share first (ties in feature order)."""
        return (-self.feature_share).argsort(kind="stable")

    def window_order(self) -> np.ndarray:
        """Window indices, largest share first (ties in time order)."""
        return (-self.window_share).argsort(kind="stable")


@dataclass(frozen=True)
class MethodResult:
    """One method's attributions, how long they took and their ranking."""

    method: str
    attributions: np.ndarray  # (N, T, F)
    seconds: float
    ranking: ExplainRanking
    out: Path  # its attributions .npz
    top10_share: float  # share of |saliency| in each sample's top 10 % cells (explain_compare)
    faithfulness: dict[str, float] = field(default_factory=dict)  # explain_compare.FAITHFULNESS_COLUMNS


@dataclass(frozen=True)
class ExplainRun:
    """What :func:`explain_checkpoint` computed and where it wrote it (the first method's maps and
    ranking at the top level; every method's in ``methods``)."""

    attributions: np.ndarray  # (N, T, F)
    predictions: np.ndarray  # (N,) predicted classes
    ranking: ExplainRanking
    out: Path  # the attributions .npz
    run_dir: Path | None  # the run directory, None when not written
    methods: dict[str, MethodResult] = field(default_factory=dict)
    probabilities: np.ndarray | None = None  # (N, C)


def explain_checkpoint(
    checkpoint: str | os.PathLike[str],
    data: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str],
    method: str | Sequence[str] = "gradient",
    output: str = "probability",
    batch_size: int = 100,
    seed: int = 0,
    device: str = "auto",
    run_dir: str | os.PathLike[str] | None = None,
    write_run: bool = True,
    window: int | None = None,
    target: int | str | None = None,
    tsr: bool = False,
    table_format: str = "csv",
    faithfulness: bool = True,
) -> ExplainRun:
    """Attribute a checkpoint's predictions on ``data`` to its inputs; rank features and windows.

    Args:
        checkpoint: a checkpoint directory (``salience train`` or ``save_checkpoint``).
        data: the dataset (.npz); its labels are the default targets.
        out: the attributions file to write (.npz, see :class:`AttributionRecord`); with several
            methods one file per method, ``OUT-STEM-METHOD.npz``.
        method: a method, several as a list or comma-separated (``"gradient,deeplift"``).
        output, batch_size, seed: as in :func:`salience.explain.attribute`.
        device: auto, cpu or cuda.
        run_dir: the run directory (default: ``OUT-STEM-report`` beside ``out``); an existing one
            must be empty or an earlier explain run, which is replaced as a whole.
        write_run: False writes the attribution files only.
        window: width of the time windows in steps (default: a tenth of T).
        target: the class to explain for every sample, a class name or index (default: each
            sample's true class).
        tsr: temporal saliency rescaling (:func:`salience.explain.attribute`'s ``tsr``).
        table_format: the run directory's long-form attribution table, ``csv`` or ``parquet``.
        faithfulness: score every method's maps without ground truth (deletion / insertion areas,
            comprehensiveness / sufficiency: :mod:`salience.suites.explain_compare`); about 70
            forward passes over the data per method.

    Returns:
        An :class:`ExplainRun` (see the module's example).
    """
    out, checkpoint, data = Path(out), Path(checkpoint), Path(data)
    _check_npz_out(out)
    methods = resolve_methods(method)
    check_table_format(table_format)
    if window is not None:
        check_positive_int(window, "window")
    run_target = None
    if write_run:
        run_target = Path(run_dir) if run_dir is not None else out.with_name(f"{out.stem}-report")
        _check_run_dir(run_target, out)
    resolved = resolve_device(device)
    loaded = load_checkpoint(checkpoint, device=str(resolved))
    raw = _fit_to_checkpoint(Dataset.load(data), loaded, data)
    if window is not None and window > raw.n_steps:
        raise ValueError(f"window: expected at most T = {raw.n_steps} steps, got {window}")
    n_classes = int(loaded.config.get("n_classes", raw.n_classes))
    classes = checkpoint_class_names(loaded, raw, n_classes)
    targets = resolve_targets(target, classes, raw)
    dataset = loaded.standardizer.transform(raw) if loaded.standardizer is not None else raw
    x = torch.from_numpy(dataset.x).to(resolved)
    lengths = None if dataset.lengths is None else torch.from_numpy(dataset.lengths)
    logits = predict_logits(loaded.model, x, lengths=lengths)
    predictions = logits.argmax(dim=1).numpy()
    probabilities = torch.softmax(logits.double(), dim=1).numpy()
    results: dict[str, MethodResult] = {}
    records: dict[str, AttributionRecord] = {}
    for name in methods:
        started = time.perf_counter()
        saliency = attribute(
            loaded.model, x, torch.from_numpy(targets), method=name, output=output, batch_size=batch_size,
            seed=seed, lengths=lengths, tsr=tsr,
        ).numpy()  # fmt: skip
        seconds = time.perf_counter() - started
        ranking = ExplainRanking.of(saliency, raw, predictions, window or max(1, raw.n_steps // 10))
        path = out if len(methods) == 1 else out.with_name(f"{out.stem}-{name}.npz")
        concentration = top_cells_share(saliency, raw.lengths)
        results[name] = MethodResult(name, saliency, seconds, ranking, path, concentration)
        meta = {"method": name, "output": output, "checkpoint": str(checkpoint), "tsr": tsr, "seed": seed}
        records[name] = AttributionRecord(
            attributions=saliency, x=raw.x, sample_id=sample_ids(raw), y=raw.y, predicted=predictions,
            probabilities=probabilities, class_names=classes, feature_names=_feature_names(raw), method=name,
            target=targets, lengths=raw.lengths, meta=meta,
        )  # fmt: skip

    if faithfulness:
        rows = faithfulness_table(
            loaded.model, x, {name: r.attributions for name, r in results.items()},
            target=torch.from_numpy(targets), lengths=lengths,
        )  # fmt: skip
        for row in rows:
            scores = {key: float(value) for key, value in row.items() if key != "method"}
            results[str(row["method"])] = replace(results[str(row["method"])], faithfulness=scores)
    first = results[methods[0]]
    staged = None
    if run_target is not None:
        settings = {
            "checkpoint": str(checkpoint), "data": str(data), "dataset": raw.name,
            "model": loaded.config.get("name"), "method": ",".join(methods), "output": output,
            "target": "true class" if target is None else classes[int(targets[0])], "tsr": tsr,
            "batch_size": batch_size, "window": first.ranking.window, "n_samples": raw.n_samples,
            "n_steps": raw.n_steps, "n_features": raw.n_features, "n_classes": n_classes,
            "variable_lengths": raw.lengths is not None,
            "attributions": ", ".join(str(r.out) for r in results.values()),
            **training_facts(loaded.metadata),
        }  # fmt: skip
        staged = _stage_run(
            run_target, settings, seed, str(resolved), raw, predictions, results, records, classes,
            loaded.metadata, table_format,
        )  # fmt: skip
    try:
        for name, record in records.items():
            record.save(results[name].out)
        if staged is not None and run_target is not None:
            _replace_dir(staged, run_target)
    finally:
        if staged is not None and staged.exists():
            shutil.rmtree(staged, ignore_errors=True)
    return ExplainRun(
        first.attributions, predictions, first.ranking, first.out, run_target, results, probabilities
    )


def _check_npz_out(out: Path) -> None:
    if out.suffix.lower() != ".npz":
        raise ValueError(f"out: expected a file name ending in .npz, got {out}")


def _feature_names(dataset: Dataset) -> list[str]:
    return names_of(dataset, "feature_names", dataset.n_features, "dim_{}")


def _class_names(dataset: Dataset) -> list[str]:
    return names_of(dataset, "class_names", dataset.n_classes, "class {}")


def _fit_to_checkpoint(dataset: Dataset, loaded: Checkpoint, data: Path) -> Dataset:
    """The dataset with the checkpoint's class numbering and feature order (matched by name)."""
    try:
        return align_to(
            dataset, loaded.class_names, loaded.feature_names,
            n_classes=loaded.config.get("n_classes"), n_features=loaded.config.get("n_features"),
        )  # fmt: skip
    except ValueError as err:
        detail = str(err).removeprefix("dataset: ").replace("the model", "the checkpoint")
        raise ValueError(f"data: {data} {detail}") from None


def _check_run_dir(target: Path, out: Path) -> None:
    """Refuse a run directory that exists and holds something other than an earlier explain run,
    or that would hold ``out`` (the directory is replaced as a whole)."""
    if target.resolve() in out.resolve().parents:
        raise ValueError(f"out: {out} is inside report_dir {target}; write it elsewhere")
    if not target.exists():
        return
    if not target.is_dir():
        raise ValueError(f"report_dir: {target} exists and is not a directory")
    if not any(target.iterdir()):
        return
    try:
        suite = json.loads((target / "config.json").read_text()).get("suite")
    except (OSError, ValueError, AttributeError):
        suite = None
    if suite != SUITE:
        raise ValueError(
            f"report_dir: {target} exists and is not an explain run directory; choose another --report-dir"
        )


def _stage_run(
    target: Path,
    settings: dict[str, Any],
    seed: int,
    device: str,
    dataset: Dataset,
    predictions: np.ndarray,
    results: dict[str, MethodResult],
    records: dict[str, AttributionRecord],
    classes: list[str],
    metadata: dict[str, Any],
    table_format: str,
) -> Path:
    """Write the whole run directory into a hidden sibling of ``target`` and return it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    several = len(results) > 1
    try:
        config = {
            "suite": SUITE, "title": TITLE, "tables": TABLES, "profile": settings, "seed": seed,
            "device": device, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": runtime_versions(), "training": training_record(metadata),
        }  # fmt: skip
        write_text_atomic(staged / "config.json", json.dumps(config, indent=2))
        suffix = "parquet" if table_format == "parquet" else "csv"
        for name, record in records.items():
            stem = f"attributions-{name}" if several else "attributions"
            record.save(staged / f"{stem}.npz")
            record.save_table(staged / f"{stem}.{suffix}", table_format)
        lead = ["method"] if several else []
        tables = {
            "top_features.csv": (
                [*lead, "rank", "feature", "index", "share"],
                [[*([m] if several else []), rank + 1, r.ranking.features[i], int(i),
                  float(r.ranking.feature_share[i])]
                 for m, r in results.items() for rank, i in enumerate(r.ranking.feature_order())],
            ),
            "top_windows.csv": (
                [*lead, "rank", "start", "end", "share"],
                [[*([m] if several else []), rank + 1, *r.ranking.windows[i],
                  float(r.ranking.window_share[i])]
                 for m, r in results.items() for rank, i in enumerate(r.ranking.window_order())],
            ),
            "accuracy.csv": (
                ["class", "n_samples", "accuracy"],
                [*map(list, first_ranking(results).per_class),
                 ["all", dataset.n_samples, first_ranking(results).accuracy]],
            ),
            "methods.csv": (list(METHOD_COLUMNS), [method_row(r) for r in results.values()]),
        }  # fmt: skip
        if training_record(metadata)["history"]:
            tables["training.csv"] = training_table(metadata)
        for name, (header, rows) in tables.items():
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
            write_text_atomic(staged / name, buffer.getvalue())
        figures = staged / "figures"
        captions: dict[str, str] = {}
        for name, result in results.items():
            captions |= write_method_figures(
                figures, result.attributions, dataset, predictions, name,
                prefix=f"{name}-" if several else "", class_names=classes,
            )  # fmt: skip
        captions |= write_training_figure(figures, training_record(metadata))
        write_captions(figures, captions)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def first_ranking(results: dict[str, MethodResult]) -> ExplainRanking:
    """The ranking of the first method (accuracy does not depend on the method)."""
    return next(iter(results.values())).ranking


def _replace_dir(staged: Path, target: Path) -> None:
    """Move ``staged`` onto ``target``, replacing an earlier run there in two renames."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(staged, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
