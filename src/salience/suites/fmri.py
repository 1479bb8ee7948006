"""The on-task/off-task reproduction (``salience reproduce fmri``): Figure 5 of the ICA supplement.

The paper classifies two HCP tasks (gambling vs working memory) from samples of 38 active frames
followed by 10 non-active frames over 360 cortical regions, and shows where the most salient cells
fall in time: the on-task window cut into 4 buckets, then the off-task bucket. The LSTM's salient
cells pile into the last steps; with input-cell attention they spread over the on-task buckets.

Real HCP data is not available offline, so the data here is the synthetic stand-in of
:func:`salience.data.fmri.make_task_blocks` (task patterns over 20 % of the regions during the active
block only, AR(1) noise everywhere). For each model (``lstm`` and ``ica-lstm``): generate, split (test
part held out, validation carved from training), standardise per cell on the training part, train
(model selection and early stopping on the validation split only), explain the test set with the
vanilla gradient of the true-class probability, and compute the share of each sample's top 5 %
|saliency| cells in each time bucket (:func:`salience.metrics.buckets.time_bucket_distribution`).

Results go to the run directory's SQLite store (suite ``fmri``) as each task finishes, so an
interrupted run resumes. Stored per task: ``bucket_share_1`` … ``bucket_share_B`` (bucket B is the
off-task one), ``late_bucket_share`` (last on-task + off-task bucket), ``acc``, ``val_acc``,
``epochs``, ``best_epoch``, ``seconds``. Outputs: ``table.csv``/``table.json`` (one row per model),
``results.csv``/``results.json`` (every stored row), ``figures/buckets.png`` (Figure 5 style) and
``figures/profile.png`` (mean normalised saliency per step).

Decisions: the paper says the on-task window has "40 frames" but its samples have 38 active frames;
we bucket the 38 (edges 0, 10, 19, 29, 38, 48). It does not say how many cells count as salient;
we use the top 5 % per sample. Input-cell attention uses flatten pooling, as the ICA suite.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from salience._io import atomic_path, write_text_atomic
from salience.data import split_dataset
from salience.data.fmri import (
    PAPER_OFF_STEPS,
    PAPER_ON_STEPS,
    PAPER_REGIONS,
    PAPER_SUBJECTS,
    make_task_blocks,
)
from salience.metrics import saliency_over_time
from salience.metrics.buckets import on_off_buckets, time_bucket_distribution
from salience.models import MODELS, model_label
from salience.runs.config import apply_overrides, select
from salience.runs.events import RunEvents
from salience.runs.layout import task_dir
from salience.runs.runner import Task, TaskContext, run_suite
from salience.runs.store import ResultStore, TaskKey
from salience.runs.tables import export_results, write_csv
from salience.suites.contract import Suite
from salience.suites.fit_explain import run_fit_explain, standardized

SUITE = "fmri"
DATASET = "task-blocks"
METHOD = "gradient"
TRAINING = "traditional"
SALIENCY_FILE = "saliency.npz"
FMRI_MODELS = ("lstm", "ica-lstm")
#: The published finding (Figure 5), in words: there are no published numbers to compare with.
PAPER_DIRECTION = (
    "LSTM: salient cells pile into the last time steps; LSTM + input-cell attention: spread over the "
    "on-task buckets"
)
#: "Spread" in :func:`direction_shown`: every on-task bucket holds at least this share.
SPREAD_SHARE = 0.1


@dataclass(frozen=True)
class FmriProfile:
    """Settings of one profile: data, models, training and the bucket analysis."""

    name: str
    n_regions: int
    on_steps: int
    off_steps: int
    n_train: int
    n_test: int
    validation_fraction: float
    amplitude: float
    hidden_size: int
    r: int
    d_a: int
    batch_size: int
    lr: float
    max_epochs: int
    patience: int
    models: tuple[str, ...] = FMRI_MODELS
    n_on_buckets: int = 4
    top_fraction: float = 0.05
    dropout: float = 0.1
    hop_pooling: str = "flatten"
    stop_at_train_accuracy: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def edges(self) -> tuple[int, ...]:
        """The bucket edges: ``n_on_buckets`` on-task buckets, then the off-task bucket."""
        return on_off_buckets(self.on_steps, self.off_steps, self.n_on_buckets)


PROFILES: dict[str, FmriProfile] = {
    # The paper's sample shape (38 + 10 steps, 360 regions) and split: one sample per subject and task
    # (566 training subjects, 183 test subjects). H, r and d_a are not given for the fMRI experiments;
    # we use H = 32 (an LSTM with H = 5 does not learn this data) and the box experiments' r, d_a.
    # About 15 minutes on 2 CPU cores (the input-cell attention LSTM, r·F = 7200 inputs per step,
    # runs all 100 epochs: its validation loss keeps falling).
    "paper": FmriProfile(
        name="paper", n_regions=PAPER_REGIONS, on_steps=PAPER_ON_STEPS, off_steps=PAPER_OFF_STEPS,
        n_train=2 * PAPER_SUBJECTS[0], n_test=2 * PAPER_SUBJECTS[1], validation_fraction=0.1,
        amplitude=1.0, hidden_size=32, r=20, d_a=50, batch_size=50, lr=2e-3, max_epochs=100, patience=15,
    ),
    # Same time layout; 60 regions, 600 + 200 samples, smaller attention, short budget: about 5 s on
    # one idle CPU thread (much longer when torch's threads compete with other work for the cores).
    "quick": FmriProfile(
        name="quick", n_regions=60, on_steps=PAPER_ON_STEPS, off_steps=PAPER_OFF_STEPS,
        n_train=600, n_test=200, validation_fraction=0.15, amplitude=1.0, hidden_size=32, r=10, d_a=20,
        batch_size=25, lr=5e-3, max_epochs=40, patience=10,
    ),
}  # fmt: skip


@dataclass
class FmriResult:
    """One model's bucket shares (mean over test samples), accuracy and bookkeeping."""

    model: str
    shares: tuple[float, ...]
    late_share: float
    acc: float  # percent
    epochs: int
    seconds: float

    @property
    def label(self) -> str:
        return model_label(self.model)


