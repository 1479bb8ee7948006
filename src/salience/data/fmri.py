"""A synthetic stand-in for the HCP on-task/off-task fMRI experiment (input-cell attention supplement).

**No real fMRI ships offline**: these are generated series shaped like the paper's samples, not brain
data. Each sample is ``on_steps`` frames of an active task block followed by ``off_steps`` frames of a
non-active block (38 + 10 in the paper), with one feature per cortical region (360 in the paper).
The class is the task (0 = "task A" standing in for gambling, 1 = "task B" for working memory).

For sample n with task c, region r and step t (all steps, both blocks)::

    x[n, t, r] = a_n · w[c, r] · h_n(t)  +  b_n · u[r] · h_n(t)  +  e[n, t, r]

- ``h_n(t)``: a smooth response confined to the active block: zero before the jittered onset
  ``o_n ~ U{0, …, onset_jitter}`` and from ``on_steps`` on; on the support ``[o_n, on_steps)`` it is a
  Tukey window (cosine ramps over the first and last ``taper``/2 of the support, 1 between), sampled
  at the middle of each frame so that every support step is positive. A slow haemodynamic-like
  rise and fall that ends with the block.
- ``w[c, r]``: task c's spatial pattern, U(0.5, 1) on its own ``n_informative // 2`` regions (task B
  gets the other ``n_informative - n_informative // 2``) and 0 elsewhere; regions drawn at random.
- ``u[r]``: a pattern shared by both tasks (``n_common`` other regions, U(0.5, 1)): active in every
  active block and so *not* informative of the task: a distractor.
- ``a_n = amplitude · exp(amplitude_jitter · z)``, ``b_n`` likewise (z ~ N(0, 1)): per-sample gain.
- ``e``: per-region AR(1) noise with coefficient ``ar`` and unit marginal variance, independent across
  regions and samples, running through both blocks (the non-active block is noise around baseline 0).

The ground-truth ``mask`` marks the cells whose distribution depends on the task: the support steps
of ``h_n`` × the ``n_informative`` task regions (both tasks' regions, for every sample: the absence of
task A's activation is evidence for task B). Classes are balanced (a seeded permutation of n // 2
zeros and the rest ones).

Signal strength: the defaults (task regions = 20 % of F, amplitude 1 noise s.d., taper 0.2) were
chosen so that both an LSTM (H = 32) and an input-cell attention LSTM reach over 90 % test accuracy
within a few epochs at 60 regions and 600 training samples (seed 0: 97 % and 99 %). With 10 % task
regions at amplitude 0.6, or with H = 5, the LSTM stayed at chance (the input-cell attention LSTM did
not: 93 %, 100 %); with a taper of 0.5 (the response fading over the block's last quarter) it learned
more slowly. The LSTM has to carry the task evidence across the 10 non-active steps to its readout.

Example:
    >>> ds = make_task_blocks(6, n_regions=20, seed=0)
    >>> ds.x.shape, ds.meta["blocks"]
    ((6, 48, 20), {'on': [0, 38], 'off': [38, 48]})
    >>> bool(ds.mask[:, 38:].any()), int(ds.mask[0].any(axis=0).sum())
    (False, 4)
"""

from __future__ import annotations

import numpy as np

from salience._validation import check_positive_int
from salience.data.dataset import Dataset

#: The paper's sample layout: 38 active frames followed by 10 non-active frames, 360 regions.
PAPER_ON_STEPS, PAPER_OFF_STEPS, PAPER_REGIONS = 38, 10, 360
#: The paper's split: 566 training and 183 test subjects.
PAPER_SUBJECTS = (566, 183)
TASK_NAMES = ("task A (gambling stand-in)", "task B (working-memory stand-in)")


