"""Saliency guided training on the time-series benchmark (Ismail, Corrada Bravo & Feizi, NeurIPS 2021).

Two results of the paper's section 5.3, reproduced on our benchmark grid
(:mod:`salience.bench.grid`) with ``trainings=("traditional", "sgt")``:

- **Table 2**: Diff(AUP) and Diff(AUR) (a method's AUP/AUR minus that of the i.i.d. random baseline,
  mean over the datasets) per architecture × method, traditional vs saliency guided, ours beside the
  published values. Paired: a dataset enters an architecture's means only if the architecture passed
  the accuracy threshold under both trainings, so that a Trad./SGT difference never comes from a
  different set of datasets (``salience bench summary`` averages each training over its own);
- **vanishing saliency** (the paper's Figure 6): the LSTM's gradient saliency over time, trained both
  ways, on the Box datasets whose informative block has a fixed place in time. ``box_mass`` is the
  share of the profile's mass on the block's steps (``box_share``, the block's share of the steps, is
  what a flat profile gives); ``late_mass`` is :func:`~salience.metrics.late_mass_fraction` of the
  last 20% of the steps (steps 40–49 of 50), which hold no signal except for RareFeature's box
  (steps 5–44). Less late mass and more box mass under SGT is the paper's "SGT reduces vanishing
  saliency". These LSTMs are the grid's own (same data, seeds and checkpoints), so nothing is trained
  twice.

Profiles (the benchmark's, narrowed to what Table 2 covers: its ten datasets are the Box process's,
its methods the six gradient methods):

- ``quick``: the benchmark's quick sizes (T = F = 50, 500 training samples, at most 30 epochs with
  patience 10, Adam 3e-3), the 10 Box layouts, LSTM, input-cell attention LSTM and TCN, the six
  gradient methods plus the random baselines: 480 tasks, about 5 minutes on 2 (shared) CPU cores
  with 2 local workers. Reductions against the paper: no Transformer (its training takes 15–40 times
  the others', and SGT multiplies training time again: it alone would take the run far past 5
  minutes), the quick sizes.
- ``paper``: the benchmark's paper sizes (1000 training samples, up to 500 epochs with patience 200,
  stop at 99%), the 10 Box layouts, all four architectures, the six gradient methods.

Saliency guided training uses :data:`~salience.bench.profile.BENCH_SGT` (k = 50% of the
cells, absolute-gradient ranking, random values within each feature's range, λ = 1, faithful);
``sgt={...}`` overrides its fields. Results go to the run directory's ``results.sqlite`` (the grid's
rows under suite ``bench``, the profiles under suite ``sgt-timeseries``); running again computes
only what is missing.

Example:
    >>> import tempfile
    >>> results = run_sgt_timeseries(tempfile.mkdtemp(), layouts=["Middle"], models=["lstm"],
    ...     methods=["gradient"], n_train=40, n_test=10, n_steps=10, n_features=6, max_epochs=1,
    ...     accuracy_threshold=0.0, workers=1)
    >>> [(p["dataset"], p["training"], len(p["profile"])) for p in results.profiles]
    [('Middle_Box', 'traditional', 10), ('Middle_Box', 'sgt', 10)]
    >>> sorted({(r["model"], r["method"]) for r in results.table})
    [('lstm', 'gradient')]
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from salience._io import write_text_atomic
from salience._validation import check_choice
from salience.bench.grid import DATABASE, model_dir, plan, run_bench
from salience.bench.profile import (
    GRADIENT_METHODS,
    TRAINING_RUN,
    BenchProfile,
    resolve_profile,
)
from salience.bench.profile import SUITE as BENCH_SUITE
from salience.bench.summary import (
    DEFAULT_BASELINE,
    TRAINING_LABELS,
    _csv,
    render_training_table,
    summarize,
    training_table,
    write_summary,
)
from salience.bench.tasks import data_spec, prepare_data
from salience.data.benchmark import LAYOUTS
from salience.explain import attribute
from salience.metrics import late_mass_fraction, saliency_over_time
from salience.runs.events import RunEvents
from salience.runs.store import ResultStore, TaskKey
from salience.training import load_checkpoint

SUITE = "sgt-timeseries"
TRAININGS = ("traditional", "sgt")
PROFILE_MODEL = "lstm"
PROFILE_METHOD = "gradient"
PROFILE_PROCESS = "Box"
#: The share of the last time steps whose saliency mass is the "late mass".
LATE_FRACTION = 0.2

#: Each profile: the benchmark profile it starts from and the selection Table 2 covers.
SGT_PROFILES: dict[str, dict[str, Any]] = {
    "quick": {
        "base": "quick",
        "processes": ("Box",),
        "models": ("lstm", "ica-lstm", "tcn"),
        "methods": GRADIENT_METHODS,
        "trainings": TRAININGS,
    },
    "paper": {
        "base": "paper",
        "processes": ("Box",),
        "models": ("lstm", "ica-lstm", "tcn", "transformer"),
        "methods": GRADIENT_METHODS,
        "trainings": TRAININGS,
    },
}


@dataclass
class SgtTimeseriesResults:
    """What :func:`run_sgt_timeseries` produced.

    ``table``: :func:`~salience.bench.summary.training_table` rows (Table 2 layout);
    ``directions``: per model, how many methods' Diff(AUP) SGT raised, ours and the paper's;
    ``profiles``: one dict per (dataset, training) of the LSTM's saliency over time;
    ``counts``: the grid's task statuses; ``files``: what was written.
    """

    run_dir: Path
    profile: BenchProfile
    counts: dict[str, int]
    table: list[dict[str, Any]]
    directions: list[dict[str, Any]]
    profiles: list[dict[str, Any]]
    excluded: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_dir": str(self.run_dir),
            "profile": self.profile.to_dict(),
            "counts": self.counts,
            "baseline": DEFAULT_BASELINE,
            "table2": self.table,
            "directions": self.directions,
            "saliency_over_time": self.profiles,
            "excluded_models": self.excluded,
        }


def resolve_sgt_profile(name: str = "quick", **overrides: Any) -> BenchProfile:
    """The benchmark profile of suite profile ``name`` (``quick`` or ``paper``) with ``overrides``.

    Example:
        >>> profile = resolve_sgt_profile("quick")
        >>> profile.processes, profile.models, profile.trainings
        (('Box',), ('lstm', 'ica-lstm', 'tcn'), ('traditional', 'sgt'))
    """
    check_choice(name, "profile", SGT_PROFILES)
    selection = dict(SGT_PROFILES[name])
    base = selection.pop("base")
    settings = {**selection, **{k: v for k, v in overrides.items() if v is not None}}
    profile = resolve_profile(base, **settings)
    if set(profile.trainings) != set(TRAININGS):
        raise ValueError(f"trainings: expected both {' and '.join(TRAININGS)}, got {list(profile.trainings)}")
    return profile


def run_sgt_timeseries(
    run_dir: str | os.PathLike[str], profile: str = "quick", *, seed: int = 0, workers: int | None = None,
    scheduler: str | None = None, device: str = "cpu", threads: int | None = None,
    events: RunEvents | None = None, **overrides: Any,
) -> SgtTimeseriesResults:
    """Run the grid of suite profile ``profile`` both ways and write the comparison into ``run_dir``.

    ``overrides`` are :class:`~salience.bench.profile.BenchProfile` settings (e.g.
    ``layouts=["Middle"]``, ``max_epochs=5``, ``sgt={"fraction": 0.3}``). ``workers``, ``scheduler``,
    ``threads`` and ``events`` are passed to :func:`~salience.bench.grid.run_bench`.

    Writes ``table2.csv``/``table2.json`` (Table 2: ours beside the paper's, both trainings),
    ``saliency_over_time.csv``/``.json`` and ``figures/lstm_profile_<dataset>.png``, plus the
    benchmark's ``summary_*.csv``/``summary.json``.
    """
    settings = resolve_sgt_profile(profile, **overrides)
    root = Path(run_dir)
    report = run_bench(
        root, settings, seed=seed, workers=workers, scheduler=scheduler, device=device, threads=threads,
        events=events,
    )  # fmt: skip
    planned = {task.key for task in plan(settings, seed=seed)}
    store = ResultStore(root / DATABASE)
    rows = [row for row in store.rows(BENCH_SUITE) if row.key in planned]
    summary = summarize(rows, accuracy_threshold=settings.accuracy_threshold, paired=True)
    table = training_table(summary.diff_table, baseline=DEFAULT_BASELINE)
    results = SgtTimeseriesResults(
        run_dir=root,
        profile=settings,
        counts=report.counts(),
        table=table,
        directions=sgt_directions(table),
        profiles=lstm_profiles(root, settings, seed=seed),
        excluded=summary.excluded,
    )
    results.files = write_summary(summary, root) + write_outputs(results)
    return results


def sgt_directions(table: list[dict[str, Any]], metric: str = "aup") -> list[dict[str, Any]]:
    """Per model: of the methods with both trainings, how many have a higher Diff under SGT, ours and
    the paper's (``metric`` ``aup`` or ``aur``).

    Example:
        >>> rows = [{"model": "tcn", "method": m, "sgt_gain_aup": g, "paper_sgt_gain_aup": 0.06}
        ...         for m, g in [("gradient", 0.02), ("deeplift", -0.01)]]
        >>> sgt_directions(rows)
        [{'model': 'tcn', 'metric': 'aup', 'methods': 2, 'ours_up': 1, 'paper_up': 2, 'agree': 1}]
    """
    out: list[dict[str, Any]] = []
    for model in dict.fromkeys(r["model"] for r in table):
        gains = [
            (r[f"sgt_gain_{metric}"], r[f"paper_sgt_gain_{metric}"])
            for r in table
            if r["model"] == model and r.get(f"sgt_gain_{metric}") is not None
        ]
        published = [(ours, paper) for ours, paper in gains if paper is not None]
        out.append(
            {
                "model": model,
                "metric": metric,
                "methods": len(gains),
                "ours_up": sum(ours > 0 for ours, _ in gains),
                "paper_up": sum(paper > 0 for _, paper in published),
                "agree": sum((ours > 0) == (paper > 0) for ours, paper in published),
            }
        )
    return out


def profile_datasets(profile: BenchProfile) -> list[str]:
    """The datasets of the saliency-over-time profiles: the Box layouts of ``profile`` whose block
    has a fixed place in time (Middle, SmallMiddle, RareTime, RareFeature), if it trains the LSTM."""
    if PROFILE_MODEL not in profile.models or PROFILE_PROCESS not in profile.processes:
        return []
    return [
        f"{layout}_{PROFILE_PROCESS}" for layout in profile.layouts if LAYOUTS[layout].time.kind == "fixed"
    ]


def lstm_profiles(
    run_dir: str | os.PathLike[str], profile: BenchProfile, *, seed: int = 0
) -> list[dict[str, Any]]:
    """The LSTM's gradient saliency over time on :func:`profile_datasets`, for each training.

    Computed from the grid's checkpoints (a model whose training task has not finished is left out)
    and stored under suite ``sgt-timeseries`` (one row per step ``step@t`` plus ``box_mass``,
    ``late_mass``); stored profiles are read back, not recomputed. Each dict holds ``dataset``,
    ``training``, ``profile`` (T values), ``box_steps`` ([start, stop)), ``box_share``, ``box_mass``,
    ``late_mass``, the model's ``test_accuracy`` and ``passed`` (over the accuracy threshold), and the
    grid's gradient ``aup``/``aur`` (None when not scored).
    """
    root = Path(run_dir)
    store = ResultStore(root / DATABASE)
    out = []
    for dataset in profile_datasets(profile):
        layout = dataset.removesuffix(f"_{PROFILE_PROCESS}")
        data = data_spec(profile, layout, PROFILE_PROCESS, seed)
        for training in profile.trainings:
            trained = TaskKey(BENCH_SUITE, dataset, PROFILE_MODEL, training, TRAINING_RUN, seed)
            if not store.has(trained):
                continue
            key = TaskKey(SUITE, dataset, PROFILE_MODEL, training, PROFILE_METHOD, seed)
            if not store.has(key):
                store.put(key, _profile_metrics(root, trained, data, seed))
            stored = store.get(key)
            n_steps = data.n_steps
            steps = _box_steps(prepare_data(data).test.mask)
            accuracy = store.get(trained)["test_accuracy"]
            scores = store.get(replace(trained, method=PROFILE_METHOD))  # {} when not scored
            out.append(
                {
                    "dataset": dataset,
                    "training": training,
                    "profile": [stored[f"step@{t}"] for t in range(n_steps)],
                    "box_steps": list(steps),
                    "box_share": (steps[1] - steps[0]) / n_steps,
                    "box_mass": stored["box_mass"],
                    "late_mass": stored["late_mass"],
                    "test_accuracy": accuracy,
                    "passed": accuracy is not None and accuracy >= profile.accuracy_threshold,
                    "aup": scores.get("aup"),
                    "aur": scores.get("aur"),
                }
            )
    return out


def _profile_metrics(root: Path, trained: TaskKey, data: Any, seed: int) -> dict[str, float]:
    model = load_checkpoint(model_dir(root, trained)).model.eval()
    prepared = prepare_data(data)
    maps = attribute(model, prepared.test.x, y=prepared.test.y, method=PROFILE_METHOD, seed=seed)
    values = saliency_over_time(maps).numpy()
    start, stop = _box_steps(prepared.test.mask)
    total = float(values.sum())
    metrics = {f"step@{t}": float(v) for t, v in enumerate(values)}
    metrics["box_mass"] = float(values[start:stop].sum()) / total if total > 0 else float("nan")
    metrics["late_mass"] = late_mass_fraction(values, LATE_FRACTION)
    return metrics


def _box_steps(mask: np.ndarray | None) -> tuple[int, int]:
    """[first, last + 1) of the time steps that hold informative cells in any sample."""
    if mask is None:
        raise ValueError("mask: the profile datasets need their ground-truth mask")
    steps = np.flatnonzero(np.asarray(mask).any(axis=(0, 2)))
    return int(steps[0]), int(steps[-1]) + 1


def write_outputs(results: SgtTimeseriesResults) -> list[Path]:
    """Write Table 2 (CSV/JSON), the profiles (CSV/JSON) and one profile figure per dataset."""
    from salience.figures import plot_saliency_profiles

    root = results.run_dir
    written = [
        write_text_atomic(root / "table2.csv", _csv(results.table)),
        write_text_atomic(root / "table2.json", json.dumps(results.to_dict(), indent=2) + "\n"),
    ]
    long = [
        {"dataset": p["dataset"], "training": p["training"], "step": t, "saliency": value}
        for p in results.profiles
        for t, value in enumerate(p["profile"])
    ]
    written.append(write_text_atomic(root / "saliency_over_time.csv", _csv(long)))
    written.append(
        write_text_atomic(root / "saliency_over_time.json", json.dumps(results.profiles, indent=2) + "\n")
    )
    for dataset in dict.fromkeys(p["dataset"] for p in results.profiles):
        mine = [p for p in results.profiles if p["dataset"] == dataset]
        curves = {
            f"{TRAINING_LABELS.get(p['training'], p['training'])} (late mass {p['late_mass']:.2f}, "
            f"acc {p['test_accuracy']:.2f})": np.asarray(p["profile"])
            for p in mine
        }
        written.append(
            plot_saliency_profiles(
                curves,
                root / "figures" / f"lstm_profile_{dataset}.png",
                title=f"LSTM gradient saliency over time, {dataset}: traditional vs saliency guided",
                box_steps=tuple(mine[0]["box_steps"]),
            )
        )
    return written


def print_summary(console: Any, results: SgtTimeseriesResults) -> None:
    """Print Table 2 (ours | paper, both trainings), the SGT directions and the LSTM profiles."""
    from rich.table import Table

    counts = ", ".join(f"{n} {status}" for status, n in results.counts.items())
    console.print(f"Grid: {counts}")
    console.print(
        render_training_table(
            results.table,
            "Table 2: Diff(AUP) / Diff(AUR) against the i.i.d. random baseline, mean over datasets "
            "(ours | paper)",
        )
    )
    for d in results.directions:
        console.print(
            f"{d['model']}: SGT raises Diff(AUP) for {d['ours_up']} of {d['methods']} methods "
            f"(paper: {d['paper_up']}); direction agrees with the paper for {d['agree']}"
        )
    if results.excluded:
        names = ", ".join(
            f"{e['dataset']}/{e['model']}/{e['training']} ({e['test_accuracy']:.2f})"
            for e in results.excluded
        )
        console.print(f"Excluded (under the accuracy threshold): {names}", soft_wrap=True)
    if results.profiles:
        table = Table(title="LSTM gradient saliency over time: mass on the box steps and on the last 20%")
        for column in ("dataset", "training", "test acc", "box steps", "box mass (flat)", "late mass"):
            table.add_column(column, justify="left" if column in ("dataset", "training") else "right")
        table.add_column("AUP / AUR", justify="right")
        for p in results.profiles:
            scores = "—" if p["aup"] is None else f"{p['aup']:.3f} / {p['aur']:.3f}"
            table.add_row(
                p["dataset"],
                TRAINING_LABELS.get(p["training"], p["training"]),
                f"{p['test_accuracy']:.2f}" + ("" if p["passed"] else " (under)"),
                f"{p['box_steps'][0]}–{p['box_steps'][1] - 1}",
                f"{p['box_mass']:.3f} ({p['box_share']:.2f})",
                f"{p['late_mass']:.3f}",
                scores,
            )
        console.print(table)
    console.print(f"Written to {results.run_dir}: table2.csv/json, saliency_over_time.csv/json, figures/")
