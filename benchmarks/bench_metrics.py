"""Speed of the benchmark's ground-truth metrics, vectorised against the per-sample loop reference (CPU).

Run:  .venv/bin/python benchmarks/bench_metrics.py [--quick] [--threads N]

At the benchmark's sizes (N=100 test samples, T=50 steps, F=50 features, the nine mass levels
10 %…90 %, a 30×30 box per sample, Gaussian saliency) it times

  (a) masks:  ``saliency_mass_masks``  against the loop ``reference_benchmark_metrics.masks``;
  (b) scores: ``ground_truth_scores`` (cell-level precision/recall per level, AUP, AUR, AUPR and the
      time- and feature-level areas) against the loop ``reference_benchmark_metrics.scores``;
  (c) both, i.e. masks + precision/recall + AUP/AUR as the benchmark pipeline needs them;

interleaved (vectorised, loop) in every repetition after a warm-up, and reports the median of the
pairwise ratios loop / vectorised. It checks that the masks are identical and the scores agree to
1e-12 before timing. The loop reference lives with the tests (``tests/reference_benchmark_metrics.py``):
per-sample numpy written from the definitions, incremental mask search as in the original.

Both sides run on one core by default (``--threads 1``): the reference is single-threaded numpy,
and on a shared machine competing OpenMP threads distort the timings badly. The script prints a
PASS/FAIL line for its target; it never fails (exit code 0).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import reference_benchmark_metrics as reference
from salience.metrics import MASS_LEVELS, ground_truth_scores, saliency_mass_masks

SIZES = {"n_samples": 100, "n_steps": 50, "n_features": 50, "box": 30}
TARGET = 20.0  # loop / vectorised for masks + scores, at least


def _inputs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, t, f, box = (SIZES[k] for k in ("n_samples", "n_steps", "n_features", "box"))
    saliency = rng.normal(size=(n, t, f))
    mask = np.zeros((n, t, f), dtype=bool)
    for i in range(n):
        t0, f0 = rng.integers(0, t - box + 1), rng.integers(0, f - box + 1)
        mask[i, t0 : t0 + box, f0 : f0 + box] = True
        saliency[i, t0 : t0 + box, f0 : f0 + box] += 1.0  # a map that partly finds the box
    return saliency, mask


def _check_equal(saliency: np.ndarray, mask: np.ndarray) -> float:
    """Largest score difference; raises if the masks differ or a score differs by more than 1e-12."""
    if not np.array_equal(saliency_mass_masks(saliency).numpy(), reference.masks(saliency)):
        raise AssertionError("masks differ from the loop reference")
    ours, theirs = ground_truth_scores(saliency, mask), reference.scores(saliency, mask)
    if set(ours) != set(theirs):
        raise AssertionError(f"score names differ: {sorted(set(ours) ^ set(theirs))}")
    gaps = [0.0 if math.isnan(ours[k]) and math.isnan(theirs[k]) else abs(ours[k] - theirs[k]) for k in ours]
    if max(gaps) > 1e-12:
        raise AssertionError(f"scores differ from the loop reference by {max(gaps):.1e}")
    return max(gaps)


def _timed(step) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def compare(repetitions: int, warmup: int) -> dict[str, dict[str, float]]:
    saliency, mask = _inputs()
    sides = {
        "masks": (lambda: saliency_mass_masks(saliency), lambda: reference.masks(saliency)),
        "scores": (lambda: ground_truth_scores(saliency, mask), lambda: reference.scores(saliency, mask)),
    }
    for vectorised, loop in sides.values():
        for _ in range(warmup):
            vectorised()
            loop()
    times: dict[str, dict[str, list[float]]] = {
        name: {"vectorised": [], "loop": []} for name in [*sides, "masks + scores"]
    }
    for _ in range(repetitions):
        for name, (vectorised, loop) in sides.items():
            times[name]["vectorised"].append(_timed(vectorised))
            times[name]["loop"].append(_timed(loop))
        for side in ("vectorised", "loop"):  # the pair measured just now, added up
            times["masks + scores"][side].append(times["masks"][side][-1] + times["scores"][side][-1])
    results = {}
    for name, sample in times.items():
        ratios = [b / a for a, b in zip(sample["vectorised"], sample["loop"], strict=True)]
        results[name] = {
            "vectorised_ms": 1e3 * statistics.median(sample["vectorised"]),
            "loop_ms": 1e3 * statistics.median(sample["loop"]),
            "ratio": statistics.median(ratios),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (fewer repetitions)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default: 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    repetitions, warmup = (2, 1) if args.quick else (7, 1)

    sizes = ", ".join(f"{k}={v}" for k, v in SIZES.items())
    print(
        f"ground-truth metrics benchmark (CPU float64, {torch.get_num_threads()} torch threads, torch "
        f"{torch.__version__}, numpy {np.__version__}{', quick' if args.quick else ''})"
    )
    print(f"{sizes}, {len(MASS_LEVELS)} levels; {repetitions} interleaved repetitions after {warmup} warm-up")
    gap = _check_equal(*_inputs())
    print(f"results equal: masks identical, largest score difference {gap:.1e}")
    print()
    print(f"{'step':<16}{'vectorised':>12}{'loop':>12}{'loop/vec':>10}")
    results = compare(repetitions, warmup)
    for name, r in results.items():
        print(f"{name:<16}{r['vectorised_ms']:>10.1f}ms{r['loop_ms']:>10.1f}ms{r['ratio']:>9.1f}x")
    print("(times are medians; ratios are medians of ratios of adjacent runs)")
    print()
    ratio = results["masks + scores"]["ratio"]
    verdict = "PASS" if ratio >= TARGET else "FAIL"
    print(
        f"{verdict}  loop / vectorised (masks + precision/recall + areas) = {ratio:.1f}x "
        f"(target >= {TARGET:g}x)"
    )


if __name__ == "__main__":
    main()
