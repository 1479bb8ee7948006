"""Seeding captum's draws: torch's and numpy's global generators, seeded and restored afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch


@contextlib.contextmanager
def seeded_global_rngs(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch's (CPU and ``device``) and numpy's global generators; restore them on exit.

    Example:
        >>> before = torch.random.get_rng_state()
        >>> with seeded_global_rngs(3, torch.device("cpu")):
        ...     first = torch.rand(2)
        >>> with seeded_global_rngs(3, torch.device("cpu")):
        ...     torch.equal(torch.rand(2), first)
        True
        >>> torch.equal(torch.random.get_rng_state(), before)
        True
    """
    cuda: list[int] = []
    if device.type == "cuda":
        cuda = [device.index if device.index is not None else torch.cuda.current_device()]
    numpy_state = np.random.get_state()
    try:
        with torch.random.fork_rng(devices=cuda, device_type="cuda"):
            torch.default_generator.manual_seed(seed)
            if cuda:
                with torch.cuda.device(cuda[0]):
                    torch.cuda.manual_seed(seed)
            np.random.seed(seed % 2**32)
            yield
    finally:
        np.random.set_state(numpy_state)


def reseed_global_rngs(seed: int, device: torch.device) -> None:
    """Seed torch's (CPU and ``device``) and numpy's global generators again (inside the block above)."""
    torch.default_generator.manual_seed(seed)
    if device.type == "cuda":
        with torch.cuda.device(device):
            torch.cuda.manual_seed(seed)
    np.random.seed(seed % 2**32)
