"""The synthetic on-task/off-task data, the time-bucket analysis and the fMRI suite's helpers.

References: the generator's equations (the signal recovered as x(amplitude) − x(0), which share every
random draw, against a hand-written Tukey response), the AR(1) noise's moments, bucket shares of
hand-made maps and a slow per-sample loop of the documented selection rule.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from salience.data.fmri import make_task_blocks, tukey_response
from salience.metrics.buckets import on_off_buckets, time_bucket_distribution
from salience.suites.fmri import (
    FmriResult,
    bucket_labels,
    direction_shown,
    format_summary,
    resolve_profile,
)

# --- the generator ---------------------------------------------------------------------------------


def _hand_response(onset: int, on_steps: int, n_steps: int, taper: float) -> np.ndarray:
    """The module docstring's h(t), one step at a time."""
    h = np.zeros(n_steps)
    length = on_steps - onset
    for t in range(onset, on_steps):
        u = (t - onset + 0.5) / length
        d = min(u, 1 - u)
        h[t] = 0.5 * (1 - math.cos(2 * math.pi * d / taper)) if d < taper / 2 else 1.0
    return h


def test_shapes_meta_and_determinism():
    ds = make_task_blocks(10, n_regions=30, on_steps=12, off_steps=4, seed=3)
    assert ds.x.shape == ds.mask.shape == (10, 16, 30) and ds.x.dtype == np.float32
    assert ds.meta["feature_names"][:2] == ["roi_000", "roi_001"] and len(ds.meta["feature_names"]) == 30
    assert ds.meta["blocks"] == {"on": [0, 12], "off": [12, 16]}
    assert ds.meta["seed"] == 3 and ds.meta["parameters"]["n_informative"] == 6
    assert int(ds.y.sum()) == 5  # balanced
    again = make_task_blocks(10, n_regions=30, on_steps=12, off_steps=4, seed=3)
    assert np.array_equal(ds.x, again.x) and np.array_equal(ds.y, again.y)
    assert not np.array_equal(ds.x, make_task_blocks(10, n_regions=30, on_steps=12, off_steps=4, seed=4).x)


def test_signal_follows_the_equations():
    kwargs = dict(n_regions=20, on_steps=16, off_steps=5, seed=1, n_informative=6, n_common=2, taper=0.5)
    ds = make_task_blocks(12, amplitude=1.5, **kwargs)
    noise_only = make_task_blocks(12, amplitude=0.0, **kwargs)
    signal = ds.x.astype(np.float64) - noise_only.x
    task_a, task_b = (np.array(r) for r in ds.meta["task_regions"])
    common = np.array(ds.meta["common_regions"])
    assert len(task_a) == len(task_b) == 3 and len(common) == 2
    assert not set(task_a) & set(task_b) and not set(common) & (set(task_a) | set(task_b))
    others = np.setdiff1d(np.arange(20), np.concatenate([task_a, task_b, common]))
    assert np.abs(signal[:, :, others]).max() < 1e-5
    assert np.abs(signal[:, 16:]).max() < 1e-5  # nothing in the non-active block
    for n in range(12):
        own, other = (task_a, task_b) if ds.y[n] == 0 else (task_b, task_a)
        assert np.abs(signal[n][:, other]).max() < 1e-5
        h = _hand_response(ds.meta["onsets"][n], 16, 21, 0.5)
        for region in [*own, *common]:  # every active region follows h(t) up to its gain
            gain = signal[n, :, region] @ h / (h @ h)
            assert gain > 0
            np.testing.assert_allclose(signal[n, :, region], gain * h, atol=1e-5)
        mask = ds.mask[n]
        assert np.array_equal(mask.any(axis=1), h > 0)
        assert np.array_equal(np.flatnonzero(mask.any(axis=0)), np.sort(np.concatenate([task_a, task_b])))
        assert mask.sum() == (h > 0).sum() * 6


def test_tukey_response_matches_hand_formula():
    for onset, taper in ((0, 0.2), (3, 0.5), (2, 1.0), (1, 0.0)):
        expected = (
            _hand_response(onset, 10, 14, taper) if taper else (np.arange(14) >= onset) * (np.arange(14) < 10)
        )
        np.testing.assert_allclose(tukey_response(onset, 10, 14, taper), expected, atol=1e-12)


