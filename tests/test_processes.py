"""The benchmark's generation processes against their equations (original-behaviour.md §2.3).

Each process is checked against a reference written from its definition: innovations recovered
through the recursion, moments from closed forms, the Matérn 3/2 formula, or a plain loop.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from salience.data.processes import PROCESSES, irregular_times, sample_process, sample_signal

NOISE_SD = 0.3  # §2.3: the observation noise of every process except Box
PHI_AR, SIGMA_AR = 0.9, 0.5
PHI_CAR, SIGMA_CAR, START_CAR = 0.9, 0.01, 0.01


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _lag1_correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


# ----------------------------------------------------------------------------------------------
# irregular time sampler
# ----------------------------------------------------------------------------------------------


def test_irregular_times_shape_sorted_and_range():
    times = irregular_times(300, 50, _rng(1))
    assert times.shape == (300, 50) and times.dtype == np.float64
    assert (np.diff(times, axis=1) >= 0).all()
    resolution = 20.0 / 100
    assert times.min() > -8 * resolution and times.max() < 20 + 8 * resolution
    assert not np.array_equal(times[0], times[1])  # one set of stamps per sample


def test_irregular_times_sum_has_the_sampling_without_replacement_plus_jitter_variance():
    # T of the 2T grid points without replacement, plus N(0, r²) jitter with r = stop / (2T):
    # Var(sum) = T·σ²_grid·(2T − T)/(2T − 1) + T·r² (sorting does not change the sum).
    n_steps, stop = 3, 20.0
    grid = np.linspace(0.0, stop, 2 * n_steps)
    resolution = stop / (2 * n_steps)
    expected_var = n_steps * grid.var() * n_steps / (2 * n_steps - 1) + n_steps * resolution**2
    sums = irregular_times(40_000, n_steps, _rng(2), stop_time=stop).sum(axis=1)
    assert sums.mean() == pytest.approx(n_steps * stop / 2, abs=0.15)
    assert sums.var() == pytest.approx(expected_var, rel=0.04)  # 117.3; no jitter 84, r = stop/(2T−1) 132


def test_irregular_times_validates():
    with pytest.raises(ValueError, match="stop_time"):
        irregular_times(2, 3, _rng(), stop_time=-1.0)
    with pytest.raises(TypeError, match="rng"):
        irregular_times(2, 3, np.random.RandomState(0))
    with pytest.raises(ValueError, match="n_steps"):
        irregular_times(2, 0, _rng())


# ----------------------------------------------------------------------------------------------
# common behaviour
# ----------------------------------------------------------------------------------------------


def test_all_processes_shape_dtype_reproducible_and_global_rng_untouched():
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    for process in PROCESSES:
        a = sample_process(process, 3, 20, 4, _rng(7))
        b = sample_process(process, 3, 20, 4, _rng(7))
        assert a.shape == (3, 20, 4) and a.dtype == np.float64
        assert np.isfinite(a).all()
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, sample_process(process, 3, 20, 4, _rng(8)))
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("process", ["Box", "Harmonic", "GaussianProcess", "AutoRegressive", "CAR"])
def test_corrected_variant_leaves_other_processes_unchanged(process):
    a = sample_process(process, 3, 20, 4, _rng(3), variant="original")
    b = sample_process(process, 3, 20, 4, _rng(3), variant="corrected")
    np.testing.assert_array_equal(a, b)


def test_inputs_are_validated():
    with pytest.raises(ValueError, match=r"process: expected one of .*GaussianProcess"):
        sample_process("Gaussian", 2, 5, 2, _rng())
    with pytest.raises(ValueError, match="variant"):
        sample_process("NARMA", 2, 5, 2, _rng(), variant="fixed")
    with pytest.raises(TypeError, match="rng"):
        sample_process("Box", 2, 5, 2, 0)
    with pytest.raises(ValueError, match="n_features"):
        sample_process("Box", 2, 5, 0, _rng())
    with pytest.raises(ValueError, match="times: expected time stamps sorted"):
        sample_signal("CAR", np.array([[0.0, 2.0, 1.0]]), 2, _rng())
    with pytest.raises(ValueError, match="times: expected shape"):
        sample_signal("CAR", np.array([0.0, 1.0]), 2, _rng())


# ----------------------------------------------------------------------------------------------
# Box (the paper's "Gaussian")
# ----------------------------------------------------------------------------------------------


def test_box_is_standard_normal_without_extra_noise():
    x = sample_process("Box", 200, 50, 50, _rng(4))
    assert abs(x.mean()) < 0.01
    assert x.var() == pytest.approx(1.0, abs=0.01)  # 1 + 0.3² = 1.09 if noise were added
    assert abs(_lag1_correlation(x[:, 1:], x[:, :-1])) < 0.01
    assert abs(_lag1_correlation(x[:, :, 1:], x[:, :, :-1])) < 0.01


# ----------------------------------------------------------------------------------------------
# Harmonic
# ----------------------------------------------------------------------------------------------


def test_harmonic_signal_is_sin_2pi_2t_in_every_feature():
    times = np.sort(_rng(5).uniform(0, 20, size=(3, 40)), axis=1)
    signal = sample_signal("Harmonic", times, 6, _rng())
    expected = np.sin(2 * math.pi * 2.0 * times)
    for feature in range(6):
        np.testing.assert_allclose(signal[:, :, feature], expected, atol=1e-12)


def test_harmonic_features_identical_up_to_noise_of_sd_0_3():
    x = sample_process("Harmonic", 100, 50, 50, _rng(6))
    spread = x.var(axis=2, ddof=1)  # across features, per cell: only the noise varies
    assert spread.mean() == pytest.approx(NOISE_SD**2, rel=0.02)
    difference = x[:, :, 1] - x[:, :, 0]
    assert difference.std() == pytest.approx(NOISE_SD * math.sqrt(2), rel=0.03)


# ----------------------------------------------------------------------------------------------
# Gaussian process
# ----------------------------------------------------------------------------------------------


def _matern32(times: np.ndarray) -> np.ndarray:
    r = np.abs(times[:, None] - times[None, :])
    return (1 + math.sqrt(3) * r) * np.exp(-math.sqrt(3) * r)


def test_gaussian_process_covariance_is_matern_3_2_per_sample():
    times = np.array([[0.0, 0.3, 1.0, 2.5, 2.6, 5.0], [0.0, 0.1, 0.2, 0.8, 1.9, 1.95]])
    draws = sample_signal("GaussianProcess", times, 20_000, _rng(7))  # features: independent draws
    for sample in range(2):
        empirical = np.cov(draws[sample])  # (T, T) over the 20000 features
        np.testing.assert_allclose(empirical, _matern32(times[sample]), atol=0.04)
        assert abs(draws[sample].mean()) < 0.02


def test_gaussian_process_features_independent_and_noise_added():
    x = sample_process("GaussianProcess", 400, 20, 30, _rng(8))
    # two features of the same sample share the kernel but not the draw
    assert abs(_lag1_correlation(x[:, :, 1:], x[:, :, :-1])) < 0.02
    assert x.var() == pytest.approx(1.0 + NOISE_SD**2, abs=0.05)


def test_gaussian_process_near_coincident_stamps_still_sample():
    times = np.array([[0.0, 1e-10, 1.0, 1.0 + 1e-10, 3.0]])
    draws = sample_signal("GaussianProcess", times, 500, _rng(9))
    assert np.isfinite(draws).all()
    np.testing.assert_allclose(draws[0, 0], draws[0, 1], atol=1e-4)
    np.testing.assert_allclose(draws[0, 2], draws[0, 3], atol=1e-4)


# ----------------------------------------------------------------------------------------------
# PseudoPeriodic
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant, cycles", [("original", 1.0), ("corrected", 2 * math.pi)])
def test_pseudo_periodic_moments(variant, cycles):
    # x = a·sin(c·f·t), a ~ N(1, 0.5²), f ~ N(2, 0.01²) per cell, c = 1 (original) or 2π (corrected):
    # E[x] = sin(2ct)·exp(−(0.01ct)²/2),  E[x²] = 1.25·(1 − cos(4ct)·exp(−2(0.01ct)²))/2.
    times = np.array([[0.3, 1.1, 2.0, 4.7, 9.9, 19.5]])
    x = sample_signal("PseudoPeriodic", times, 40_000, _rng(10), variant=variant)[0]
    ct = cycles * times[0]
    mean = np.sin(2 * ct) * np.exp(-((0.01 * ct) ** 2) / 2)
    second = 1.25 * (1 - np.cos(4 * ct) * np.exp(-2 * (0.01 * ct) ** 2)) / 2
    np.testing.assert_allclose(x.mean(axis=1), mean, atol=0.03)
    np.testing.assert_allclose((x**2).mean(axis=1), second, atol=0.04)


def test_pseudo_periodic_original_lacks_2pi():
    times = np.array([[0.3]])  # sin(0.6) = 0.56 vs sin(1.2π) = −0.59
    original = sample_signal("PseudoPeriodic", times, 5000, _rng(11)).mean()
    corrected = sample_signal("PseudoPeriodic", times, 5000, _rng(11), variant="corrected").mean()
    assert original == pytest.approx(math.sin(0.6), abs=0.05)
    assert corrected == pytest.approx(math.sin(1.2 * math.pi), abs=0.05)


# ----------------------------------------------------------------------------------------------
# AutoRegressive
# ----------------------------------------------------------------------------------------------


def test_autoregressive_innovations_recovered_through_the_ar1_recursion():
    signal = sample_signal("AutoRegressive", np.zeros((200, 40)), 50, _rng(12))
    previous = np.concatenate([np.zeros_like(signal[:, :1]), signal[:, :-1]], axis=1)  # x_{−1} = 0
    innovations = (signal - PHI_AR * previous) / SIGMA_AR
    assert abs(innovations.mean()) < 0.01
    assert innovations.var() == pytest.approx(1.0, abs=0.02)
    assert abs(_lag1_correlation(innovations[:, 1:], innovations[:, :-1])) < 0.01


def test_autoregressive_variance_grows_from_zero_and_lag1_correlation_is_phi():
    signal = sample_signal("AutoRegressive", np.zeros((400, 40)), 50, _rng(13))
    for k in (0, 4, 39):  # Var(x_k) = σ²·(1 − φ^{2(k+1)}) / (1 − φ²)
        expected = SIGMA_AR**2 * (1 - PHI_AR ** (2 * (k + 1))) / (1 - PHI_AR**2)
        assert signal[:, k].var() == pytest.approx(expected, rel=0.05)
    late = signal[:, 30:]
    assert _lag1_correlation(late[:, 1:], late[:, :-1]) == pytest.approx(PHI_AR, abs=0.01)


def test_autoregressive_and_narma_ignore_time_stamps():
    stamps = np.sort(_rng(14).uniform(0, 20, size=(3, 25)), axis=1)
    for process, variant in (("AutoRegressive", "original"), ("NARMA", "original"), ("NARMA", "corrected")):
        a = sample_signal(process, stamps, 4, _rng(15), variant=variant)
        b = sample_signal(process, np.zeros((3, 25)), 4, _rng(15), variant=variant)
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------------------------
# CAR
# ----------------------------------------------------------------------------------------------


def test_car_innovations_recovered_through_the_continuous_recursion():
    times = np.sort(_rng(16).uniform(0, 20, size=(100, 30)), axis=1)
    signal = sample_signal("CAR", times, 80, _rng(17))
    np.testing.assert_array_equal(signal[:, 0], START_CAR)
    decay = PHI_CAR ** np.diff(times, axis=1)[:, :, None]
    innovations = (signal[:, 1:] - decay * signal[:, :-1]) / (SIGMA_CAR * np.sqrt(1 - decay))
    assert abs(innovations.mean()) < 0.01
    assert innovations.var() == pytest.approx(1.0, abs=0.02)
    assert abs(_lag1_correlation(innovations[:, 1:], innovations[:, :-1])) < 0.01


def test_car_is_nearly_flat_so_cells_are_the_noise():
    x = sample_process("CAR", 200, 50, 50, _rng(18))
    assert x.std() == pytest.approx(math.sqrt(NOISE_SD**2 + 0.01**2), rel=0.01)
    assert x.mean() == pytest.approx(0.0, abs=0.01)  # the signal decays from 0.01 towards 0


# ----------------------------------------------------------------------------------------------
# NARMA
# ----------------------------------------------------------------------------------------------


def _timesynth_narma_loop(n_steps: int) -> np.ndarray:
    """A plain loop over TimeSynth's definition: RandomState(42), zero history, sum over y[k−10:10]."""
    state = np.random.RandomState(42)
    u = list(state.uniform(0, 0.5, size=10)) + list(state.uniform(0, 0.5, size=n_steps))
    y = [0.0] * (10 + n_steps)
    for k in range(10, 10 + n_steps):
        window = sum(y[k - 10 : 10])  # the original's slice (empty once k >= 20)
        y[k] = 0.3 * y[k - 1] + 0.05 * y[k - 1] * window + 1.5 * u[k - 10] * u[k] + 0.1
    return np.array(y[10:])


