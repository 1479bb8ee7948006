"""The benchmark grid: plan the tasks of a run directory, run the missing ones on Dask, record each.

A task is (dataset, model, training, method, seed). For every (dataset, model, training) one
training task (method ``fit``) trains the model (``traditional`` or saliency guided, ``sgt``) and
records its accuracies; one saliency task per method then scores that model's maps. Results go to
``results.sqlite`` in the run directory as each task finishes (all of a task's metrics in one
transaction), model weights to ``tasks/<dataset>/<model>/<training>/seed<seed>/checkpoint/``
(safetensors + JSON, the run-directory layout of :mod:`salience.runs.layout`), the settings to
``config.json``.

Running the same command again computes only what is missing: tasks with results are never
recomputed, a trained model whose checkpoint is complete is not retrained, and a run directory made
with other settings is refused (a different selection of layouts, processes, models, methods or
trainings is fine: it adds or reuses tasks). Since every task is seeded, a resumed run ends with the
same results as an uninterrupted one.

Example:
    >>> import tempfile
    >>> profile = resolve_profile("quick", layouts=["Middle"], processes=["Box"], models=["tcn"],
    ...     methods=["gradient"], n_train=40, n_test=10, n_steps=8, n_features=6, max_epochs=1)
    >>> report = run_bench(tempfile.mkdtemp(), profile, workers=1)
    >>> counts = report.counts()  # one epoch: the model is under 90%, so its saliency tasks are skipped
    >>> counts["done"], counts["done"] + counts["skipped"], counts["failed"]
    (1, 4, 0)
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Hashable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from safetensors.torch import load as load_weights
from safetensors.torch import save as save_weights

from salience._validation import check_positive_int
from salience.bench.executor import After, Job, dask_client, default_workers, run_jobs
from salience.bench.profile import (
    BASELINE_METHODS,
    SELECTIONS,
    SUITE,
    TRAINING_RUN,
    BenchProfile,
    resolve_profile,
)
from salience.bench.tasks import (
    ModelSpec,
    SaliencySpec,
    data_spec,
    model_spec,
    run_saliency,
    run_training,
)
from salience.models.checkpoint import load_checkpoint, write_checkpoint
from salience.runs.config import write_run_config
from salience.runs.events import RunEvents
from salience.runs.layout import checkpoint_dir
from salience.runs.store import ResultStore, TaskKey

CONFIG_FILE = "config.json"
TITLE = "Time-series saliency benchmark grid (Ismail et al., NeurIPS 2020)"
DATABASE = "results.sqlite"


@dataclass(frozen=True)
class PlannedTask:
    """One task of the grid: its key and what runs it."""

    key: TaskKey
    spec: ModelSpec | SaliencySpec

    @property
    def is_training(self) -> bool:
        return self.key.method == TRAINING_RUN


@dataclass
class BenchReport:
    """What the run directory holds for the planned tasks: each task's status."""

    statuses: dict[TaskKey, str] = field(default_factory=dict)
    messages: dict[TaskKey, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counts = Counter(self.statuses.values())
        return {status: counts.get(status, 0) for status in ("done", "skipped", "failed", "pending")}


def selected_methods(profile: BenchProfile) -> tuple[str, ...]:
    """The profile's methods plus the random baselines (always scored: Diff needs them)."""
    extra = tuple(m for m in BASELINE_METHODS if m not in profile.methods)
    return tuple(profile.methods) + extra


def plan(
    profile: BenchProfile,
    *,
    seed: int = 0,
    device: str = "cpu",
    workers: int = 1,
    threads: int | None = None,
) -> list[PlannedTask]:
    """Every task of ``profile``'s grid, each training task before the saliency tasks that need it.

    ``threads`` is the number of torch threads of each task (default: this machine's cores shared
    among ``workers``).
    """
    threads = threads or max(1, default_workers() // max(1, workers))
    tasks: list[PlannedTask] = []
    for layout in profile.layouts:
        for process in profile.processes:
            data = data_spec(profile, layout, process, seed)
            for model in profile.models:
                for training in profile.trainings:
                    spec = model_spec(profile, data, model, device, threads, training)
                    key = TaskKey(SUITE, data.name, model, training, TRAINING_RUN, seed)
                    tasks.append(PlannedTask(key, spec))
                    for method in selected_methods(profile):
                        saliency = SaliencySpec(
                            model=spec,
                            method=method,
                            accuracy_threshold=profile.accuracy_threshold,
                            batch_size=profile.attribution_batch_size,
                            random_source=profile.random_source,
                        )
                        tasks.append(PlannedTask(replace(key, method=method), saliency))
    return tasks


def run_bench(
    run_dir: str | os.PathLike[str],
    profile: BenchProfile,
    *,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    device: str = "cpu",
    threads: int | None = None,
    events: RunEvents | None = None,
) -> BenchReport:
    """Run the tasks of ``profile`` missing from ``run_dir`` on Dask; return every task's status.

    ``workers`` local workers (default one per core; 1 runs in-process), or the cluster at
    ``scheduler``; ``threads`` torch threads per task (default: cores / workers).
    """
    for value, name in ((threads, "threads"), (workers, "workers")):
        if value is not None:
            check_positive_int(value, name)
    events = events or RunEvents()
    root = Path(run_dir)
    _write_config(root, profile, seed, device)
    store = ResultStore(root / DATABASE)
    n_workers = workers if workers is not None else (1 if scheduler else default_workers())
    tasks = plan(profile, seed=seed, device=device, workers=n_workers, threads=threads)
    done = store.done_keys(SUITE)
    skipped = {r.key for r in store.task_log(SUITE) if r.status == "skipped"}
    trained: dict[TaskKey, dict[str, Any]] = {}
    jobs: list[Job] = []
    by_key = {task.key: task for task in tasks}
    for task in tasks:
        if task.key in done or task.key in skipped:
            continue
        if task.is_training:
            jobs.append(Job(task.key, run_training, (task.spec,)))
            continue
        training_key = _training_key(task.key)
        if training_key in done and training_key not in trained:
            loaded = _load_trained(root, store, training_key)
            if loaded is None:  # the checkpoint is gone: train again
                done.discard(training_key)
                jobs.append(Job(training_key, run_training, (by_key[training_key].spec,)))
            else:
                trained[training_key] = loaded
        source = trained.get(training_key, After(training_key))
        jobs.append(Job(task.key, run_saliency, (task.spec, source)))
    jobs.sort(key=lambda job: job.key.method != TRAINING_RUN)  # all training first: it gates the rest
    events.planned(len(tasks), len(jobs))

    def on_result(key: Hashable, result: dict[str, Any]) -> None:
        assert isinstance(key, TaskKey)
        if key.method == TRAINING_RUN:
            _save_model(root, key, result)
            store.put(key, result["metrics"], seconds=result["seconds"], worker=result["worker"])
            events.finished(key, "done")
        elif result["status"] == "skipped":
            store.log(
                key, "skipped", seconds=result["seconds"], worker=result["worker"], message=result["message"]
            )
            events.finished(key, "skipped")
        else:
            store.put(key, result["metrics"], seconds=result["seconds"], worker=result["worker"])
            events.finished(key, "done")

    def on_error(key: Hashable, error: BaseException) -> None:
        assert isinstance(key, TaskKey)
        message = f"{type(error).__name__}: {error}".splitlines()[0][:500]
        store.log(key, "failed", message=message)
        events.finished(key, "failed")

    if jobs:
        with dask_client(workers=workers, scheduler=scheduler) as client:
            run_jobs(client, jobs, on_result=on_result, on_error=on_error)
    return bench_status(root, tasks=tasks)


def bench_status(run_dir: str | os.PathLike[str], *, tasks: list[PlannedTask] | None = None) -> BenchReport:
    """The status of every task of the run directory's last plan: done, skipped, failed or pending."""
    root = Path(run_dir)
    if tasks is None:
        config = read_config(root)
        tasks = plan(_saved_profile(config), seed=config["seed"], device=config["device"])
    store = ResultStore(root / DATABASE)
    done = store.done_keys(SUITE)
    log = {record.key: record for record in store.task_log(SUITE)}
    report = BenchReport()
    for task in tasks:
        record = log.get(task.key)
        if task.key in done:
            report.statuses[task.key] = "done"
        elif record is not None and record.status in ("skipped", "failed"):
            report.statuses[task.key] = record.status
            report.messages[task.key] = record.message or ""
        else:
            report.statuses[task.key] = "pending"
    return report


def read_config(run_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The run directory's ``config.json`` (what :func:`run_bench` wrote)."""
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"run_dir: {Path(run_dir)} has no {CONFIG_FILE}; is it a bench run directory?"
        )
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"run_dir: {path} is not valid JSON ({err})") from None
    if not isinstance(config, dict) or config.get("suite") != SUITE:
        raise ValueError(f"run_dir: {path} does not describe a bench run")
    return config


def _saved_profile(config: dict[str, Any]) -> BenchProfile:
    saved = config["profile"]
    return resolve_profile(saved["name"], **{k: v for k, v in saved.items() if k != "name"})


def _write_config(root: Path, profile: BenchProfile, seed: int, device: str) -> None:
    if (root / CONFIG_FILE).is_file():
        read_config(root)  # refuses a directory of another suite
    root.mkdir(parents=True, exist_ok=True)
    write_run_config(
        root, SUITE, profile.to_dict(), seed=seed, device=device, keep=("name", *SELECTIONS), same_seed=True,
        title=TITLE,
    )  # fmt: skip


def _training_key(key: TaskKey) -> TaskKey:
    return replace(key, method=TRAINING_RUN)


def model_dir(run_dir: str | os.PathLike[str], key: TaskKey) -> Path:
    """Where the weights of the model of ``key`` are kept (its checkpoint in the task layout).

    Example:
        >>> model_dir("run", TaskKey("bench", "Middle_Box", "lstm", "sgt", "gradient", 0)).as_posix()
        'run/tasks/Middle_Box/lstm/sgt/seed0/checkpoint'
    """
    return checkpoint_dir(run_dir, key)


def _save_model(root: Path, key: TaskKey, result: dict[str, Any]) -> None:
    # Written from the weights alone: building a model here would draw from the global RNG while an
    # in-process worker trains on another thread.
    metadata = {"metrics": result["metrics"], "task": asdict(key)}
    write_checkpoint(
        model_dir(root, key), result["config"], load_weights(result["weights"]), metadata=metadata
    )


def _load_trained(root: Path, store: ResultStore, key: TaskKey) -> dict[str, Any] | None:
    try:
        checkpoint = load_checkpoint(model_dir(root, key))
    except (FileNotFoundError, ValueError):
        return None
    state = {k: v.contiguous() for k, v in checkpoint.model.state_dict().items()}
    metrics = store.get(key)
    return {"metrics": metrics, "weights": save_weights(state)}