def test_noise_is_ar1_with_unit_variance():
    ds = make_task_blocks(400, n_regions=10, on_steps=30, off_steps=10, amplitude=0.0, ar=0.6, seed=0)
    x = ds.x.astype(np.float64)
    assert abs(x.var() - 1.0) < 0.03
    lag1 = (x[:, 1:] * x[:, :-1]).mean() / x.var()
    lag2 = (x[:, 2:] * x[:, :-2]).mean() / x.var()
    assert abs(lag1 - 0.6) < 0.02 and abs(lag2 - 0.36) < 0.03


def test_task_is_visible_in_the_active_block_only():
    ds = make_task_blocks(200, n_regions=40, seed=0)
    task_a = ds.meta["task_regions"][0]
    on = ds.x[:, :38, task_a].mean(axis=(1, 2))
    off = ds.x[:, 38:, task_a].mean(axis=(1, 2))
    assert on[ds.y == 0].mean() - on[ds.y == 1].mean() > 0.5
    assert abs(off[ds.y == 0].mean() - off[ds.y == 1].mean()) < 0.15


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n": 0}, "n"),
        ({"n_regions": 0}, "n_regions"),
        ({"n_informative": 1}, "n_informative"),
        ({"n_regions": 10, "n_informative": 8, "n_common": 3}, "n_informative"),
        ({"onset_jitter": 38}, "onset_jitter"),
        ({"amplitude": float("nan")}, "amplitude"),
        ({"taper": 1.5}, "taper"),
        ({"ar": 1.0}, "ar"),
    ],
)
def test_generator_rejects_bad_arguments(kwargs, name):
    arguments = {"n": 4, "n_regions": 20, **kwargs}
    with pytest.raises(ValueError, match=f"^{name}:"):
        make_task_blocks(arguments.pop("n"), **arguments)


# --- bucket edges and shares -----------------------------------------------------------------------


def test_on_off_buckets():
    assert on_off_buckets(38, 10) == (0, 10, 19, 29, 38, 48)
    assert on_off_buckets(40, 10) == (0, 10, 20, 30, 40, 50)
    assert on_off_buckets(6, 0, n_on_buckets=3) == (0, 2, 4, 6)
    with pytest.raises(ValueError, match=r"^n_on_buckets:"):
        on_off_buckets(3, 1, n_on_buckets=4)
    with pytest.raises(ValueError, match=r"^off_steps:"):
        on_off_buckets(3, -1)


def _loop_shares(saliency: np.ndarray, edges, top_fraction: float, lengths=None) -> np.ndarray:
    """The documented rule, one sample at a time."""
    n, t_steps, f = saliency.shape
    rows = []
    for i in range(n):
        length = t_steps if lengths is None else int(lengths[i])
        cells = [(abs(float(saliency[i, t, j])), t, j) for t in range(length) for j in range(f)]
        k = max(1, math.floor(top_fraction * length * f + 0.5))
        ranked = sorted(cells, key=lambda c: (-c[0], c[1], c[2]))[:k]
        chosen = [c for c in ranked if c[0] > 0]
        if not chosen:
            rows.append([math.nan] * (len(edges) - 1))
            continue
        rows.append(
            [sum(lo <= t < hi for _, t, _ in chosen) / len(chosen) for lo, hi in itertools.pairwise(edges)]
        )
    return np.array(rows)