def bucket_labels(edges: Sequence[int], on_steps: int) -> list[str]:
    """Names of the buckets: ``on 1 (0-9)``, …, ``off (38-47)`` (steps inclusive).

    Example:
        >>> bucket_labels((0, 10, 19, 29, 38, 48), 38)
        ['on 1 (0-9)', 'on 2 (10-18)', 'on 3 (19-28)', 'on 4 (29-37)', 'off (38-47)']
    """
    labels = []
    for b, (low, high) in enumerate(itertools.pairwise(edges)):
        name = f"on {b + 1}" if high <= on_steps else "off"
        labels.append(f"{name} ({low}-{high - 1})")
    return labels


def resolve_profile(
    profile: str | FmriProfile, *, models: Sequence[str] | None = None, **overrides: Any
) -> FmriProfile:
    """The named profile with the model selection and field overrides applied (None: not overridden,
    except ``stop_at_train_accuracy``).

    Example:
        >>> resolve_profile("quick", max_epochs=5).max_epochs
        5
    """
    select(overrides, "models", models, MODELS)
    return apply_overrides(profile, PROFILES, overrides, keep_none=("stop_at_train_accuracy",))


def run_fmri(
    run_dir: str | os.PathLike[str], profile: str | FmriProfile = "quick", *, seed: int = 0,
    device: str = "cpu", events: RunEvents | None = None,
) -> list[FmriResult]:
    """Run (or resume) the on-task/off-task reproduction into ``run_dir``; one result per model.

    Example (a tiny profile; ``format_summary(results)`` prints the table):
        >>> import tempfile
        >>> tiny = resolve_profile("quick", n_regions=6, n_train=24, n_test=8, max_epochs=1, r=2, d_a=4)
        >>> [r.model for r in run_fmri(tempfile.mkdtemp(), tiny)]
        ['lstm', 'ica-lstm']
    """
    return run_suite(FMRI_SUITE, run_dir, profile, seed=seed, device=device, events=events)


def _key(model: str, seed: int) -> TaskKey:
    return TaskKey(SUITE, DATASET, model, TRAINING, METHOD, seed)


