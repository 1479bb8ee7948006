"""The benchmark grid on Dask: the same slice of the grid with 1 worker (in-process) and with N local
worker processes, and an estimate of the paper profile's time from per-task times measured on a
sample of its tasks.

    python benchmarks/bench_grid.py                 # slice: 2 layouts × Box × 4 models, quick settings
    python benchmarks/bench_grid.py --estimate      # also time one paper-profile dataset, extrapolate

Both runs start from an empty run directory and compute identical tasks; the ratio printed is
wall(1 worker) / wall(N workers). The estimate times every paper task of one dataset (all four
models and ten methods, paper sizes, except that saliency runs on ``--estimate-test`` test samples
and its time is scaled linearly to the paper's 100) and multiplies by the 70 datasets: training time
varies a lot between datasets (early stopping), so treat it as an order of magnitude.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from salience.bench.executor import default_workers
from salience.bench.grid import run_bench
from salience.bench.profile import resolve_profile
from salience.runs.layout import FIT_METHOD


def timed_run(run_dir: Path, profile, workers: int, threads: int | None = None) -> float:
    start = time.perf_counter()
    report = run_bench(run_dir, profile, workers=workers, threads=threads)
    elapsed = time.perf_counter() - start
    counts = report.counts()
    assert counts["pending"] == 0 and counts["failed"] == 0, counts
    return elapsed


def task_seconds(run_dir: Path, saliency_scale: float) -> dict[str, float]:
    """Seconds per (model, task), saliency tasks scaled by ``saliency_scale``."""
    with sqlite3.connect(run_dir / "results.sqlite") as db:
        rows = db.execute("SELECT model, method, seconds FROM task_log").fetchall()
    totals: dict[str, float] = defaultdict(float)
    for model, method, seconds in rows:
        training = method == FIT_METHOD
        name = f"{model} {'training' if training else method}"
        totals[name] += (seconds or 0.0) * (1.0 if training else saliency_scale)
    return dict(totals)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="local workers to compare with 1"
    )
    parser.add_argument("--estimate", action="store_true", help="also estimate the paper profile's time")
    parser.add_argument("--estimate-test", type=int, default=20, help="test samples timed for the estimate")
    args = parser.parse_args()

    profile = resolve_profile("quick", layouts=["Middle", "RareTime"], processes=["Box"])
    with tempfile.TemporaryDirectory() as tmp:
        single = timed_run(Path(tmp) / "single", profile, workers=1, threads=1)
        threaded = timed_run(Path(tmp) / "threaded", profile, workers=1, threads=args.workers)
        many = timed_run(Path(tmp) / "many", profile, workers=args.workers, threads=1)
    n_tasks = len(profile.layouts) * len(profile.processes) * len(profile.models) * 9
    print(f"grid slice ({n_tasks} tasks, quick settings):")
    print(f"  1 worker, 1 thread per task:            {single:6.1f} s")
    print(f"  1 worker, {args.workers} threads per task:           {threaded:6.1f} s")
    print(f"  {args.workers} workers, 1 thread each:               {many:6.1f} s")
    print(f"speed-up of {args.workers} workers over 1 (1 thread each): {single / many:.2f}x")
    print(
        f"speed-up of {args.workers} workers over 1 worker of {args.workers} threads: {threaded / many:.2f}x"
    )

    if args.estimate:
        paper = resolve_profile("paper", layouts=["Middle"], processes=["Box"], n_test=args.estimate_test)
        scale = 100 / args.estimate_test
        with tempfile.TemporaryDirectory() as tmp:
            timed_run(Path(tmp) / "paper", paper, workers=args.workers)
            seconds = task_seconds(Path(tmp) / "paper", scale)
        total = sum(seconds.values())
        wall = total / args.workers  # the tasks of 70 datasets keep every worker busy
        print(f"paper profile, Middle_Box, all models and methods: {total:.0f} s of task time (scaled)")
        for name, value in sorted(seconds.items(), key=lambda item: -item[1])[:8]:
            print(f"  {name:40s} {value:8.1f} s")
        print(
            f"estimate for 70 datasets: {70 * total / 3600:.1f} h of task time, "
            f"{70 * wall / 3600:.1f} h wall with {args.workers} workers"
        )


if __name__ == "__main__":
    main()
