"""The benchmark's "Random" baseline: one seeded feature-axis permutation shared by every map."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from salience.explain import feature_axis_permutation, permute_features


def _maps(n: int = 4, n_steps: int = 5, n_features: int = 6) -> torch.Tensor:
    # Distinct values everywhere, so the permutation can be read back from any (n, t) row.
    return (
        torch.randperm(n * n_steps * n_features, generator=torch.Generator().manual_seed(0))
        .float()
        .view(n, n_steps, n_features)
    )


def test_one_permutation_for_every_sample_and_step() -> None:
    maps = _maps()
    shuffled = permute_features(maps, seed=3)
    # Read π off the first row: shuffled[0, 0, f] = maps[0, 0, π(f)].
    first = maps[0, 0].tolist()
    pi = [first.index(v) for v in shuffled[0, 0].tolist()]
    for n in range(maps.shape[0]):
        for t in range(maps.shape[1]):
            assert shuffled[n, t].tolist() == [maps[n, t, p].item() for p in pi]
            assert sorted(shuffled[n, t].tolist()) == sorted(maps[n, t].tolist())  # same multiset
    assert pi == feature_axis_permutation(6, seed=3).tolist()


def test_seeded_and_never_the_identity() -> None:
    maps = _maps()
    assert torch.equal(permute_features(maps, seed=5), permute_features(maps, seed=5))
    assert not torch.equal(permute_features(maps, seed=5), permute_features(maps, seed=6))
    for n_features in (2, 3):
        for seed in range(20):
            pi = feature_axis_permutation(n_features, seed=seed)
            assert sorted(pi.tolist()) == list(range(n_features))
            assert pi.tolist() != list(range(n_features))
    assert torch.equal(permute_features(maps[..., :1], seed=1), maps[..., :1])  # F = 1: nothing to move


def test_input_forms_and_global_rng_untouched() -> None:
    maps = _maps()
    state = torch.get_rng_state()
    from_numpy = permute_features(maps.numpy(), seed=2)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(from_numpy, permute_features(maps, seed=2))
    double = permute_features(maps.double(), seed=2)
    assert double.dtype == torch.float64
    shuffled = permute_features(maps, seed=2)
    shuffled[0, 0, 0] = -1.0
    assert maps.min() >= 0  # a new tensor, the input is untouched


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"saliency: expected shape \(N, T, F\)"):
        permute_features(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="seed: expected a non-negative integer"):
        permute_features(np.zeros((1, 3, 4)), seed=-1)
    with pytest.raises(TypeError, match="saliency: expected a numpy array or torch tensor"):
        permute_features([[[1.0]]])