def test_hand_made_maps():
    s = torch.zeros(3, 6, 2)
    s[0, 5, :] = 1.0  # both top cells in the last step
    s[1, 0, 0], s[1, 3, 1] = 2.0, -3.0
    s[2] = 1.0  # all tied: the earliest cells win
    shares = time_bucket_distribution(s, edges=(0, 2, 4, 6), top_fraction=2 / 12)
    assert shares.per_sample.tolist() == [[0.0, 0.0, 1.0], [0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]
    np.testing.assert_allclose(shares.mean.numpy(), [0.5, 1 / 6, 1 / 3])
    assert shares.n_selected.tolist() == [2, 2, 2] and shares.edges == (0, 2, 4, 6)


def test_against_loop_reference_with_ties_and_lengths():
    rng = np.random.default_rng(0)
    saliency = rng.integers(-3, 4, size=(7, 9, 4)).astype(np.float32)  # many ties and zeros
    saliency[6] = 0.0
    lengths = np.array([9, 5, 1, 9, 3, 7, 9])
    edges = (0, 2, 5, 9)
    for top_fraction, lens in ((0.05, None), (0.3, None), (0.3, lengths), (1.0, lengths)):
        shares = time_bucket_distribution(saliency, edges=edges, top_fraction=top_fraction, lengths=lens)
        expected = _loop_shares(saliency, edges, top_fraction, lens)
        np.testing.assert_allclose(shares.per_sample.numpy(), expected, equal_nan=True)
        np.testing.assert_allclose(shares.mean.numpy(), np.nanmean(expected, axis=0))


def test_lengths_exclude_padding():
    s = torch.ones(1, 4, 1)
    s[0, 3, 0] = 100.0  # padding, however salient, is never selected
    shares = time_bucket_distribution(s, edges=(0, 3, 4), top_fraction=1.0, lengths=np.array([3]))
    assert shares.per_sample.tolist() == [[1.0, 0.0]] and shares.n_selected.tolist() == [3]


def test_zero_maps_and_partial_edges():
    s = torch.zeros(2, 4, 1)
    s[1, :, 0] = torch.tensor([4.0, 3.0, 2.0, 1.0])
    shares = time_bucket_distribution(s, edges=(1, 3), top_fraction=0.5)
    assert math.isnan(shares.per_sample[0, 0]) and shares.per_sample[1].tolist() == [0.5]  # cell 0 outside
    assert shares.mean.tolist() == [0.5]
    assert time_bucket_distribution(torch.zeros(1, 2, 1), edges=(0, 2)).mean.isnan().all()


@pytest.mark.parametrize(
    ("kwargs", "name", "error"),
    [
        ({"edges": (0, 5)}, "edges", ValueError),
        ({"edges": (2, 2, 4)}, "edges", ValueError),
        ({"edges": (0,)}, "edges", ValueError),
        ({"edges": "04"}, "edges", TypeError),
        ({"edges": (0.0, 4.0)}, "edges", ValueError),
        ({"edges": (0, 4), "top_fraction": 0.0}, "top_fraction", ValueError),
        ({"edges": (0, 4), "lengths": np.array([5, 1])}, "lengths", ValueError),
    ],
)
def test_buckets_reject_bad_arguments(kwargs, name, error):
    with pytest.raises(error, match=f"^{name}:"):
        time_bucket_distribution(torch.ones(2, 4, 3), **kwargs)
    with pytest.raises(ValueError, match=r"^saliency:"):
        time_bucket_distribution(torch.ones(2, 4), edges=(0, 4))


# --- suite helpers (no training) -------------------------------------------------------------------

_LSTM = FmriResult("lstm", (0.0, 0.0, 0.01, 0.04, 0.95), 0.99, 97.0, 36, 2.0)
_ICA = FmriResult("ica-lstm", (0.25, 0.21, 0.24, 0.2, 0.1), 0.3, 99.0, 9, 2.0)


def test_direction_and_summary():
    assert direction_shown([_LSTM, _ICA]) is True
    assert direction_shown([_LSTM]) is None
    flat_ica = FmriResult("ica-lstm", (0.05, 0.05, 0.1, 0.3, 0.5), 0.8, 99.0, 9, 2.0)
    assert direction_shown([_LSTM, flat_ica]) is False
    text = format_summary([_LSTM, _ICA])
    assert text.splitlines()[0].split()[4:] == ["on", "1", "on", "2", "on", "3", "on", "4", "off", "late"]
    assert "LSTM+in.cell" in text and text.endswith("yes")


def test_bucket_labels_profiles_and_plot(tmp_path):
    assert bucket_labels(on_off_buckets(8, 2, 2), 8) == ["on 1 (0-3)", "on 2 (4-7)", "off (8-9)"]
    paper = resolve_profile("paper")
    assert (paper.n_regions, paper.on_steps, paper.off_steps) == (360, 38, 10)
    assert paper.edges == (0, 10, 19, 29, 38, 48)
    assert resolve_profile("quick", models=["lstm"]).models == ("lstm",)
    with pytest.raises(ValueError, match=r"^profile:"):
        resolve_profile("huge")
    with pytest.raises(ValueError, match=r"^models:"):
        resolve_profile("quick", models=["nope"])
