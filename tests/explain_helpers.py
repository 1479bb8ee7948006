"""Assertions shared by the attribution tests."""

from __future__ import annotations

import numpy as np
import torch


def assert_close_float32(actual: torch.Tensor, expected: torch.Tensor, atol: float = 1e-6) -> None:
    """``actual`` is a float32 CPU tensor (as attribute returns) equal to ``expected``."""
    assert actual.dtype == torch.float32 and actual.device.type == "cpu"
    np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-5, atol=atol)
