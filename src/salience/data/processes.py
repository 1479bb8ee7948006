"""The seven generation processes of the time-series saliency benchmark (Ismail et al., NeurIPS 2020).

A native numpy reimplementation of what the original obtained from TimeSynth 0.2.4, vectorised over
samples and features (the recursive processes loop over time steps only). Every draw comes from the
``numpy.random.Generator`` the caller passes in, except original NARMA (see below).

Each sample gets one set of irregular time stamps (:func:`irregular_times`), shared by all of its
features. Each process gives a signal; the six non-``Box`` processes add observation noise
N(0, 0.3²) to every cell (:data:`NOISE_SD`):

* ``Box`` (the paper's "Gaussian"): i.i.d. N(0, 1) cells; no time stamps, no extra noise.
* ``Harmonic``: sin(2π·2·t).
* ``GaussianProcess``: mean 0, Matérn ν = 3/2 kernel (lengthscale 1, variance 1) with 1e-12 added to
  the diagonal; one kernel per sample (its stamps), every feature an independent draw from it.
* ``PseudoPeriodic``: a·sin(f·t) with a ~ N(1, 0.5²) and f ~ N(2, 0.01²) drawn anew at every cell.
* ``AutoRegressive``: AR(1) x_k = 0.9·x_{k−1} + 0.5·ε_k from x_{−1} = 0, so x_0 = 0.5·ε_0.
* ``CAR``: x_0 = 0.01; x_k = 0.9^{Δt}·x_{k−1} + 0.01·sqrt(1 − 0.9^{Δt})·ε_k, Δt = t_k − t_{k−1}.
* ``NARMA``: order 10, y_k = 0.3·y_{k−1} + 0.05·y_{k−1}·S_k + 1.5·u_{k−10}·u_k + 0.1 with y_{<0} = 0,
  u ~ U(0, 0.5) (10 warm-up values u_{−10..−1} then one per step).

Quirks of the original reproduced by ``variant="original"`` (the default):

1. PseudoPeriodic has **no 2π**: sin(f·t), unlike Harmonic's sin(2π·f·t).
2. Harmonic's features are **identical up to the noise**: the stamps are shared, the sinusoid has no
   random phase or amplitude.
3. CAR's σ = 0.01 makes the signal almost flat (≈ 0.01): the features are essentially the 0.3 noise.
   (The innovation scale sqrt(1 − φ^Δt), not sqrt(1 − φ^{2Δt}), is also TimeSynth's.)
4. AutoRegressive and NARMA **ignore the time stamps** (purely sequential).
5. NARMA draws u from its own ``numpy.random.RandomState(42)`` (10 warm-up values, then T), so every
   feature of every sample has the **identical path**; only the 0.3 noise differs. The caller's
   generator is used for the noise only.
6. NARMA's sum term is TimeSynth's slice ``y[k−10:10]`` of the zero-padded history, which only ever
   covers the 10 zero initial values, so S_k = 0 at every step and the recursion is
   y_k = 0.3·y_{k−1} + 1.5·u_{k−10}·u_k + 0.1.

``variant="corrected"`` changes only the quirks that change the science:

* NARMA draws u from the caller's generator (independent per sample and feature) and uses the
  intended sum S_k = y_{k−1} + … + y_{k−10} (the ten previous values).
* PseudoPeriodic uses sin(2π·f·t), the same frequency convention as Harmonic.

Every other process is identical under both variants (same draws, same values).

Example:
    >>> rng = np.random.default_rng(0)
    >>> x = sample_process("GaussianProcess", n=4, n_steps=50, n_features=3, rng=rng)
    >>> x.shape, x.dtype
    ((4, 50, 3), dtype('float64'))
"""

from __future__ import annotations

import numpy as np

from salience._validation import check_choice, check_finite, check_ndim, check_positive_int

#: The seven process names, in the original's order.
PROCESSES: tuple[str, ...] = (
    "Box",
    "Harmonic",
    "GaussianProcess",
    "PseudoPeriodic",
    "AutoRegressive",
    "CAR",
    "NARMA",
)
#: ``original`` reproduces TimeSynth's behaviour; ``corrected`` fixes NARMA and PseudoPeriodic.
VARIANTS: tuple[str, ...] = ("original", "corrected")
#: Processes whose values depend on the time stamps.
TIMED_PROCESSES: tuple[str, ...] = ("Harmonic", "GaussianProcess", "PseudoPeriodic", "CAR")
#: Standard deviation of the additive observation noise (every process except ``Box``).
NOISE_SD = 0.3
#: End of the time axis of the irregular sampler.
STOP_TIME = 20.0

_HARMONIC_FREQUENCY = 2.0
_MATERN_LENGTHSCALE = 1.0
_MATERN_VARIANCE = 1.0
_GP_JITTER = 1e-12
_PSEUDO_FREQUENCY, _PSEUDO_FREQUENCY_SD, _PSEUDO_AMPLITUDE, _PSEUDO_AMPLITUDE_SD = 2.0, 0.01, 1.0, 0.5
_AR_PHI, _AR_SIGMA = 0.9, 0.5
_CAR_PHI, _CAR_SIGMA, _CAR_START = 0.9, 0.01, 0.01
_NARMA_ORDER, _NARMA_COEFFICIENTS, _NARMA_SEED, _NARMA_U_HIGH = 10, (0.3, 0.05, 1.5, 0.1), 42, 0.5


