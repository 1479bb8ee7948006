"""Pick the torch device to train and evaluate on from a name: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``."""

from __future__ import annotations

import re

import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "cuda:N")
_CUDA_NAME = re.compile(r"cuda(?::(\d+))?")


def check_device_name(device: object, name: str = "device") -> str:
    """Fail unless ``device`` is a device name this library understands; return it as a string.

    Only the spelling is checked (a config written on a laptop may name ``cuda`` for a GPU machine);
    :func:`resolve_device` checks that the device exists.
    """
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str) or not (device in ("auto", "cpu") or _CUDA_NAME.fullmatch(device)):
        raise ValueError(f"{name}: expected one of {', '.join(DEVICE_CHOICES)}; got {device!r}")
    return device


def resolve_device(device: str = "auto") -> torch.device:
    """The :class:`torch.device` named by ``device``.

    ``auto`` is the first CUDA device when CUDA is available and the CPU otherwise; ``cuda`` and
    ``cuda:N`` fail when CUDA (or GPU N) is not available, rather than silently using the CPU.

    Example:
        >>> resolve_device("cpu")
        device(type='cpu')
    """
    device = check_device_name(device)
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError(f"device: {device!r} was asked for but CUDA is not available")
    match = _CUDA_NAME.fullmatch(device)
    assert match is not None  # checked by check_device_name
    if match.group(1) is not None:
        index, count = int(match.group(1)), torch.cuda.device_count()
        if index >= count:
            raise ValueError(f"device: {device!r} was asked for but only {count} CUDA device(s) exist")
    return torch.device(device)
