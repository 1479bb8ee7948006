"""The benchmark's "Random" saliency baseline: another method's maps with the feature axis shuffled.

The time-series benchmark (Ismail et al., NeurIPS 2020; original-behaviour.md §2.8) scores a
"Random" method made by taking a real method's maps and permuting the **feature axis** once, with
the same permutation for every sample and every time step. Each map keeps its time structure and its
values; only which feature carries them changes. It is the reference of Diff(AUP) and Diff(AUR).

This is not the ``random`` method of :func:`salience.explain.attribute`, which draws i.i.d.
U[0, 1) values for every cell and ignores the model entirely.
"""

from __future__ import annotations

import numpy as np
import torch

from salience._validation import as_tensor, check_ndim, check_positive_int


def permute_features(saliency: np.ndarray | torch.Tensor, seed: int = 0) -> torch.Tensor:
    """``saliency`` (N, T, F) with its feature axis permuted by one seeded permutation for all maps.

    Args:
        saliency: maps (N, T, F) of a real attribution method.
        seed: seeds the permutation (a local generator; global RNGs are untouched). For F > 1 the
            permutation is never the identity, so the result always differs from a map whose
            features are not all equal.

    Returns:
        A new tensor of ``saliency``'s dtype and device: out[n, t, f] = saliency[n, t, π(f)].

    Example:
        >>> maps = torch.tensor([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]])
        >>> shuffled = permute_features(maps, seed=0)
        >>> sorted(shuffled[0, 0].tolist()), shuffled[0, 1] - shuffled[0, 0]
        ([1.0, 2.0, 3.0], tensor([3., 3., 3.]))
    """
    check_ndim(saliency, "saliency", 3, "(N, T, F)")
    check_positive_int(seed, "seed", allow_zero=True)
    maps = as_tensor(saliency, "saliency")
    return maps[..., feature_axis_permutation(maps.shape[2], seed).to(maps.device)].clone()


def feature_axis_permutation(n_features: int, seed: int = 0) -> torch.Tensor:
    """The permutation π (F,) that :func:`permute_features` applies: seeded, not the identity for F > 1.

    Example:
        >>> sorted(feature_axis_permutation(4, seed=1).tolist())
        [0, 1, 2, 3]
    """
    check_positive_int(n_features, "n_features")
    generator = torch.Generator().manual_seed(seed)
    identity = torch.arange(n_features)
    permutation = torch.randperm(n_features, generator=generator)
    while n_features > 1 and torch.equal(permutation, identity):
        permutation = torch.randperm(n_features, generator=generator)
    return permutation
