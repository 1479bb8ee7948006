"""Shared test helpers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Run a test on one torch thread: tiny models spend more on thread start-up than on work, and
    the machine's cores are shared."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def saved(monkeypatch) -> list:
    """Record every figure that salience's plotting modules save (the real ``_save`` still writes it)."""
    from salience.figures import curves, heatmaps, images, series

    figures: list = []
    for module in (curves, heatmaps, images, series):
        original = module._save

        def record(fig, path, original=original):
            figures.append(fig)
            return original(fig, path)

        monkeypatch.setattr(module, "_save", record)
    return figures
