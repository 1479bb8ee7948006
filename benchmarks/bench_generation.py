"""Speed of the benchmark's synthetic data generation (numpy, CPU).

Run:  .venv/bin/python benchmarks/bench_generation.py [--quick]

1. Generates all 70 datasets (10 layouts × 7 processes) at the paper's size, 1000 training and 100
   test samples of T = F = 50 each, and prints the total and the time per process (summed over the
   10 layouts).
2. Side by side, the GaussianProcess signal as ``salience`` draws it (one Matérn 3/2 kernel per
   sample, a batched Cholesky, all features at once) and a straightforward reference in the
   original's manner (for every feature of every sample: the kernel built pair by pair in Python
   with the generic Matérn formula 2^{1−ν}/Γ(ν)·z^ν·K_ν(z), z = √(2ν)·r, ν = 3/2, then one
   ``multivariate_normal`` draw), on a few samples. Repetitions are interleaved; the ratio is the
   median of the pairwise ratios. The reference's kernel must equal ours (the closed form
   (1 + √3·r)·exp(−√3·r)) to 1e-10.

The script prints PASS/FAIL lines for its targets; it never fails (exit code 0). Timings on a shared
machine vary with the load of other processes.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections import defaultdict

import numpy as np

from salience.data import LAYOUTS, PAPER_SAMPLES, PROCESSES, make_benchmark
from salience.data.processes import irregular_times, matern32_covariance, sample_signal

N_STEPS = N_FEATURES = 50
ALL_TARGET_SECONDS = 60.0  # all 70 datasets at the paper's size, at most
GP_RATIO_TARGET = 100.0  # per-feature Python loop / vectorised GP, at least


def generate_all(train: int, test: int) -> dict[str, float]:
    """Seconds per process, summed over the 10 layouts (training and test sets of every dataset)."""
    seconds: dict[str, float] = defaultdict(float)
    for layout in LAYOUTS:
        for process in PROCESSES:
            start = time.perf_counter()
            make_benchmark(layout, process, n=train, seed=0)
            make_benchmark(layout, process, n=test, seed=1)
            seconds[process] += time.perf_counter() - start
    return dict(seconds)


def _matern_generic(distance: float, nu: float = 1.5, lengthscale: float = 1.0) -> float:
    """Matérn kernel through the Bessel form; K_{3/2}(z) = sqrt(π/(2z))·e^{−z}·(1 + 1/z)."""
    if distance == 0.0:
        return 1.0
    z = math.sqrt(2 * nu) * abs(distance) / lengthscale
    bessel = math.sqrt(math.pi / (2 * z)) * math.exp(-z) * (1 + 1 / z)
    return 2 ** (1 - nu) / math.gamma(nu) * z**nu * bessel


def reference_kernel(stamps: np.ndarray) -> np.ndarray:
    """One sample's kernel, pair by pair, as the original builds it (np.vectorize over T² pairs)."""
    n_steps = stamps.shape[0]
    kernel = np.empty((n_steps, n_steps))
    for i in range(n_steps):
        for j in range(n_steps):
            kernel[i, j] = _matern_generic(stamps[i] - stamps[j])
    kernel[np.diag_indices(n_steps)] += 1e-12
    return kernel


def reference_gaussian_process(times: np.ndarray, n_features: int, rng: np.random.Generator) -> np.ndarray:
    """The original's loop: a new kernel and one multivariate-normal draw per feature per sample."""
    n, n_steps = times.shape
    out = np.empty((n, n_steps, n_features))
    for sample in range(n):
        for feature in range(n_features):
            kernel = reference_kernel(times[sample])
            out[sample, :, feature] = rng.multivariate_normal(np.zeros(n_steps), kernel)
    return out


def compare_gaussian_process(n: int, repetitions: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    times = irregular_times(n, N_STEPS, rng)
    gap = max(
        float(np.abs(reference_kernel(times[i]) - matern32_covariance(times[i : i + 1])[0]).max())
        for i in range(n)
    )
    sample_signal("GaussianProcess", times, N_FEATURES, rng)  # warm-up
    ours, loops, ratios = [], [], []
    for _ in range(repetitions):
        start = time.perf_counter()
        sample_signal("GaussianProcess", times, N_FEATURES, rng)
        a = time.perf_counter() - start
        start = time.perf_counter()
        reference_gaussian_process(times, N_FEATURES, rng)
        b = time.perf_counter() - start
        ours.append(a)
        loops.append(b)
        ratios.append(b / a)
    return {
        "gap": gap,
        "ours_ms": 1e3 * statistics.median(ours),
        "loop_ms": 1e3 * statistics.median(loops),
        "ratio": statistics.median(ratios),
    }


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples and repetitions")
    args = parser.parse_args()
    train, test = (100, 10) if args.quick else PAPER_SAMPLES
    gp_samples, repetitions = (1, 2) if args.quick else (4, 5)

    print(f"benchmark data generation (numpy {np.__version__}{', quick' if args.quick else ''})")
    make_benchmark("Middle", "GaussianProcess", n=4, seed=0)  # warm-up
    seconds = generate_all(train, test)
    total = sum(seconds.values())
    print(f"all 70 datasets, {train} train + {test} test samples each, T = F = {N_STEPS}: {total:.2f} s")
    print(f"{'process':<16}{'10 datasets':>13}{'per dataset':>13}")
    for process in PROCESSES:
        print(f"{process:<16}{seconds[process]:>11.2f} s{1e3 * seconds[process] / len(LAYOUTS):>10.0f} ms")
    print()

    r = compare_gaussian_process(gp_samples, repetitions)
    per_sample_loop = r["loop_ms"] / 1e3 / gp_samples
    print(
        f"GaussianProcess signal, {gp_samples} samples × {N_FEATURES} features × {N_STEPS} steps, "
        f"{repetitions} interleaved repetitions"
    )
    print(f"{'vectorised':>12}{'loop':>12}{'loop/vec':>10}{'max |K_loop - K|':>19}")
    print(f"{r['ours_ms']:>10.2f}ms{r['loop_ms']:>10.0f}ms{r['ratio']:>9.0f}x{r['gap']:>19.1e}")
    print(
        f"(the loop at the paper's size: ≈ {per_sample_loop * (train + test) * len(LAYOUTS) / 60:.0f} min "
        f"for the 10 GaussianProcess datasets, from {per_sample_loop:.2f} s per sample)"
    )
    print()
    print(f"{_verdict(r['gap'] <= 1e-10)}  reference kernel = closed-form Matérn 3/2: max gap {r['gap']:.1e}")
    print(
        f"{_verdict(r['ratio'] >= GP_RATIO_TARGET)}  loop / vectorised GaussianProcess = {r['ratio']:.0f}x "
        f"(target >= {GP_RATIO_TARGET:g}x)"
    )
    print(
        f"{_verdict(total <= ALL_TARGET_SECONDS)}  all 70 datasets in {total:.2f} s "
        f"(target <= {ALL_TARGET_SECONDS:g} s{', quick sizes' if args.quick else ''})"
    )


if __name__ == "__main__":
    main()
