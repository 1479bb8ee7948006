"""Padded sequences (``lengths``): which steps are valid, zero maps beyond them, never perturb them."""

from __future__ import annotations

from typing import Any

import torch


def valid_steps(lengths: torch.Tensor | None, n_samples: int, n_steps: int) -> torch.Tensor:
    """(N, T) bool on the lengths' device: step t < length (all True without lengths).

    Example:
        >>> valid_steps(torch.tensor([1, 3]), 2, 3).tolist()
        [[True, False, False], [True, True, True]]
    """
    if lengths is None:
        return torch.ones((n_samples, n_steps), dtype=torch.bool)
    return torch.arange(n_steps, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


def zero_beyond_lengths(maps: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """``maps`` (N, T, F) with the steps at or beyond each sample's length set to 0.

    Example:
        >>> zero_beyond_lengths(torch.ones(1, 3, 1), torch.tensor([2])).flatten().tolist()
        [1.0, 1.0, 0.0]
    """
    if lengths is None:
        return maps
    valid = valid_steps(lengths.to(maps.device), maps.shape[0], maps.shape[1])
    return torch.where(valid.unsqueeze(-1), maps, 0.0)


def keep_padding(baselines: Any, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Baselines equal to the input beyond each length, so that padded cells are never perturbed.

    Example:
        >>> keep_padding(None, torch.full((1, 2, 1), 5.0), torch.tensor([1])).flatten().tolist()
        [0.0, 5.0]
    """
    if baselines is None or isinstance(baselines, (int, float)):
        baselines = torch.full_like(inputs, 0.0 if baselines is None else float(baselines))
    valid = valid_steps(lengths, inputs.shape[0], inputs.shape[1]).to(inputs.device)
    return torch.where(valid.unsqueeze(-1), baselines, inputs)
