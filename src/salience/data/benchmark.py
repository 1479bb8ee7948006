"""The 70 synthetic datasets of the time-series saliency benchmark (Ismail et al., NeurIPS 2020).

A dataset is a layout (where the informative box lies, :data:`LAYOUTS`) crossed with a generation
process (:data:`~salience.data.processes.PROCESSES`), named ``f"{layout}_{process}"``, e.g.
``Middle_Box``. Each sample is the process's background (T × F) plus a class constant on the box
cells, which are returned as the ground-truth ``mask``.

Layouts on the original 50 × 50 grid (time × feature; starts 0-based, boxes [start, start + size)):

==================  =======  ============================  ============================
layout              box      time start                    feature start
==================  =======  ============================  ============================
Middle              30 × 30  10                            10
SmallMiddle         14 × 14  18                            18
Moving_Middle       30 × 30  random 0 … 19                 random 0 … 19
Moving_SmallMiddle  15 × 15  random 0 … 34                 random 0 … 34
RareTime            6 × 40   22                            5
Moving_RareTime     6 × 40   random 0 … 43                 random 0 … 9
RareFeature         40 × 6   5                             22
Moving_RareFeature  40 × 6   random 0 … 9                  random 0 … 43
PositionalTime      20 × 20  random 0 … 29                 1 if label 1, 29 if label 0
PositionalFeature   20 × 20  1 if label 1, 29 if label 0   random 0 … 29
==================  =======  ============================  ============================

Class signal: y = ±1 with probability ½ each (label 1 for +1, 0 for −1) and the box gets ``+= y``
(for ``Box``, box cells are N(y, 1)). In the two positional layouts the box gets ``+= 1`` for both
classes and the label is encoded by the box's position. As in the original, ``Moving_*`` layouts move
both axes (the paper's table says one axis for the rare ones), random starts are uniform on
0 … L − size − 1 (``randint(L - size)``: the box never touches the last cell), Moving_SmallMiddle's
box is 15 × 15 while SmallMiddle's is 14 × 14, and "PositionalTime" varies the time position while
the feature position encodes the class (the original spells these "Postional…"; both spellings work).

Other grid sizes: sizes and fixed starts scale with the axis, ``round(v · L / 50)`` rounding halves
up (at least 1 cell for sizes), so 50 × 50 gives the table exactly; random starts stay uniform on
0 … L − size − 1; the positional label-1 start is the scaled 1 and the label-0 start its mirror image,
L − size − (scaled 1) (29 = 50 − 20 − 1 at L = 50).

Example:
    >>> ds = make_benchmark("Middle", "Box", n=4, seed=0)
    >>> ds.x.shape, ds.name, int(ds.mask[0].sum())
    ((4, 50, 50), 'Middle_Box', 900)
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np

from salience._validation import check_choice, check_ndim, check_positive_int
from salience.data.dataset import Dataset
from salience.data.processes import PROCESSES, VARIANTS, sample_process

#: Grid on which the layouts are defined (the original T = F = 50).
LAYOUT_GRID = 50
#: The original's (train, test) sample counts per dataset.
PAPER_SAMPLES: tuple[int, int] = (1000, 100)

StartKind = Literal["fixed", "random", "label"]


@dataclass(frozen=True)
class AxisPlacement:
    """Where the box lies along one axis on the 50-grid.

    ``kind`` is ``fixed`` (always ``start``), ``random`` (uniform on 0 … 50 − size − 1 per sample) or
    ``label`` (``start`` for label 1, its mirror 50 − size − start for label 0).
    """

    size: int
    kind: StartKind
    start: int = 0


@dataclass(frozen=True)
class BenchmarkLayout:
    """One of the 10 layouts: the box placement along time and features, and the class signal."""

    name: str
    time: AxisPlacement
    feature: AxisPlacement

    @property
    def positional(self) -> bool:
        """True when the label is encoded by the box position (box += 1 for both classes)."""
        return "label" in (self.time.kind, self.feature.kind)


def _fixed(size: int, start: int) -> AxisPlacement:
    return AxisPlacement(size, "fixed", start)


def _random(size: int) -> AxisPlacement:
    return AxisPlacement(size, "random")


def _label(size: int) -> AxisPlacement:
    return AxisPlacement(size, "label", 1)


#: The 10 layouts of the original benchmark, in the original's order.
LAYOUTS: MappingProxyType[str, BenchmarkLayout] = MappingProxyType(
    {
        layout.name: layout
        for layout in (
            BenchmarkLayout("Middle", _fixed(30, 10), _fixed(30, 10)),
            BenchmarkLayout("SmallMiddle", _fixed(14, 18), _fixed(14, 18)),
            BenchmarkLayout("Moving_Middle", _random(30), _random(30)),
            BenchmarkLayout("Moving_SmallMiddle", _random(15), _random(15)),
            BenchmarkLayout("RareTime", _fixed(6, 22), _fixed(40, 5)),
            BenchmarkLayout("Moving_RareTime", _random(6), _random(40)),
            BenchmarkLayout("RareFeature", _fixed(40, 5), _fixed(6, 22)),
            BenchmarkLayout("Moving_RareFeature", _random(40), _random(6)),
            BenchmarkLayout("PositionalTime", _random(20), _label(20)),
            BenchmarkLayout("PositionalFeature", _label(20), _random(20)),
        )
    }
)
#: The original code's spellings.
LAYOUT_ALIASES: MappingProxyType[str, str] = MappingProxyType(
    {"PostionalTime": "PositionalTime", "PostionalFeature": "PositionalFeature"}
)


@dataclass(frozen=True)
class _ScaledAxis:
    size: int
    kind: StartKind
    start: int  # fixed start, or the label-1 start
    length: int

    def starts(self, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.kind == "fixed":
            return np.full(labels.shape, self.start, dtype=np.int64)
        if self.kind == "label":
            return np.where(labels == 1, self.start, self.length - self.size - self.start).astype(np.int64)
        return rng.integers(0, self.length - self.size, size=labels.shape)

    def describe(self) -> int | str | dict[str, int]:
        if self.kind == "fixed":
            return self.start
        if self.kind == "label":
            return {"label 0": self.length - self.size - self.start, "label 1": self.start}
        return f"random 0..{self.length - self.size - 1}"


def resolve_layout(layout: str) -> str:
    """The canonical layout name (the original's ``Postional…`` spellings accepted).

    Example:
        >>> resolve_layout("PostionalTime")
        'PositionalTime'
    """
    if not isinstance(layout, str):
        raise TypeError(f"layout: expected a layout name (str), got {type(layout).__name__}")
    name = LAYOUT_ALIASES.get(layout, layout)
    check_choice(name, "layout", LAYOUTS)
    return name


def benchmark_name(layout: str, process: str) -> str:
    """The dataset name ``f"{layout}_{process}"`` with the canonical layout spelling.

    Example:
        >>> benchmark_name("PostionalFeature", "CAR")
        'PositionalFeature_CAR'
    """
    check_choice(process, "process", PROCESSES)
    return f"{resolve_layout(layout)}_{process}"


def parse_benchmark_name(name: str) -> tuple[str, str]:
    """``(layout, process)`` of a dataset name such as ``Moving_RareTime_NARMA``.

    Example:
        >>> parse_benchmark_name("Moving_RareTime_NARMA")
        ('Moving_RareTime', 'NARMA')
    """
    if not isinstance(name, str) or "_" not in name:
        raise ValueError(
            f"name: expected '<layout>_<process>' with layout one of {', '.join(LAYOUTS)} and process "
            f"one of {', '.join(PROCESSES)}; got {name!r}"
        )
    layout, process = name.rsplit("_", 1)
    if LAYOUT_ALIASES.get(layout, layout) not in LAYOUTS or process not in PROCESSES:
        raise ValueError(
            f"name: expected '<layout>_<process>' with layout one of {', '.join(LAYOUTS)} and process "
            f"one of {', '.join(PROCESSES)}; got {name!r}"
        )
    return resolve_layout(layout), process


def benchmark_datasets(
    layouts: list[str] | tuple[str, ...] | None = None,
    processes: list[str] | tuple[str, ...] | None = None,
) -> list[str]:
    """Dataset names, layout-major in the order of :data:`LAYOUTS`, then :data:`PROCESSES`.

    Args:
        layouts: a subset of layout names (default all 10).
        processes: a subset of process names (default all 7).

    Example:
        >>> len(benchmark_datasets()), benchmark_datasets(["Middle"], ["Box", "CAR"])
        (70, ['Middle_Box', 'Middle_CAR'])
    """
    for argument, value in (("layouts", layouts), ("processes", processes)):
        if isinstance(value, str):
            raise TypeError(f"{argument}: expected a list of names, got the string {value!r}")
    chosen_layouts = list(LAYOUTS) if layouts is None else [resolve_layout(name) for name in layouts]
    if processes is None:
        chosen_processes = list(PROCESSES)
    else:
        for process in processes:
            check_choice(process, "processes", PROCESSES)
        chosen_processes = list(processes)
    keep_layouts = [name for name in LAYOUTS if name in chosen_layouts]
    keep_processes = [name for name in PROCESSES if name in chosen_processes]
    return [f"{layout}_{process}" for layout in keep_layouts for process in keep_processes]


def make_benchmark(
    layout: str,
    process: str,
    n: int = PAPER_SAMPLES[0],
    seed: int = 0,
    *,
    n_steps: int = LAYOUT_GRID,
    n_features: int = LAYOUT_GRID,
    variant: str = "original",
) -> Dataset:
    """Generate benchmark dataset ``f"{layout}_{process}"`` with its ground-truth box ``mask``.

    Args:
        layout: one of :data:`LAYOUTS` (or an original ``Postional…`` spelling).
        process: one of :data:`~salience.data.processes.PROCESSES`.
        n: number of samples (the original used 1000 for training and 100 for testing).
        seed: seed of ``np.random.default_rng``; the same seed gives the same dataset. The labels,
            the box positions and the background come from three streams spawned from it, so the
            background equals ``make_signal_free(process, n, seed, ...)``.
        n_steps, n_features: T and F (the layout scales with them, see the module docstring).
        variant: ``original`` or ``corrected`` (see :mod:`salience.data.processes`).

    Returns:
        A :class:`Dataset` with raw (unscaled) ``x`` (n, T, F), ``y`` in {0, 1} (1 for y = +1) and
        ``mask`` (n, T, F), the box cells.

    Example:
        >>> ds = make_benchmark("PositionalTime", "Harmonic", n=6, seed=1)
        >>> sorted(set(np.argmax(ds.mask.any(axis=1), axis=1).tolist()))  # feature start 1 or 29
        [1, 29]
    """
    name = benchmark_name(layout, process)
    layout_name = resolve_layout(layout)
    check_positive_int(n, "n")
    check_choice(variant, "variant", VARIANTS)
    time_axis, feature_axis = _scaled_axes(LAYOUTS[layout_name], n_steps, n_features)
    labels_rng, boxes_rng, process_rng = _streams(seed)

    labels = labels_rng.integers(0, 2, size=n)
    time_starts = time_axis.starts(labels, boxes_rng)
    feature_starts = feature_axis.starts(labels, boxes_rng)
    mask = (
        _box_mask(time_starts, time_axis.size, n_steps)[:, :, None]
        & (_box_mask(feature_starts, feature_axis.size, n_features)[:, None, :])
    )

    background = sample_process(process, n, n_steps, n_features, process_rng, variant=variant)
    constant = np.ones(n) if LAYOUTS[layout_name].positional else 2.0 * labels - 1.0
    x = background + mask * constant[:, None, None]
    meta = {
        "name": name,
        "generator": "benchmark",
        "seed": int(seed),
        "n_classes": 2,
        "class_names": ["y=-1", "y=+1"],
        "parameters": {
            "layout": layout_name,
            "process": process,
            "variant": variant,
            "n_samples": int(n),
            "n_steps": int(n_steps),
            "n_features": int(n_features),
            "box_steps": time_axis.size,
            "box_features": feature_axis.size,
            "time_start": time_axis.describe(),
            "feature_start": feature_axis.describe(),
            "box_constant": "+1" if LAYOUTS[layout_name].positional else "y (+1 or -1)",
        },
    }
    return Dataset(x=x.astype(np.float32), y=labels.astype(np.int64), mask=mask, meta=meta)


def make_signal_free(
    process: str,
    n: int,
    seed: int,
    *,
    n_steps: int = LAYOUT_GRID,
    n_features: int = LAYOUT_GRID,
    variant: str = "original",
) -> np.ndarray:
    """Samples of ``process`` with no box and no class constant, float32 (n, T, F).

    The replacement values of the masked-accuracy evaluation (N(0, 1) for ``Box``, the process plus
    0.3 noise otherwise). With the seed and size of a :func:`make_benchmark` call this is exactly
    that dataset's background, so draw replacements with a different seed.

    Example:
        >>> make_signal_free("CAR", 1, seed=7).shape
        (1, 50, 50)
    """
    check_choice(process, "process", PROCESSES)
    check_positive_int(n, "n")
    check_positive_int(n_steps, "n_steps")
    check_positive_int(n_features, "n_features")
    check_choice(variant, "variant", VARIANTS)
    process_rng = _streams(seed)[2]
    return sample_process(process, n, n_steps, n_features, process_rng, variant=variant).astype(np.float32)


def box_bounds(mask: np.ndarray) -> np.ndarray:
    """Per-sample box bounds (n, 4) int64 ``[time start, time end, feature start, feature end]``.

    Ends are exclusive; a sample without box cells gets ``[0, 0, 0, 0]``. These are the columns of
    the original's metadata files (without the label).

    Example:
        >>> box_bounds(make_benchmark("Middle", "Box", n=1).mask).tolist()
        [[10, 40, 10, 40]]
    """
    check_ndim(mask, "mask", 3, "(N, T, F)")
    mask = np.asarray(mask, dtype=bool)
    steps = mask.any(axis=2)
    features = mask.any(axis=1)
    bounds = np.zeros((mask.shape[0], 4), dtype=np.int64)
    for column, hits in ((0, steps), (2, features)):
        present = hits.any(axis=1)
        first = np.argmax(hits, axis=1)
        last = hits.shape[1] - np.argmax(hits[:, ::-1], axis=1)
        bounds[:, column] = np.where(present, first, 0)
        bounds[:, column + 1] = np.where(present, last, 0)
    return bounds


def _streams(seed: int) -> list[np.random.Generator]:
    """Three independent generators (labels, box positions, background) spawned from ``seed``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
    return np.random.default_rng(int(seed)).spawn(3)


def _box_mask(starts: np.ndarray, size: int, length: int) -> np.ndarray:
    """Bool (n, length): True on [start, start + size) of each row."""
    positions = np.arange(length)
    return (positions >= starts[:, None]) & (positions < starts[:, None] + size)


def _scale(value: int, length: int) -> int:
    """``value`` on the 50-grid scaled to ``length``, rounding halves up."""
    return (value * length + LAYOUT_GRID // 2) // LAYOUT_GRID


def _scaled_axes(layout: BenchmarkLayout, n_steps: int, n_features: int) -> tuple[_ScaledAxis, _ScaledAxis]:
    check_positive_int(n_steps, "n_steps")
    check_positive_int(n_features, "n_features")
    axes = []
    sides = ((layout.time, n_steps, "n_steps"), (layout.feature, n_features, "n_features"))
    for placement, length, argument in sides:
        size = min(max(1, _scale(placement.size, length)), length)
        start = min(_scale(placement.start, length), length - size)
        axis = _ScaledAxis(size=size, kind=placement.kind, start=start, length=length)
        too_small = (placement.kind == "random" and length - size < 1) or (
            placement.kind == "label" and length - size - 2 * start < 1
        )
        if too_small:
            raise ValueError(
                f"{argument}: {length} is too small for the {layout.name} layout (its box of {size} "
                f"needs room to {'move' if placement.kind == 'random' else 'take two positions'})"
            )
        axes.append(axis)
    return axes[0], axes[1]
