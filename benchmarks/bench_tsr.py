"""Speed of batched Temporal Saliency Rescaling against the per-copy loop, measured side by side (CPU).

Run:  .venv/bin/python benchmarks/bench_tsr.py [--quick] [--samples N] [--threads N]

TSR with the gradient method at the benchmark's sizes (T = F = 50) on the benchmark LSTM
(``build_model("lstm", n_features=50, n_classes=2)``, hidden size 5, untrained weights from a fixed
seed), for a handful of U[0, 1) samples:

  (a) ``attribute(..., tsr=True)``: every perturbed copy of every sample (N·T time copies, then F
      cell copies per selected step) attributed in chunks (the default ``internal_batch_size``);
  (b) ``tests/reference_tsr.py``: one sample, one step, one cell and one ``attribute`` call at a time.

Each repetition runs a, b, a after a warm-up; the ratio of a repetition is b over the mean of its two
a runs, and the script reports the median ratio and checks that the maps agree (allclose).

The script prints a PASS/FAIL line for its target (batched ≥ 30× faster); it never fails (exit code
0). It defaults to one torch thread: on a shared 2-core machine OpenMP threads competing with other
processes distort timings badly (the loop cannot use them anyway).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from salience.explain import attribute
from salience.models import build_model

N_STEPS = N_FEATURES = 50
TARGET = 30.0  # loop / batched, at least


def _loop_reference():
    """The loop TSR of the tests (``tests/reference_tsr.py``)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from reference_tsr import loop_tsr

    return loop_tsr


def _timed(step) -> tuple[float, object]:
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (2 samples, 1 repetition)")
    parser.add_argument("--samples", type=int, default=None, help="samples to rescale (default 4)")
    parser.add_argument("--repetitions", type=int, default=None, help="interleaved repetitions (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    n_samples = args.samples or (2 if args.quick else 4)
    repetitions = args.repetitions or (1 if args.quick else 3)

    model = build_model("lstm", n_features=N_FEATURES, n_classes=2, hidden_size=5, seed=0)
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(n_samples, N_STEPS, N_FEATURES, generator=generator)
    y = torch.randint(0, 2, (n_samples,), generator=generator)
    loop_tsr = _loop_reference()

    def batched() -> torch.Tensor:
        return attribute(model, x, y=y, method="gradient", tsr=True)

    def loop() -> np.ndarray:
        return loop_tsr(model, x, y, "gradient")

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"TSR benchmark (CPU float32, {torch.get_num_threads()} thread(s), torch {torch.__version__}"
        f"{', quick' if args.quick else ''}; load average {load} on {os.cpu_count()} cores)"
    )
    print(
        f"gradient TSR of {n_samples} samples, T = F = {N_STEPS}, LSTM hidden 5; "
        f"{repetitions} interleaved repetitions (batched, loop, batched) after a warm-up"
    )
    batched()  # warm-up: kernels, allocator, captum imports
    ratios, batched_times, loop_times = [], [], []
    for _ in range(repetitions):
        a1, maps = _timed(batched)
        b, reference = _timed(loop)
        a2, _ = _timed(batched)
        ratios.append(b / ((a1 + a2) / 2))
        batched_times += [a1, a2]
        loop_times.append(b)
    assert isinstance(maps, torch.Tensor) and isinstance(reference, np.ndarray)
    gap = float(np.abs(maps.numpy() - reference).max())
    equal = bool(np.allclose(maps.numpy(), reference, rtol=1e-4, atol=1e-5))
    selected = int((reference.std(axis=2) > 0).sum())  # steps with feature scores (others: τ·fill)
    copies = n_samples * N_STEPS + selected * N_FEATURES
    ratio = statistics.median(ratios)
    print()
    print(f"{'batched':>10}{'loop':>10}{'loop/batched':>14}{'max |diff|':>12}{'copies':>8}")
    print(
        f"{1e3 * statistics.median(batched_times):>8.0f}ms{1e3 * statistics.median(loop_times):>8.0f}ms"
        f"{ratio:>13.1f}x{gap:>12.1e}{copies:>8}"
    )
    print(
        "(times are medians; the ratio is the median over repetitions of loop / mean of its two batched runs)"
    )
    print(
        f"per perturbed copy: batched {1e6 * statistics.median(batched_times) / copies:.0f} µs, "
        f"loop {1e6 * statistics.median(loop_times) / copies:.0f} µs"
    )
    print()
    print(f"{'PASS' if equal else 'FAIL'}  maps equal the loop reference (allclose, max |diff| {gap:.1e})")
    print(f"{'PASS' if ratio >= TARGET else 'FAIL'}  loop / batched = {ratio:.1f}x  (target >= {TARGET:g}x)")


if __name__ == "__main__":
    main()
