"""The perturbation family's rules: forward passes per call, occlusion windows, permuted batches.

Feature permutation is captum's permutation importance with the permutations drawn here: for each
feature group, a seeded random permutation of the batch's samples (never the identity where it can
be avoided, like captum's), restricted at each time step to the samples valid there; captum's
``FeatureAblation`` then replaces the group by the permuted samples' values, which is exactly what
``FeaturePermutation`` computes. Drawing them here keeps padding out of valid steps and fixes each
sample's permuted values, so a perturbed copy of one sample (TSR) is attributed like the sample. A
group with fewer than two samples valid at its steps cannot move and gets 0.
"""

from __future__ import annotations

from typing import Any

import torch

from salience.explain._padding import valid_steps

ROWS_PER_FORWARD = 1024
"""Perturbed rows per forward pass that the default ``perturbations_per_eval`` aims at."""


def perturbation_call_defaults(inputs: torch.Tensor) -> dict[str, Any]:
    """``perturbations_per_eval`` for a call on ``inputs``: about :data:`ROWS_PER_FORWARD` rows per pass.

    Example:
        >>> perturbation_call_defaults(torch.zeros(100, 5, 3))
        {'perturbations_per_eval': 10}
    """
    return {"perturbations_per_eval": max(1, ROWS_PER_FORWARD // max(1, inputs.shape[0]))}


def occlusion_call_defaults(inputs: torch.Tensor) -> dict[str, Any]:
    """Occlusion's defaults: a window of one whole time step (1, F), stride 1, and the rows per pass.

    Example:
        >>> occlusion_call_defaults(torch.zeros(512, 5, 3))
        {'sliding_window_shapes': (1, 3), 'strides': 1, 'perturbations_per_eval': 2}
    """
    return {"sliding_window_shapes": (1, inputs.shape[2]), "strides": 1, **perturbation_call_defaults(inputs)}


def permuted_batches(
    inputs: torch.Tensor, batches: list[slice], feature_mask: torch.Tensor, lengths: torch.Tensor | None
) -> torch.Tensor:
    """For each sample, the values feature permutation puts in each cell: (N, T, F).

    Within each batch, each feature group g gets a random permutation of the samples (torch's
    global generator, seeded by the caller); at every time step it is restricted to the samples
    valid there (in the order the permutation gives them), so invalid samples keep their own
    values and valid ones only receive valid values. A group's permutation is drawn again while it
    would move nothing, like captum's.

    Example:
        >>> x = torch.arange(3.0).view(3, 1, 1)
        >>> moved = permuted_batches(x, [slice(0, 3)], torch.zeros(1, 1, 1, dtype=torch.int64), None)
        >>> sorted(moved.flatten().tolist()), bool((moved != x).any())
        ([0.0, 1.0, 2.0], True)
    """
    _, n_steps, n_features = inputs.shape
    groups = torch.unique(
        feature_mask.expand(1, n_steps, n_features).to(inputs.device), return_inverse=True
    )[1]
    valid = valid_steps(lengths, inputs.shape[0], n_steps).to(inputs.device)
    pieces = [_permuted_batch(inputs[part], groups[0], valid[part]) for part in batches]
    return torch.cat(pieces)


def _permuted_batch(inputs: torch.Tensor, groups: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    batch = inputs.shape[0]
    n_groups = int(groups.max()) + 1
    index = torch.arange(batch, device=inputs.device).view(batch, 1, 1)
    valid_cells = valid.unsqueeze(-1).expand_as(inputs)
    # Valid samples in index order, then the others: the positions the permuted samples fill.
    by_index = torch.argsort(torch.where(valid_cells, index, batch + index), dim=0)
    # Groups that can move: at least two samples valid at some step the group covers.
    movable = _any_per_group(valid_cells.sum(0) >= 2, groups, n_groups)
    keys = torch.rand((n_groups, batch)).to(inputs.device)
    while True:
        source = torch.empty_like(by_index)
        cell_keys = keys.T[:, groups]  # (B, T, F): each sample's key for the cell's group
        by_key = torch.argsort(torch.where(valid_cells, cell_keys, 2.0 + index), dim=0)
        source.scatter_(0, by_index, by_key)
        redraw = movable & ~_any_per_group((source != index).any(0), groups, n_groups)
        if not redraw.any():
            return inputs.gather(0, source)
        keys[redraw] = torch.rand((int(redraw.sum()), batch)).to(inputs.device)


def _any_per_group(flags: torch.Tensor, groups: torch.Tensor, n_groups: int) -> torch.Tensor:
    """(G,) bool: some cell of the group has its flag set."""
    counts = torch.zeros(n_groups, device=flags.device)
    return counts.index_add_(0, groups.flatten(), flags.flatten().to(counts.dtype)) > 0
