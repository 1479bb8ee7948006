"""A per-sample DeepLIFT rule for the softmax: the project's one touch of captum's private names.

Captum's DeepLIFT softmax rule normalises the multipliers over the whole batch, so a sample's map
depended on its batch mates. :class:`PerSampleSoftmax` is an ``nn.Softmax`` for which a per-sample
rule is registered in captum's private ``captum.attr._core.deep_lift.SUPPORTED_NON_LINEAR`` table
(there is no public hook): that private name is why ``pyproject.toml`` pins captum's upper bound.
Captum's behaviour for every other module is unchanged.
"""

from __future__ import annotations

import torch
from captum.attr._core import deep_lift as _deep_lift
from torch import nn


class PerSampleSoftmax(nn.Softmax):
    """``nn.Softmax`` whose DeepLIFT rule normalises per sample rather than per batch.

    Example:
        >>> PerSampleSoftmax(dim=-1)(torch.zeros(1, 2)).tolist()
        [[0.5, 0.5]]
    """


def _softmax_rescale(
    module: nn.Module,
    inputs: torch.Tensor,
    outputs: torch.Tensor,
    grad_input: torch.Tensor,
    grad_output: torch.Tensor,
    eps: float = 1e-10,
) -> torch.Tensor:
    """Captum's DeepLIFT softmax rule, with the mean subtracted per sample.

    Captum's rule takes the rescale multipliers Δout/Δin and subtracts their mean over the whole
    tensor, i.e. over every sample of the batch, which makes one sample's attribution depend on
    the others. Here rows i (input) and i + B (its reference) share their own mean, which is
    exactly what captum computes for a batch of one.
    """
    half = inputs.shape[0] // 2
    delta_in = inputs[:half] - inputs[half:]
    delta_out = outputs[:half] - outputs[half:]
    delta_in, delta_out = torch.cat([delta_in, delta_in]), torch.cat([delta_out, delta_out])
    unnormalised = torch.where(delta_in.abs() < eps, grad_input, grad_output * delta_out / delta_in)
    pairs = unnormalised.reshape(2, half, -1)
    return (pairs - pairs.mean(dim=(0, 2), keepdim=True)).reshape(unnormalised.shape)


_deep_lift.SUPPORTED_NON_LINEAR[PerSampleSoftmax] = _softmax_rescale