def test_narma_original_is_one_fixed_path_for_every_feature_and_sample():
    signal = sample_signal("NARMA", np.zeros((3, 50)), 5, _rng(19))
    path = _timesynth_narma_loop(50)
    for sample in range(3):
        for feature in range(5):
            np.testing.assert_allclose(signal[sample, :, feature], path, rtol=1e-12)
    other_seed = sample_signal("NARMA", np.zeros((1, 50)), 1, _rng(20))
    np.testing.assert_allclose(other_seed[0, :, 0], path, rtol=1e-12)


def test_narma_original_plus_noise_recovers_noise_sd():
    x = sample_process("NARMA", 100, 50, 50, _rng(21))
    noise = x - _timesynth_narma_loop(50)[None, :, None]
    assert noise.mean() == pytest.approx(0.0, abs=0.005)
    assert noise.std() == pytest.approx(NOISE_SD, rel=0.01)
    assert abs(_lag1_correlation(noise[:, :, 1:], noise[:, :, :-1])) < 0.01


def test_narma_corrected_follows_the_full_ten_term_recursion_and_varies():
    signal = sample_signal("NARMA", np.zeros((100, 50)), 40, _rng(22), variant="corrected")
    assert not np.allclose(signal[0, :, 0], signal[0, :, 1])
    assert not np.allclose(signal[0, :, 0], signal[1, :, 0])
    history = np.concatenate([np.zeros((100, 10, 40)), signal], axis=1)
    previous = history[:, 9:-1]
    window = np.stack([history[:, k - 10 : k].sum(axis=1) for k in range(10, 60)], axis=1)
    # residual = 1.5·u_{k−10}·u_k with u ~ U(0, 0.5): in [0, 0.375], mean 1.5·0.25², var 2.25·(1/12² − 1/4⁴)
    residual = signal - 0.3 * previous - 0.05 * previous * window - 0.1
    assert residual.min() > -1e-12 and residual.max() < 0.375 + 1e-12
    assert residual.mean() == pytest.approx(1.5 * 0.25**2, abs=0.002)
    assert residual.var() == pytest.approx(2.25 * ((0.25 / 3) ** 2 - 0.25**4), rel=0.05)