def make_task_blocks(
    n: int,
    *,
    n_regions: int = PAPER_REGIONS,
    on_steps: int = PAPER_ON_STEPS,
    off_steps: int = PAPER_OFF_STEPS,
    seed: int = 0,
    n_informative: int | None = None,
    n_common: int | None = None,
    amplitude: float = 1.0,
    amplitude_jitter: float = 0.2,
    onset_jitter: int = 3,
    taper: float = 0.2,
    ar: float = 0.5,
) -> Dataset:
    """Generate ``n`` synthetic on-task/off-task samples (see the module docstring for the equations).

    Args:
        n: number of samples (classes balanced).
        n_regions: F, features ("regions of interest"), named ``roi_000``, ``roi_001``, ….
        on_steps, off_steps: lengths of the active and the non-active block; T = their sum.
        seed: the same seed gives the same data (patterns, regions, labels, noise).
        n_informative: regions carrying the task (half per task); default max(2, round(F / 5)).
        n_common: regions active in both tasks (not informative); default round(F / 20).
        amplitude: mean gain of the task response, in units of the noise's standard deviation.
        amplitude_jitter: standard deviation of the log-gain across samples.
        onset_jitter: the response starts at a step drawn uniformly from 0 … ``onset_jitter``.
        taper: Tukey taper fraction in [0, 1] (0: a box, 1: a raised cosine).
        ar: AR(1) coefficient of the noise, in [0, 1).

    Returns:
        A :class:`Dataset` with ``x`` (n, T, F), ``y`` (n,), ``mask`` (n, T, F) and ``meta`` holding
        ``feature_names``, ``blocks`` ({"on": [0, on_steps], "off": [on_steps, T]}), the task and
        common regions, the parameters and the seed.
    """
    check_positive_int(n, "n")
    check_positive_int(n_regions, "n_regions")
    check_positive_int(on_steps, "on_steps")
    check_positive_int(off_steps, "off_steps", allow_zero=True)
    check_positive_int(onset_jitter, "onset_jitter", allow_zero=True)
    n_informative = max(2, round(n_regions / 5)) if n_informative is None else n_informative
    n_common = round(n_regions / 20) if n_common is None else n_common
    check_positive_int(n_informative, "n_informative")
    check_positive_int(n_common, "n_common", allow_zero=True)
    if n_informative < 2:
        raise ValueError(f"n_informative: expected at least 2 (one region per task), got {n_informative}")
    if n_informative + n_common > n_regions:
        raise ValueError(
            f"n_informative: expected n_informative + n_common <= n_regions ({n_regions}), "
            f"got {n_informative} + {n_common}"
        )
    if onset_jitter >= on_steps:
        raise ValueError(f"onset_jitter: expected fewer than on_steps ({on_steps}), got {onset_jitter}")
    _check_number(amplitude, "amplitude", low=0.0)
    _check_number(amplitude_jitter, "amplitude_jitter", low=0.0)
    _check_number(taper, "taper", low=0.0, high=1.0)
    _check_number(ar, "ar", low=0.0, high=1.0, open_high=True)

    rng = np.random.default_rng(seed)
    n_steps = on_steps + off_steps
    regions = rng.permutation(n_regions)
    half = n_informative // 2
    task_regions = (np.sort(regions[:half]), np.sort(regions[half:n_informative]))
    common_regions = np.sort(regions[n_informative : n_informative + n_common])
    patterns = np.zeros((2, n_regions))
    for c, chosen in enumerate(task_regions):
        patterns[c, chosen] = rng.uniform(0.5, 1.0, size=len(chosen))
    shared = np.zeros(n_regions)
    shared[common_regions] = rng.uniform(0.5, 1.0, size=len(common_regions))

    y = rng.permutation(np.arange(n) >= n // 2).astype(np.int64)
    onsets = rng.integers(0, onset_jitter + 1, size=n)
    response = _responses(onsets, on_steps, n_steps, taper)  # (n, T)
    gains = amplitude * np.exp(amplitude_jitter * rng.standard_normal((n, 2)))
    spatial = gains[:, :1] * patterns[y] + gains[:, 1:] * shared  # (n, F)
    noise = _ar1_noise(rng, (n, n_steps, n_regions), ar)
    x = response[:, :, None] * spatial[:, None, :] + noise

    informative = np.zeros(n_regions, dtype=bool)
    informative[regions[:n_informative]] = True
    mask = (response > 0)[:, :, None] & informative[None, None, :]
    meta = {
        "name": "task-blocks",
        "generator": "task_blocks",
        "seed": int(seed),
        "n_classes": 2,
        "class_names": list(TASK_NAMES),
        "feature_names": [f"roi_{r:03d}" for r in range(n_regions)],
        "blocks": {"on": [0, on_steps], "off": [on_steps, n_steps]},
        "task_regions": [chosen.tolist() for chosen in task_regions],
        "common_regions": common_regions.tolist(),
        "onsets": onsets.tolist(),
        "parameters": {
            "n_regions": n_regions,
            "on_steps": on_steps,
            "off_steps": off_steps,
            "n_informative": n_informative,
            "n_common": n_common,
            "amplitude": float(amplitude),
            "amplitude_jitter": float(amplitude_jitter),
            "onset_jitter": int(onset_jitter),
            "taper": float(taper),
            "ar": float(ar),
        },
    }
    return Dataset(x=x.astype(np.float32), y=y, mask=mask, meta=meta)


def tukey_response(onset: int, on_steps: int, n_steps: int, taper: float) -> np.ndarray:
    """One sample's response h(t), (n_steps,): a Tukey window on [onset, on_steps), zero elsewhere.

    Example:
        >>> tukey_response(1, 5, 6, 1.0).round(3).tolist()  # raised cosine at u = 1/8, 3/8, 5/8, 7/8
        [0.0, 0.146, 0.854, 0.854, 0.146, 0.0]
    """
    return _responses(np.array([onset]), on_steps, n_steps, taper)[0]


def _responses(onsets: np.ndarray, on_steps: int, n_steps: int, taper: float) -> np.ndarray:
    """h_n(t) for every sample at once, (n, n_steps)."""
    t = np.arange(n_steps)[None, :]
    length = (on_steps - onsets)[:, None].astype(np.float64)
    u = (t - onsets[:, None] + 0.5) / length  # frame centres, in (0, 1) on the support
    inside = (t >= onsets[:, None]) & (t < on_steps)
    edge = np.minimum(u, 1.0 - u)  # distance to the nearer end of the support
    if taper > 0:
        ramp = 0.5 * (1.0 - np.cos(2.0 * np.pi * np.clip(edge, 0.0, None) / taper))
        shape = np.where(edge < taper / 2, ramp, 1.0)
    else:
        shape = np.ones_like(u)
    return np.where(inside, shape, 0.0)


def _ar1_noise(rng: np.random.Generator, shape: tuple[int, int, int], ar: float) -> np.ndarray:
    """AR(1) series along axis 1 with unit marginal variance: e_t = ar·e_{t−1} + √(1 − ar²)·z_t."""
    innovations = rng.standard_normal(shape)
    noise = np.empty(shape)
    noise[:, 0] = innovations[:, 0]
    scale = np.sqrt(1.0 - ar * ar)
    for t in range(1, shape[1]):
        noise[:, t] = ar * noise[:, t - 1] + scale * innovations[:, t]
    return noise


def _check_number(
    value: object, name: str, *, low: float, high: float | None = None, open_high: bool = False
) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)
    ok = ok and float(value) >= low
    if ok and high is not None:
        ok = float(value) < high if open_high else float(value) <= high
    if not ok:
        bound = f">= {low:g}" if high is None else f"in [{low:g}, {high:g}{')' if open_high else ']'}"
        raise ValueError(f"{name}: expected a finite number {bound}, got {value!r}")
