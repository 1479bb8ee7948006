"""Synthetic box datasets of the input-cell attention paper (Ismail et al., NeurIPS 2019).

Every sample is Gaussian noise N(0, 1) on a T × F grid. The informative cells (the "box") are drawn
from N(+v, 1) for class 1 and N(−v, 1) for class 0, with v = ``box_value`` (1 in the paper), and are
returned as the ground-truth ``mask``. Geometry is given on the paper's 100 × 100 grid as half-open
ranges [start, end) and scaled to other T and F by rounding ``start * T / 100``.

Class indices: the original mapped +1 → 0 and −1 → 1 through Python set order; here class 1 is the
positive box. The metrics do not depend on this choice.

Example:
    >>> ds = make_box("earlier", n=8, seed=0)
    >>> ds.x.shape, int(ds.mask[0].sum())
    ((8, 100, 100), 2400)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from salience._validation import check_choice, check_positive_int
from salience.data.dataset import Dataset

Range = tuple[int, int]

_THREE_FEATURE_BANDS: tuple[Range, ...] = ((0, 30), (35, 65), (70, 100))


@dataclass(frozen=True)
class BoxLayout:
    """One way of placing boxes: a list of (time range, feature range) rectangles on 100 × 100."""

    name: str
    rectangles: tuple[tuple[Range, Range], ...]


_MIXED_TYPES: tuple[BoxLayout, ...] = (
    BoxLayout("upper-left", (((5, 65), (5, 65)),)),
    BoxLayout("upper-right", (((5, 65), (35, 95)),)),
    BoxLayout("upper-middle", (((5, 65), (20, 80)),)),
    BoxLayout("bottom-left", (((35, 95), (5, 65)),)),
    BoxLayout("bottom-right", (((35, 95), (35, 95)),)),
    BoxLayout("bottom-middle", (((35, 95), (20, 80)),)),
    BoxLayout("middle", (((20, 80), (20, 80)),)),
)

#: name -> (layouts a sample is drawn from uniformly, paper's train size, paper's test size)
_BOX_DATASETS: dict[str, tuple[tuple[BoxLayout, ...], int, int]] = {
    "earlier": ((BoxLayout("earlier", (((0, 30), (10, 90)),)),), 1000, 300),
    "middle": ((BoxLayout("middle", (((20, 80), (20, 80)),)),), 1000, 300),
    "latter": ((BoxLayout("latter", (((70, 100), (10, 90)),)),), 1000, 300),
    "three-earlier": (
        (BoxLayout("three-earlier", tuple(((0, 40), band) for band in _THREE_FEATURE_BANDS)),),
        1000,
        300,
    ),
    "three-middle": (
        (BoxLayout("three-middle", tuple(((25, 65), band) for band in _THREE_FEATURE_BANDS)),),
        1000,
        300,
    ),
    "mixed": (_MIXED_TYPES, 8000, 1000),
    **{
        f"moving-middle-{start}": (
            (BoxLayout(f"moving-middle-{start}", (((start, start + 60), (20, 80)),)),),
            1000,
            200,
        )
        for start in (0, 10, 20, 30, 40)
    },
}

#: The original repository's names for the same datasets.
BOX_ALIASES: dict[str, str] = {
    "TopBox": "earlier",
    "MiddleBox": "middle",
    "BottomBox": "latter",
    "ThreeUpperBoxes": "three-earlier",
    "ThreeMiddleBoxes": "three-middle",
    "MixedBoxes": "mixed",
}

BOX_DATASETS: tuple[str, ...] = tuple(_BOX_DATASETS)


def box_paper_sizes(name: str) -> tuple[int, int]:
    """The paper's (train, test) sizes for box dataset ``name``."""
    layouts_sizes = _BOX_DATASETS[_resolve(name)]
    return layouts_sizes[1], layouts_sizes[2]


def make_box(
    name: str, *, n: int | None = None, seed: int = 0, n_steps: int = 100, n_features: int = 100,
    box_value: float = 1.0,
) -> Dataset:
    """Generate box dataset ``name`` (see :data:`BOX_DATASETS`) with its ground-truth mask.

    Args:
        name: ``earlier``, ``middle``, ``latter``, ``three-earlier``, ``three-middle``, ``mixed`` or
            ``moving-middle-S`` for S in 0, 10, 20, 30, 40 (original names such as ``TopBox`` work too).
        n: number of samples; default the paper's train + test size.
        seed: seed of the generator; the same seed gives the same data.
        n_steps, n_features: T and F; the box geometry scales with them.
        box_value: v, the mean shift of the informative cells (±v by class).

    Returns:
        A :class:`Dataset` with ``x`` (n, T, F), ``y`` (n,) in {0, 1} and ``mask`` (n, T, F).
    """
    key = _resolve(name)
    layouts, n_train, n_test = _BOX_DATASETS[key]
    n = n_train + n_test if n is None else n
    check_positive_int(n, "n")
    check_positive_int(n_steps, "n_steps")
    check_positive_int(n_features, "n_features")
    if not np.isfinite(box_value):
        raise ValueError(f"box_value: expected a finite number, got {box_value!r}")

    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    kind = rng.integers(0, len(layouts), size=n)
    templates = np.stack([_layout_mask(lay, n_steps, n_features) for lay in layouts])
    mask = templates[kind]
    if not templates.reshape(len(layouts), -1).any(axis=1).all():
        raise ValueError(f"n_steps/n_features: {n_steps}x{n_features} is too small for the {key} boxes")
    noise = rng.standard_normal((n, n_steps, n_features))
    shift = np.where(y == 1, box_value, -box_value)[:, None, None]
    x = noise + mask * shift
    meta = {
        "name": key,
        "generator": "box",
        "seed": int(seed),
        "n_classes": 2,
        "class_names": [f"box mean -{box_value:g}", f"box mean +{box_value:g}"],
        "parameters": {
            "n_steps": n_steps,
            "n_features": n_features,
            "box_value": float(box_value),
            "layouts": [lay.name for lay in layouts],
        },
    }
    if len(layouts) > 1:
        meta["layout_of_sample"] = kind.tolist()
    return Dataset(x=x.astype(np.float32), y=y, mask=mask, meta=meta)


def _resolve(name: str) -> str:
    key = BOX_ALIASES.get(name, name)
    check_choice(key, "name", list(_BOX_DATASETS))
    return key


def _scale(value: int, total: int) -> int:
    """``value`` on the 100-grid scaled to ``total``, rounding halves up (so equal bands stay equal)."""
    return (value * total + 50) // 100


def _layout_mask(layout: BoxLayout, n_steps: int, n_features: int) -> np.ndarray:
    mask = np.zeros((n_steps, n_features), dtype=bool)
    for (t0, t1), (f0, f1) in layout.rectangles:
        mask[_scale(t0, n_steps) : _scale(t1, n_steps), _scale(f0, n_features) : _scale(f1, n_features)] = (
            True
        )
    return mask
