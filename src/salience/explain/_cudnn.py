"""Gradients through cuDNN recurrent layers of a model in eval mode.

cuDNN implements the backward pass of ``nn.LSTM``/``nn.GRU``/``nn.RNN`` only in training mode, so
attributing an eval-mode recurrent model on CUDA fails with "cudnn RNN backward can only be called
in training mode". :func:`recurrent_backward_safe` flips only the recurrent layers to training mode,
with their inter-layer dropout set to 0, so the forward values are those of eval mode; every other
module (``nn.Dropout``, ``nn.BatchNorm``, ...) stays as it is. cuDNN is never switched off globally.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn


@contextlib.contextmanager
def recurrent_backward_safe(
    model: nn.Module, device: torch.device | str | None = None, *, force: bool = False
) -> Iterator[nn.Module]:
    """Within the block, let gradients flow through ``model``'s cuDNN recurrent layers.

    Acts only when ``device`` (default: the device of the model's first parameter) is CUDA, or
    when ``force`` is true; otherwise it changes nothing. Acting means: every ``nn.RNNBase``
    submodule gets ``training = True`` and ``dropout = 0.0``. Both are restored on exit, also when
    the block raises.

    Example:
        >>> model = nn.Sequential(nn.LSTM(3, 4, num_layers=2, dropout=0.5), nn.Dropout(0.1)).eval()
        >>> with recurrent_backward_safe(model, force=True):
        ...     model[0].training, model[0].dropout, model[1].training
        (True, 0.0, False)
        >>> model[0].training, model[0].dropout
        (False, 0.5)
    """
    if not (force or _on_cuda(model, device)):
        yield model
        return
    saved = [
        (module, module.training, module.dropout)
        for module in model.modules()
        if isinstance(module, nn.RNNBase)
    ]
    try:
        for module, _, _ in saved:
            module.dropout = 0.0
            module.training = True
        yield model
    finally:
        for module, training, dropout in saved:
            module.training = training
            module.dropout = dropout


def _on_cuda(model: nn.Module, device: torch.device | str | None) -> bool:
    if device is None:
        parameter = next(model.parameters(), None)
        return parameter is not None and parameter.device.type == "cuda"
    return torch.device(device).type == "cuda"