def _plan(profile: FmriProfile, seed: int) -> list[Task]:
    epochs = profile.max_epochs
    return [Task(_key(m, seed), artefacts=(SALIENCY_FILE,), max_epochs=epochs) for m in profile.models]


def _prepare_data(profile: FmriProfile, group: object, seed: int):
    data = make_task_blocks(
        profile.n_train + profile.n_test, n_regions=profile.n_regions, on_steps=profile.on_steps,
        off_steps=profile.off_steps, amplitude=profile.amplitude, seed=seed,
    )  # fmt: skip
    splits = split_dataset(data, test=profile.n_test, validation=profile.validation_fraction, seed=seed)
    return standardized(splits)


def _run_task(context: TaskContext) -> dict[str, float]:
    profile = context.profile
    started = time.perf_counter()
    task = run_fit_explain(context)
    saliency = task.saliency
    shares = time_bucket_distribution(saliency, edges=profile.edges, top_fraction=profile.top_fraction)
    profile_curve = saliency_over_time(saliency)

    with atomic_path(context.directory / SALIENCY_FILE) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(
            handle,
            per_sample_shares=shares.per_sample.numpy(),
            edges=np.asarray(shares.edges),
            profile=profile_curve.numpy(),
        )
    mean = shares.mean.tolist()
    metrics = {f"bucket_share_{b + 1}": value for b, value in enumerate(mean)}
    return {
        **metrics,
        "late_bucket_share": _late_share(mean, profile),
        **task.training_metrics(),
        "seconds": time.perf_counter() - started,
    }


def _late_share(shares: Sequence[float], profile: FmriProfile) -> float:
    """Share in the last on-task bucket and the off-task bucket (if any)."""
    last_on = profile.n_on_buckets - 1
    return float(sum(shares[last_on:]))


def collect_results(run_dir: str | os.PathLike[str], profile: FmriProfile, seed: int = 0) -> list[FmriResult]:
    """Read the results of ``profile``'s models from the run directory's store."""
    store = ResultStore(Path(run_dir) / "results.sqlite")
    n_buckets = len(profile.edges) - 1
    results = []
    for model_name in profile.models:
        metrics = store.get(_key(model_name, seed))
        if not metrics:
            continue
        shares = tuple(_number(metrics.get(f"bucket_share_{b + 1}")) for b in range(n_buckets))
        results.append(
            FmriResult(
                model=model_name,
                shares=shares,
                late_share=_number(metrics.get("late_bucket_share")),
                acc=100.0 * _number(metrics.get("acc")),
                epochs=int(_number(metrics.get("epochs"))),
                seconds=_number(metrics.get("seconds")),
            )
        )
    return results


def _number(value: float | None) -> float:
    return math.nan if value is None else float(value)


def direction_shown(results: Sequence[FmriResult], n_on_buckets: int = 4) -> bool | None:
    """Whether the paper's Figure 5 direction shows: the LSTM's late share (last on-task + off-task
    bucket) is above one half and above the input-cell attention LSTM's, and the latter holds at least
    :data:`SPREAD_SHARE` in every on-task bucket. None when either model is missing.

    Example:
        >>> lstm = FmriResult("lstm", (0.0, 0.0, 0.02, 0.08, 0.9), 0.98, 95.0, 10, 1.0)
        >>> ica = FmriResult("ica-lstm", (0.25, 0.2, 0.2, 0.2, 0.15), 0.35, 100.0, 10, 1.0)
        >>> direction_shown([lstm, ica])
        True
    """
    by_model = {r.model: r for r in results}
    if "lstm" not in by_model or "ica-lstm" not in by_model:
        return None
    lstm, ica = by_model["lstm"], by_model["ica-lstm"]
    spread = all(share >= SPREAD_SHARE for share in ica.shares[:n_on_buckets])
    return bool(lstm.late_share > 0.5 and lstm.late_share > ica.late_share and spread)