def irregular_times(
    n: int, n_steps: int, rng: np.random.Generator, stop_time: float = STOP_TIME
) -> np.ndarray:
    """Irregular time stamps (n, T), one sorted set per sample (TimeSynth's irregular sampler).

    Per sample: keep T of the 2T points of linspace(0, stop_time, 2T) at random, add N(0, r²) jitter
    with resolution r = stop_time / (2T), and sort again.

    Example:
        >>> t = irregular_times(2, 5, np.random.default_rng(0))
        >>> t.shape, bool((np.diff(t, axis=1) >= 0).all())
        ((2, 5), True)
    """
    check_positive_int(n, "n")
    check_positive_int(n_steps, "n_steps")
    _check_rng(rng)
    if not (isinstance(stop_time, (int, float)) and np.isfinite(stop_time) and stop_time > 0):
        raise ValueError(f"stop_time: expected a positive finite number, got {stop_time!r}")
    grid = np.linspace(0.0, float(stop_time), 2 * n_steps)
    keep = np.sort(np.argsort(rng.random((n, 2 * n_steps)), axis=1)[:, :n_steps], axis=1)
    resolution = float(stop_time) / (2 * n_steps)
    jittered = grid[keep] + rng.normal(0.0, resolution, size=(n, n_steps))
    return np.sort(jittered, axis=1)


def matern32_covariance(times: np.ndarray) -> np.ndarray:
    """The GaussianProcess covariance (n, T, T) of stamps (n, T), diagonal jitter included.

    k(s, t) = v·(1 + √3·r)·exp(−√3·r) with r = |s − t| / ℓ, ℓ = 1, v = 1, plus 1e-12 on the diagonal.

    Example:
        >>> k = matern32_covariance(np.array([[0.0, 1.0]]))
        >>> round(float(k[0, 0, 1]), 6), float(k[0, 0, 0]) > 1.0
        (0.483358, True)
    """
    check_ndim(times, "times", 2, "(n, T)")
    scaled = np.sqrt(3.0) * np.abs(times[:, :, None] - times[:, None, :]) / _MATERN_LENGTHSCALE
    covariance = _MATERN_VARIANCE * (1.0 + scaled) * np.exp(-scaled)
    diagonal = np.arange(times.shape[1])
    covariance[:, diagonal, diagonal] += _GP_JITTER
    return covariance


def sample_signal(
    process: str,
    times: np.ndarray,
    n_features: int,
    rng: np.random.Generator,
    *,
    variant: str = "original",
) -> np.ndarray:
    """The noise-free signal of ``process`` at sorted stamps ``times`` (n, T): float64 (n, T, F).

    ``Box``, ``AutoRegressive`` and ``NARMA`` use only the shape of ``times``. Observation noise is
    not added here (see :func:`sample_process`).

    Example:
        >>> times = np.array([[0.0, 0.125, 0.25]])
        >>> sample_signal("Harmonic", times, 2, np.random.default_rng(0)).round(6)[0, :, 0].tolist()
        [0.0, 1.0, 0.0]
    """
    check_choice(process, "process", PROCESSES)
    check_choice(variant, "variant", VARIANTS)
    check_ndim(times, "times", 2, "(n, T)")
    times = np.asarray(times, dtype=np.float64)
    check_finite(times, "times")
    if times.shape[0] < 1 or times.shape[1] < 1:
        raise ValueError(f"times: expected at least one sample and one step, got {times.shape}")
    if (np.diff(times, axis=1) < 0).any():
        raise ValueError("times: expected time stamps sorted along each row")
    check_positive_int(n_features, "n_features")
    _check_rng(rng)
    n, n_steps = times.shape
    shape = (n, n_steps, n_features)
    if process == "Box":
        return rng.standard_normal(shape)
    if process == "Harmonic":
        wave = np.sin(2.0 * np.pi * _HARMONIC_FREQUENCY * times)
        return np.repeat(wave[:, :, None], n_features, axis=2)
    if process == "GaussianProcess":
        return _gaussian_process(times, n_features, rng)
    if process == "PseudoPeriodic":
        frequency = rng.normal(_PSEUDO_FREQUENCY, _PSEUDO_FREQUENCY_SD, size=shape)
        amplitude = rng.normal(_PSEUDO_AMPLITUDE, _PSEUDO_AMPLITUDE_SD, size=shape)
        cycles = 2.0 * np.pi if variant == "corrected" else 1.0
        return amplitude * np.sin(cycles * frequency * times[:, :, None])
    if process == "AutoRegressive":
        return _autoregressive(rng.standard_normal(shape))
    if process == "CAR":
        return _continuous_autoregressive(times, rng.standard_normal(shape))
    if variant == "corrected":
        u = rng.uniform(0.0, _NARMA_U_HIGH, size=(n, _NARMA_ORDER + n_steps, n_features))
        return _narma(u, full_sum=True)
    return np.broadcast_to(original_narma_path(n_steps)[None, :, None], shape).copy()


