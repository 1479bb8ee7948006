"""Explain a checkpoint on a dataset: attributions, rankings, figures and a run directory.

:func:`explain_checkpoint` is what ``salience explain`` does beyond parsing its arguments. It
attributes the checkpoint's predictions on a dataset (.npz) to the inputs, writes the attributions
to ``out`` (.npz), ranks the features and time windows by their share of |saliency|, and writes a
run directory: ``config.json`` (with the ``title`` and the ``tables`` titles the report shows),
``attributions.npz``, ``top_features.csv``, ``top_windows.csv``, ``accuracy.csv`` and ``figures/``
(heatmaps, the saliency-over-time profile, ``captions.json``).

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
    >>> sorted(p.name for p in run.run_dir.iterdir())
    ['accuracy.csv', 'attributions.npz', 'config.json', 'figures', 'top_features.csv', 'top_windows.csv']
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch

from salience._io import atomic_path, write_text_atomic
from salience._validation import check_positive_int
from salience._versions import runtime_versions
from salience.data import Dataset, align_to
from salience.explain import attribute
from salience.figures import plot_class_heatmaps, plot_saliency_profiles, plot_sample_heatmaps
from salience.metrics import normalize_saliency, saliency_over_time
from salience.metrics.temporal import class_mean_saliency
from salience.models import Checkpoint
from salience.training import load_checkpoint, predict_logits, resolve_device

SUITE = "explain"
TITLE = "Saliency of a checkpoint on your data"
TABLES = {
    "top_features": "Top features (share of |saliency|)",
    "top_windows": "Top time windows (share of |saliency|)",
    "accuracy": "Accuracy of the checkpoint",
}
_CAPTIONS = {
    "class_heatmaps.png": "Mean normalised |saliency| of each class's samples (time × feature)",
    "sample_heatmaps.png": "Inputs and saliency of single samples (one per class first)",
    "saliency_profile.png": "Mean normalised |saliency| per time step, all samples and per class",
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
class ExplainRun:
    """What :func:`explain_checkpoint` computed and where it wrote it."""

    attributions: np.ndarray  # (N, T, F)
    predictions: np.ndarray  # (N,) predicted classes
    ranking: ExplainRanking
    out: Path  # the attributions .npz
    run_dir: Path | None  # the run directory, None when not written


def explain_checkpoint(
    checkpoint: str | os.PathLike[str],
    data: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str],
    method: str = "gradient",
    output: str = "probability",
    batch_size: int = 100,
    seed: int = 0,
    device: str = "auto",
    run_dir: str | os.PathLike[str] | None = None,
    write_run: bool = True,
    window: int | None = None,
) -> ExplainRun:
    """Attribute a checkpoint's predictions on ``data`` to its inputs; rank features and windows.

    Args:
        checkpoint: a checkpoint directory (``salience train`` or ``save_checkpoint``).
        data: the dataset (.npz); its labels are the targets.
        out: the attributions file to write (.npz with ``attributions`` (N, T, F), ``y``, ``meta``).
        method, output, batch_size, seed: as in :func:`salience.explain.attribute`.
        device: auto, cpu or cuda.
        run_dir: the run directory (default: ``OUT-STEM-report`` beside ``out``); an existing one
            must be empty or an earlier explain run, which is replaced as a whole.
        write_run: False writes ``out`` only.
        window: width of the time windows in steps (default: a tenth of T).

    Returns:
        An :class:`ExplainRun` (see the module's example).
    """
    out, checkpoint, data = Path(out), Path(checkpoint), Path(data)
    _check_npz_out(out)
    if window is not None:
        check_positive_int(window, "window")
    target = None
    if write_run:
        target = Path(run_dir) if run_dir is not None else out.with_name(f"{out.stem}-report")
        _check_run_dir(target, out)
    resolved = resolve_device(device)
    loaded = load_checkpoint(checkpoint, device=str(resolved))
    raw = _fit_to_checkpoint(Dataset.load(data), loaded, data)
    if window is not None and window > raw.n_steps:
        raise ValueError(f"window: expected at most T = {raw.n_steps} steps, got {window}")
    dataset = loaded.standardizer.transform(raw) if loaded.standardizer is not None else raw
    x = torch.from_numpy(dataset.x).to(resolved)
    lengths = None if dataset.lengths is None else torch.from_numpy(dataset.lengths)
    saliency = attribute(
        loaded.model, x, y=dataset.y, method=method, output=output, batch_size=batch_size, seed=seed,
        lengths=lengths,
    ).numpy()  # fmt: skip
    predictions = predict_logits(loaded.model, x, lengths=lengths).argmax(dim=1).numpy()
    ranking = ExplainRanking.of(saliency, raw, predictions, window or max(1, raw.n_steps // 10))

    meta = {"method": method, "output": output, "checkpoint": str(checkpoint)}
    staged = None
    if target is not None:
        settings = {
            "checkpoint": str(checkpoint), "data": str(data), "dataset": raw.name,
            "model": loaded.config.get("name"), "method": method, "output": output, "batch_size": batch_size,
            "window": ranking.window, "n_samples": raw.n_samples, "n_steps": raw.n_steps,
            "n_features": raw.n_features, "n_classes": loaded.config.get("n_classes", raw.n_classes),
            "variable_lengths": raw.lengths is not None, "attributions": str(out),
        }  # fmt: skip
        staged = _stage_run(target, settings, seed, str(resolved), saliency, raw, predictions, ranking, meta)
    try:
        with atomic_path(out) as tmp, open(tmp, "wb") as handle:
            np.savez_compressed(handle, attributions=saliency, y=dataset.y, meta=np.array(json.dumps(meta)))
        if staged is not None and target is not None:
            _replace_dir(staged, target)
    finally:
        if staged is not None and staged.exists():
            shutil.rmtree(staged, ignore_errors=True)
    return ExplainRun(saliency, predictions, ranking, out, target)


def _check_npz_out(out: Path) -> None:
    if out.suffix.lower() != ".npz":
        raise ValueError(f"out: expected a file name ending in .npz, got {out}")


def _feature_names(dataset: Dataset) -> list[str]:
    names = dataset.meta.get("feature_names")
    if isinstance(names, list) and len(names) == dataset.n_features:
        return [str(n) for n in names]
    return [f"dim_{k}" for k in range(dataset.n_features)]


def _class_names(dataset: Dataset) -> list[str]:
    names = dataset.meta.get("class_names")
    if isinstance(names, list) and len(names) == dataset.n_classes:
        return [str(n) for n in names]
    return [f"class {c}" for c in range(dataset.n_classes)]


def _name(names: list[str], index: int) -> str:
    """``names[index]``, or ``class index`` for a class the data does not name (the model may know more)."""
    return names[index] if 0 <= index < len(names) else f"class {index}"


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
    saliency: np.ndarray,
    dataset: Dataset,
    predictions: np.ndarray,
    ranking: ExplainRanking,
    meta: dict[str, Any],
) -> Path:
    """Write the whole run directory into a hidden sibling of ``target`` and return it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        config = {
            "suite": SUITE, "title": TITLE, "tables": TABLES, "profile": settings, "seed": seed,
            "device": device, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": runtime_versions(),
        }  # fmt: skip
        write_text_atomic(staged / "config.json", json.dumps(config, indent=2))
        with open(staged / "attributions.npz", "wb") as handle:
            np.savez_compressed(
                handle, attributions=saliency, y=dataset.y, predictions=predictions,
                meta=np.array(json.dumps(meta)),
            )  # fmt: skip
        tables = {
            "top_features.csv": (
                ["rank", "feature", "index", "share"],
                [[r + 1, ranking.features[i], int(i), float(ranking.feature_share[i])]
                 for r, i in enumerate(ranking.feature_order())],
            ),
            "top_windows.csv": (
                ["rank", "start", "end", "share"],
                [[r + 1, *ranking.windows[i], float(ranking.window_share[i])]
                 for r, i in enumerate(ranking.window_order())],
            ),
            "accuracy.csv": (
                ["class", "n_samples", "accuracy"],
                [*map(list, ranking.per_class), ["all", dataset.n_samples, ranking.accuracy]],
            ),
        }  # fmt: skip
        for name, (header, rows) in tables.items():
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
            write_text_atomic(staged / name, buffer.getvalue())
        _write_figures(staged / "figures", saliency, dataset, predictions, settings["method"])
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def _write_figures(
    folder: Path, saliency: np.ndarray, dataset: Dataset, predictions: np.ndarray, method: str
) -> None:
    """Class-mean and per-sample heatmaps and the saliency-over-time profile, with captions."""
    folder.mkdir(parents=True, exist_ok=True)
    features, classes = _feature_names(dataset), _class_names(dataset)
    lengths = None if dataset.lengths is None else torch.from_numpy(dataset.lengths)
    s_hat = normalize_saliency(saliency, lengths)
    masks = dataset.mask
    shared_mask = masks[0] if masks is not None and bool((masks == masks[:1]).all()) else None
    plot_class_heatmaps(
        class_mean_saliency(s_hat, torch.from_numpy(dataset.y), len(classes)).numpy(),
        folder / "class_heatmaps.png", title=f"{method}: class-mean saliency on {dataset.name}",
        class_names=classes, feature_names=features, mask=shared_mask,
    )  # fmt: skip
    first = [int(np.flatnonzero(dataset.y == c)[0]) for c in range(len(classes)) if (dataset.y == c).any()]
    picked = (first + [i for i in range(dataset.n_samples) if i not in first])[:4]
    plot_sample_heatmaps(
        saliency[picked], x=dataset.x[picked], mask=None if masks is None else masks[picked],
        feature_names=features, max_samples=len(picked), path=folder / "sample_heatmaps.png",
        sample_titles=[f"#{i} {_name(classes, dataset.y[i])} (predicted {_name(classes, predictions[i])})"
                       for i in picked],
        title=f"{method}: saliency of single samples",
    )  # fmt: skip
    profiles = {"all samples": saliency_over_time(saliency, lengths).numpy()}
    if len(classes) <= 6:
        for c, name in enumerate(classes):
            chosen = np.flatnonzero(dataset.y == c)
            if chosen.size:
                sub = None if lengths is None else lengths[chosen]
                profiles[name] = saliency_over_time(saliency[chosen], sub).numpy()
    plot_saliency_profiles(profiles, folder / "saliency_profile.png", title=f"{method}: saliency over time")
    write_text_atomic(folder / "captions.json", json.dumps(_CAPTIONS, indent=2))


def _replace_dir(staged: Path, target: Path) -> None:
    """Move ``staged`` onto ``target``, replacing an earlier run there in two renames."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(staged, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