def format_summary(results: Sequence[FmriResult], profile: str | FmriProfile = "quick") -> str:
    """A plain-text table: test accuracy and the share of top-salient cells per time bucket per model,
    then whether the paper's direction shows.

    Example:
        >>> r = FmriResult("lstm", (0.0, 0.0, 0.02, 0.08, 0.9), 0.98, 95.0, 12, 3.0)
        >>> print(format_summary([r]).splitlines()[1])
        LSTM              95.0      12   0.00   0.00   0.02   0.08   0.90    0.98
    """
    profile = resolve_profile(profile)
    edges = profile.edges
    names = [label.split(" (")[0] for label in bucket_labels(edges, profile.on_steps)]
    header = f"{'model':<16}{'acc %':>6}{'epochs':>8}" + "".join(f"{n:>7}" for n in names) + f"{'late':>8}"
    lines = [header]
    for r in results:
        cells = "".join(f"{share:>7.2f}" for share in r.shares)
        lines.append(f"{r.label:<16}{r.acc:>6.1f}{r.epochs:>8}{cells}{r.late_share:>8.2f}")
    shown = direction_shown(results, profile.n_on_buckets)
    top = f"{100 * profile.top_fraction:g}"
    lines.append(f"share of each sample's top {top}% |gradient| cells per time bucket (late: last on + off)")
    verdict = {None: "n/a (needs lstm and ica-lstm)", True: "yes", False: "no"}[shown]
    lines.append(f"paper's direction ({PAPER_DIRECTION}): {verdict}")
    return "\n".join(lines)


def write_outputs(
    run_dir: str | os.PathLike[str], results: Sequence[FmriResult], profile: FmriProfile, seed: int = 0
) -> None:
    """Write table.csv/json (one row per model), results.csv/json (every stored row) and the figures."""
    from salience.figures import plot_bucket_distribution, plot_saliency_profiles

    run_dir = Path(run_dir)
    export_results(run_dir, SUITE)
    labels = bucket_labels(profile.edges, profile.on_steps)
    columns = [f"share_{name.split(' (')[0].replace(' ', '')}" for name in labels]
    records = [
        {
            "model": r.model, "label": r.label, "acc": r.acc,
            **dict(zip(columns, r.shares, strict=True)),
            "late_bucket_share": r.late_share, "epochs": r.epochs, "seconds": r.seconds,
        }
        for r in results
    ]  # fmt: skip
    fields = ["model", "label", "acc", *columns, "late_bucket_share", "epochs", "seconds"]
    write_csv(run_dir / "table.csv", records, fields)
    summary = {
        "edges": list(profile.edges),
        "buckets": labels,
        "top_fraction": profile.top_fraction,
        "paper": PAPER_DIRECTION,
        "direction_shown": direction_shown(results, profile.n_on_buckets),
        "rows": records,
    }
    write_text_atomic(run_dir / "table.json", json.dumps(summary, indent=2))

    figures = run_dir / "figures"
    if results:
        plot_bucket_distribution(
            {r.label: r.shares for r in results}, labels, path=figures / "buckets.png",
            title=f"Top {100 * profile.top_fraction:g}% salient cells per time bucket (synthetic data)",
        )  # fmt: skip
    profiles = {}
    for model_name in profile.models:
        path = task_dir(run_dir, _key(model_name, seed)) / SALIENCY_FILE
        if path.exists():
            with np.load(path, allow_pickle=False) as data:
                profiles[model_label(model_name)] = data["profile"]
    if profiles:
        plot_saliency_profiles(
            profiles, figures / "profile.png", title="Saliency over time (on-task block shaded)",
            box_steps=(0, profile.on_steps),
        )  # fmt: skip


FMRI_SUITE = Suite(
    name=SUITE,
    title="On-task/off-task saliency over time (Figure 5 of the input-cell attention supplement)",
    profiles=PROFILES, resolve=resolve_profile,
    keep=("models", "name"),
    plan=_plan, prepare=_prepare_data, run_task=_run_task,
    collect=collect_results, write=write_outputs,
    tables={
        "table": "Share of each sample's top-salient cells per time bucket, test accuracy, per model",
        "results": "Every stored row of the suite",
    },
    figures=lambda profile: {
        "buckets.png": "Top-salient cells per time bucket (on-task buckets, then off-task), per model",
        "profile.png": "Mean normalised saliency per time step (on-task block shaded), per model",
    },
    published=PAPER_DIRECTION,
)