def sample_process(
    process: str,
    n: int,
    n_steps: int,
    n_features: int,
    rng: np.random.Generator,
    *,
    variant: str = "original",
) -> np.ndarray:
    """``n`` samples of ``process``, float64 (n, T, F): the signal at irregular stamps plus noise.

    Args:
        process: one of :data:`PROCESSES`.
        n, n_steps, n_features: the shape (n, T, F).
        rng: the generator every draw comes from (original NARMA's inputs excepted).
        variant: ``original`` (TimeSynth's behaviour, quirks included) or ``corrected``.

    Example:
        >>> x = sample_process("NARMA", 2, 30, 4, np.random.default_rng(0))
        >>> bool(np.abs(x - x[0, :, :1]).max() < 3)  # one path, features differ only by noise
        True
    """
    check_choice(process, "process", PROCESSES)
    check_positive_int(n, "n")
    check_positive_int(n_steps, "n_steps")
    check_positive_int(n_features, "n_features")
    _check_rng(rng)
    # The original draws stamps for every process; the untimed ones need only the shape.
    timed = process in TIMED_PROCESSES
    times = irregular_times(n, n_steps, rng) if timed else np.zeros((n, n_steps))
    signal = sample_signal(process, times, n_features, rng, variant=variant)
    if process == "Box":
        return signal
    return signal + rng.normal(0.0, NOISE_SD, size=signal.shape)


def original_narma_path(n_steps: int) -> np.ndarray:
    """The one NARMA path (T,) of the original: u from ``RandomState(42)``, degenerate sum term.

    Example:
        >>> u = np.random.RandomState(42).uniform(0, 0.5, 11)  # 10 warm-up inputs, then u_0
        >>> bool(np.isclose(original_narma_path(3)[0], 0.3 * 0 + 1.5 * u[0] * u[10] + 0.1))
        True
    """
    check_positive_int(n_steps, "n_steps")
    generator = np.random.RandomState(_NARMA_SEED)
    warm_up = generator.uniform(0.0, _NARMA_U_HIGH, size=_NARMA_ORDER)
    u = np.concatenate([warm_up, generator.uniform(0.0, _NARMA_U_HIGH, size=n_steps)])
    return _narma(u[None, :, None], full_sum=False)[0, :, 0]


def _check_rng(rng: object) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng: expected a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
        )


def _gaussian_process(times: np.ndarray, n_features: int, rng: np.random.Generator) -> np.ndarray:
    """Independent GP draws per feature: one batched Cholesky factor per sample, L @ z for all F."""
    covariance = matern32_covariance(times)
    try:
        factor = np.linalg.cholesky(covariance)
    except np.linalg.LinAlgError:  # near-coincident stamps: a symmetric square root is always defined
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        factor = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))[:, None, :]
    z = rng.standard_normal((times.shape[0], times.shape[1], n_features))
    return factor @ z


def _autoregressive(innovations: np.ndarray) -> np.ndarray:
    """AR(1) along axis 1 from a zero previous value: x_k = φ·x_{k−1} + σ·ε_k."""
    values = np.empty_like(innovations)
    previous = np.zeros_like(innovations[:, 0])
    for k in range(innovations.shape[1]):
        previous = _AR_PHI * previous + _AR_SIGMA * innovations[:, k]
        values[:, k] = previous
    return values


def _continuous_autoregressive(times: np.ndarray, innovations: np.ndarray) -> np.ndarray:
    """CAR along axis 1: the start value, then φ^Δt decay plus σ·sqrt(1 − φ^Δt)·ε (ε[:, 0] unused)."""
    decay = np.power(_CAR_PHI, np.diff(times, axis=1))[:, :, None]  # (n, T-1, 1)
    scale = _CAR_SIGMA * np.sqrt(1.0 - decay)
    values = np.empty_like(innovations)
    values[:, 0] = _CAR_START
    for k in range(1, innovations.shape[1]):
        values[:, k] = decay[:, k - 1] * values[:, k - 1] + scale[:, k - 1] * innovations[:, k]
    return values


def _narma(u: np.ndarray, *, full_sum: bool) -> np.ndarray:
    """NARMA-10 along axis 1 of ``u`` (n, 10 + T, F), the first 10 entries being the warm-up inputs.

    With ``full_sum`` the non-linear term sums the ten previous outputs; without it the term is
    TimeSynth's slice of the zero initial history, which is always zero.
    """
    a0, a1, a2, a3 = _NARMA_COEFFICIENTS
    order = _NARMA_ORDER
    history = np.zeros_like(u)  # history[:, :order] is the zero initial condition
    for k in range(order, u.shape[1]):
        previous = history[:, k - 1]
        step = a0 * previous + a2 * u[:, k - order] * u[:, k] + a3
        if full_sum:
            step = step + a1 * previous * history[:, k - order : k].sum(axis=1)
        history[:, k] = step
    values = history[:, order:]
    if not np.isfinite(values).all():
        raise FloatingPointError("NARMA diverged; draw again with another seed")
    return values
