"""Speed and memory of vectorised input-cell attention, measured side by side (CPU, float32).

Run:  .venv/bin/python benchmarks/bench_input_cell.py [--quick] [--threads N]

1. At the paper's sizes (B=50, T=100, F=100, r=20, d_a=50, H=5) it times forward + backward
   (sum of the LSTM outputs, backward to the parameters and to the input, as saliency needs) of
     (a) InputCellAttention followed by a fused nn.LSTM,
     (b) the original per-step loop (attention on the whole prefix at every step + nn.LSTMCell
         with the same weights; ``benchmarks/_reference.py``),
     (c) a plain nn.LSTM on the raw input,
   interleaved a, b, a, c in every repetition after a warm-up, and reports the median of the
   pairwise ratios b/a and a/c, for hop-mean and for flatten pooling.
2. A scaling table over T at a fixed batch (mean pooling), each T in a fresh subprocess:
   - time: best of a few forward + backward steps after one untimed step;
   - peak memory: the growth of the resident set during one forward + backward, i.e. the kernel's
     high-water mark (VmHWM, reset through /proc/self/clear_refs just before the step) minus the
     resident set just before it; where that is unavailable, the growth of ru_maxrss (a lower bound);
   - saved: the bytes of the distinct storages autograd keeps for backward.
   Columns per step (time/T, peak/T, saved/T) make linearity visible.

The script prints PASS/FAIL lines for its targets; it never fails (exit code 0). On a shared
machine, OpenMP threads competing with other processes can distort timings badly; ``--threads 1``
gives steadier numbers.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import torch
from torch import nn

from _reference import loop_input_cell_lstm
from salience.models import InputCellAttention

PAPER = {"batch": 50, "n_steps": 100, "n_features": 100, "r": 20, "d_a": 50, "hidden": 5}
LOOP_TARGET = 15.0  # loop / vectorised, at least
PLAIN_TARGET = 4.0  # vectorised / plain LSTM, at most
SCALING_STEPS = (250, 500, 1000, 2000, 4000)
SCALING_BATCH = 8


def _timed(step) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def _step_fn(forward, params, x):
    """A closure running forward, sum, backward; gradients are cleared first."""

    def step() -> None:
        for p in params:
            p.grad = None
        x.grad = None
        forward(x).sum().backward()

    return step


def _paper_sides(pooling: str, seed: int = 0):
    sizes = PAPER
    torch.manual_seed(seed)
    attention = InputCellAttention(sizes["n_features"], r=sizes["r"], d_a=sizes["d_a"], pooling=pooling)
    lstm = nn.LSTM(attention.output_size, sizes["hidden"], batch_first=True)
    cell = nn.LSTMCell(attention.output_size, sizes["hidden"])
    with torch.no_grad():  # the loop runs the very same network
        cell.weight_ih.copy_(lstm.weight_ih_l0)
        cell.weight_hh.copy_(lstm.weight_hh_l0)
        cell.bias_ih.copy_(lstm.bias_ih_l0)
        cell.bias_hh.copy_(lstm.bias_hh_l0)
    plain = nn.LSTM(sizes["n_features"], sizes["hidden"], batch_first=True)
    x = torch.randn(sizes["batch"], sizes["n_steps"], sizes["n_features"], requires_grad=True)

    def vectorised(v):
        return lstm(attention(v))[0]

    def loop(v):
        return loop_input_cell_lstm(v, attention, cell)

    def raw(v):
        return plain(v)[0]

    with torch.no_grad():  # same function, so the comparison is of like with like
        gap = (vectorised(x) - loop(x)).abs().max().item()
    sides = {
        "vectorised": _step_fn(vectorised, [*attention.parameters(), *lstm.parameters()], x),
        "loop": _step_fn(loop, [*attention.parameters(), *cell.parameters()], x),
        "plain": _step_fn(raw, list(plain.parameters()), x),
    }
    return sides, gap


def compare_at_paper_sizes(pooling: str, repetitions: int, warmup: int) -> dict[str, float]:
    sides, gap = _paper_sides(pooling)
    for _ in range(warmup):
        for step in sides.values():
            step()
    loop_ratios, plain_ratios = [], []
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(repetitions):
        a1 = _timed(sides["vectorised"])
        b = _timed(sides["loop"])
        a2 = _timed(sides["vectorised"])
        c = _timed(sides["plain"])
        loop_ratios.append(b / a1)
        plain_ratios.append(a2 / c)
        times["vectorised"] += [a1, a2]
        times["loop"].append(b)
        times["plain"].append(c)
    return {
        "gap": gap,
        "vectorised_ms": 1e3 * statistics.median(times["vectorised"]),
        "loop_ms": 1e3 * statistics.median(times["loop"]),
        "plain_ms": 1e3 * statistics.median(times["plain"]),
        "loop_over_vectorised": statistics.median(loop_ratios),
        "vectorised_over_plain": statistics.median(plain_ratios),
    }


def _proc_status_bytes(key: str) -> int | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's resident-set high-water mark (Linux ≥ 4.0); False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return _proc_status_bytes("VmHWM") is not None


def _maxrss_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # kilobytes on Linux


def _saved_tensor_bytes(forward, x) -> int:
    """Bytes of the distinct storages autograd keeps for backward (the graph's activation memory)."""
    storages: dict[int, int] = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        out = forward(x)
    del out
    return sum(storages.values())


def child(n_steps: int, batch: int, repetitions: int) -> None:
    """Measure one T in this (fresh) process and print a JSON line."""
    sizes = PAPER
    torch.manual_seed(0)
    attention = InputCellAttention(sizes["n_features"], r=sizes["r"], d_a=sizes["d_a"], pooling="mean")
    lstm = nn.LSTM(sizes["n_features"], sizes["hidden"], batch_first=True)
    params = [*attention.parameters(), *lstm.parameters()]

    def forward(v):
        return lstm(attention(v))[0]

    small = torch.randn(batch, 16, sizes["n_features"], requires_grad=True)
    _step_fn(forward, params, small)()  # load kernels and allocator state on a tiny input
    x = torch.randn(batch, n_steps, sizes["n_features"], requires_grad=True)
    step = _step_fn(forward, params, x)
    if _reset_peak_rss():  # peak RSS during the step above the RSS just before it
        before = _proc_status_bytes("VmRSS")
        first = _timed(step)
        peak = _proc_status_bytes("VmHWM") - before
        method = "VmHWM"
    else:  # growth of the lifetime maximum: a lower bound
        before = _maxrss_bytes()
        first = _timed(step)
        peak = _maxrss_bytes() - before
        method = "ru_maxrss"
    del first  # includes first-touch page faults; timed again below
    times = [_timed(step) for _ in range(repetitions)]
    saved = _saved_tensor_bytes(forward, x)
    # The two halves alone: torch's CPU nn.LSTM is itself slightly superlinear at long T.
    attention_step = _step_fn(lambda v: attention(v), list(attention.parameters()), x)
    lstm_step = _step_fn(lambda v: lstm(v)[0], list(lstm.parameters()), x)
    attention_times = [_timed(attention_step) for _ in range(repetitions)]
    lstm_times = [_timed(lstm_step) for _ in range(repetitions)]
    result = {
        "n_steps": n_steps,
        "attention_seconds": min(attention_times),
        "lstm_seconds": min(lstm_times),
        "seconds": min(times),  # best of N: the least disturbed by other processes
        "peak_bytes": peak,
        "saved_bytes": saved,
        "method": method,
    }
    print(json.dumps(result))


def scaling_table(
    steps: tuple[int, ...], batch: int, repetitions: int, threads: int, tries: int = 2
) -> list[dict[str, float]]:
    """One row per T; each T runs ``tries`` times in fresh processes and keeps the least disturbed."""
    rows = []
    for n_steps in steps:
        command = [sys.executable, __file__, "--threads", str(threads)]
        command += ["--child", str(n_steps), str(batch), str(repetitions)]
        runs = []
        for _ in range(tries):
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"  T={n_steps}: child failed ({done.stderr.strip().splitlines()[-1:]})")
                continue
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if runs:
            best = dict(runs[0])
            for key in ("attention_seconds", "lstm_seconds", "seconds", "peak_bytes"):
                best[key] = min(run[key] for run in runs)
            rows.append(best)
    return rows


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (fewer repetitions and T)")
    parser.add_argument("--child", nargs=3, type=int, metavar=("T", "B", "REPS"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's own default)"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.child:
        child(*args.child)
        return

    repetitions, warmup = (2, 1) if args.quick else (7, 2)
    steps = SCALING_STEPS[:2] if args.quick else SCALING_STEPS
    scaling_reps = 2 if args.quick else 5
    sizes = ", ".join(f"{k}={v}" for k, v in PAPER.items())
    print(
        f"input-cell attention benchmark (CPU float32, {torch.get_num_threads()} threads, torch "
        f"{torch.__version__}{', quick' if args.quick else ''})"
    )
    print(f"forward+backward at {sizes}; {repetitions} interleaved repetitions after {warmup} warm-up")
    print()
    print(
        f"{'pooling':<9}{'vectorised':>12}{'loop':>12}{'plain LSTM':>12}{'loop/vec':>10}"
        f"{'vec/plain':>11}{'max |vec-loop|':>16}"
    )
    results = {}
    for pooling in ("mean", "flatten"):
        r = compare_at_paper_sizes(pooling, repetitions, warmup)
        results[pooling] = r
        print(
            f"{pooling:<9}{r['vectorised_ms']:>10.1f}ms{r['loop_ms']:>10.1f}ms{r['plain_ms']:>10.1f}ms"
            f"{r['loop_over_vectorised']:>9.1f}x{r['vectorised_over_plain']:>10.2f}x{r['gap']:>16.1e}"
        )
    print("(times are medians; ratios are medians of ratios of adjacent runs)")
    print()

    print(
        f"scaling over T (B={SCALING_BATCH}, F={PAPER['n_features']}, r={PAPER['r']}, d_a={PAPER['d_a']}, "
        f"H={PAPER['hidden']}, mean pooling; fresh process per T)"
    )
    print(
        f"{'T':>6}{'time':>11}{'time/T':>12}{'attn/T':>12}{'LSTM/T':>12}{'peak mem':>11}{'peak/T':>12}"
        f"{'saved':>11}{'saved/T':>12}"
    )
    rows = scaling_table(steps, SCALING_BATCH, scaling_reps, torch.get_num_threads())
    for row in rows:
        seconds, peak, saved, n = row["seconds"], row["peak_bytes"], row["saved_bytes"], row["n_steps"]
        attention_per_step = 1e6 * row["attention_seconds"] / n
        lstm_per_step = 1e6 * row["lstm_seconds"] / n
        print(
            f"{n:>6}{1e3 * seconds:>9.1f}ms{1e6 * seconds / n:>8.1f}µs/T{attention_per_step:>8.1f}µs/T"
            f"{lstm_per_step:>8.1f}µs/T{peak / 2**20:>8.1f}MiB"
            f"{peak / n / 2**10:>7.1f}KiB/T{saved / 2**20:>8.1f}MiB{saved / n / 2**10:>7.1f}KiB/T"
        )
    if rows:
        print(
            f"peak mem: growth of the resident set during one forward+backward ({rows[0]['method']}); "
            "saved: storages autograd keeps for backward; time: best of "
            f"{scaling_reps} after one untimed step"
        )
    print()

    r = results["mean"]
    print(
        f"{_verdict(r['loop_over_vectorised'] >= LOOP_TARGET)}  loop / vectorised (mean pooling) = "
        f"{r['loop_over_vectorised']:.1f}x  (target >= {LOOP_TARGET:g}x)"
    )
    print(
        f"{_verdict(r['vectorised_over_plain'] <= PLAIN_TARGET)}  vectorised / plain LSTM (mean pooling) = "
        f"{r['vectorised_over_plain']:.2f}x  (target <= {PLAIN_TARGET:g}x)"
    )
    r = results["flatten"]
    print(
        f"info  flatten pooling (no target): loop / vectorised = {r['loop_over_vectorised']:.1f}x, "
        f"vectorised / plain LSTM = {r['vectorised_over_plain']:.1f}x (its LSTM reads "
        f"r*F = {PAPER['r'] * PAPER['n_features']} inputs per step, the plain one {PAPER['n_features']})"
    )
    if len(rows) >= 2:
        small, large = rows[-2], rows[-1]
        growth = large["n_steps"] / small["n_steps"]
        for label, key in (
            ("attention time", "attention_seconds"),
            ("attention + LSTM time", "seconds"),
            ("peak memory", "peak_bytes"),
            ("saved memory", "saved_bytes"),
        ):
            ratio = large[key] / max(small[key], 1e-12)
            print(
                f"{_verdict(ratio <= 1.25 * growth)}  {label} linear in T: x{ratio:.2f} from "
                f"T={small['n_steps']} to T={large['n_steps']} (x{growth:g} steps; "
                f"target <= x{1.25 * growth:g})"
            )


if __name__ == "__main__":
    main()
