"""The model-parameter randomisation sanity check, cascading (Adebayo et al. 2018, "Sanity checks
for saliency maps").

A deep copy of the model has its layers re-initialised one at a time from the output towards the
input, cumulatively; after each step the same method, with the same settings and target, explains
the same inputs, and each map is compared with the trained model's map by Spearman's rank
correlation per sample, of |maps| and of the signed maps, over the sample's valid cells (ties get
their average rank). A method whose maps depend on the learned parameters falls towards 0; one that
ignores the model (e.g. input × constant) stays at 1 throughout: the check's failure case.

- **Layers** are the modules that hold parameters of their own, in registration order; reversed,
  that order runs from the output to the input for the project's models (which register their
  modules in data-flow order). ``layers`` overrides the order.
- **Re-initialisation**, seeded by ``seed + step`` (the caller's random state is restored): a module's
  own ``reset_parameters()`` where it has one, else each of its own parameters is drawn from
  normal(0, 0.01).
- A map that is constant over a sample's valid cells has no ranking: its correlation is NaN, and the
  per-layer means skip NaN (NaN when every sample's is).
- The target defaults to the trained model's prediction and stays fixed for every step.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from salience._validation import ArrayLike, as_lengths, as_tensor, check_positive_int, check_same_shape
from salience.explain._rng import seeded_global_rngs
from salience.explain.attribute import attribute

Method = str | Callable[[nn.Module, torch.Tensor], torch.Tensor]


@dataclass
class RandomizationResult:
    """The cascading randomisation's correlations (CPU float64).

    Attributes:
        layers: the re-initialised layers, in the order randomised (output → input).
        spearman: mean rank correlation of |maps| after each step (len(layers),).
        spearman_signed: the same for the signed maps.
        per_sample: the |maps| correlations per step and sample (len(layers), N).
    """

    layers: tuple[str, ...]
    spearman: tuple[float, ...]
    spearman_signed: tuple[float, ...]
    per_sample: torch.Tensor


def spearman_per_sample(a: ArrayLike, b: ArrayLike, lengths: ArrayLike | None = None) -> torch.Tensor:
    """Spearman's rank correlation of ``a`` and ``b`` (N, T, F) per sample over its valid cells, float64 (N,).

    Ties get their average rank; a sample constant in either map gets NaN.

    Example:
        >>> a = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])
        >>> spearman_per_sample(a, a ** 3).tolist(), spearman_per_sample(a, -a).tolist()
        ([1.0], [-1.0])
    """
    left, right = as_tensor(a, "a").to(torch.float64).cpu(), as_tensor(b, "b").to(torch.float64).cpu()
    if left.ndim != 3:
        raise ValueError(f"a: expected maps (N, T, F), got shape {tuple(left.shape)}")
    check_same_shape(right, "b", left, "a")
    n, n_steps = int(left.shape[0]), int(left.shape[1])
    steps = as_lengths(lengths, n, n_steps).tolist() if lengths is not None else [n_steps] * n
    out = torch.empty(n, dtype=torch.float64)
    for i, length in enumerate(steps):
        ranks = [_average_ranks(maps[i, :length].reshape(-1)) for maps in (left, right)]
        out[i] = _pearson(*ranks)
    return out


def cascading_randomization(
    model: nn.Module,
    x: ArrayLike,
    method: Method = "gradient",
    *,
    target: ArrayLike | int | None = None,
    lengths: ArrayLike | None = None,
    seed: int = 0,
    layers: Sequence[str] | None = None,
    **method_kwargs: Any,
) -> RandomizationResult:
    """Cascading randomisation of ``model`` (see the module docstring); ``model`` is never modified.

    Args:
        model: a trained classifier, as for :func:`~salience.explain.attribute`.
        x: inputs (N, T, F).
        method: a registered method name, run by :func:`~salience.explain.attribute` with ``target``,
            ``lengths``, ``seed`` and ``method_kwargs``; or a callable ``method(model, x) -> maps``.
        target: the class to explain, one int or one per sample; default the trained model's prediction.
        lengths: valid steps per sample (N,); padded cells are not compared.
        seed: seeds the attribution and each step's re-initialisation (``seed + step``).
        layers: module names to randomise, in this order; default every module holding parameters
            of its own, output first.

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 2))
        >>> result = cascading_randomization(net, torch.rand(3, 3, 2), lambda m, x: x * 2.0)
        >>> result.layers, result.spearman
        (('3', '1'), (1.0, 1.0))
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if not (isinstance(method, str) or callable(method)):
        raise TypeError(f"method: expected a method name or a callable, got {type(method).__name__}")
    check_positive_int(seed, "seed", allow_zero=True)
    inputs = as_tensor(x, "x")
    if inputs.ndim != 3:
        raise ValueError(f"x: expected inputs (N, T, F), got shape {tuple(inputs.shape)}")
    copied = copy.deepcopy(model)
    names = _layer_order(copied, layers)
    modules = dict(copied.named_modules())
    if target is None:
        target = _predictions(copied, inputs, lengths)

    def explain(net: nn.Module) -> torch.Tensor:
        if isinstance(method, str):
            return attribute(net, inputs, target, method, seed=seed, lengths=lengths, **method_kwargs)
        return as_tensor(method(net, inputs), "method").detach().cpu()

    original = explain(copied)
    device = next(iter(copied.parameters())).device
    per_sample, signed = [], []
    for step, name in enumerate(names, start=1):
        _reinitialise(modules[name], seed + step, device)
        maps = explain(copied)
        per_sample.append(spearman_per_sample(original.abs(), maps.abs(), lengths))
        signed.append(spearman_per_sample(original, maps, lengths))
    table = torch.stack(per_sample)
    return RandomizationResult(
        layers=tuple(names),
        spearman=tuple(_nanmean(row) for row in table),
        spearman_signed=tuple(_nanmean(row) for row in signed),
        per_sample=table,
    )


def _layer_order(model: nn.Module, layers: Sequence[str] | None) -> list[str]:
    owners = [name for name, module in model.named_modules() if list(module.parameters(recurse=False))]
    if not owners:
        raise ValueError("model: expected a model with parameters to randomise, got none")
    if layers is None:
        return owners[::-1]
    chosen = list(layers) if isinstance(layers, (list, tuple)) else None
    unknown = [name for name in chosen or [] if name not in owners]
    if not chosen or unknown or len(set(chosen)) != len(chosen):
        raise ValueError(f"layers: expected distinct names among {owners}, got {layers!r}")
    return chosen


def _reinitialise(module: nn.Module, seed: int, device: torch.device) -> None:
    with seeded_global_rngs(seed, device), torch.no_grad():
        if callable(getattr(module, "reset_parameters", None)):
            module.reset_parameters()
        else:
            for parameter in module.parameters(recurse=False):
                parameter.normal_(0.0, 0.01)


def _predictions(model: nn.Module, x: torch.Tensor, lengths: ArrayLike | None) -> torch.Tensor:
    device = next(iter(model.parameters())).device
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            inputs = x.to(device=device, dtype=next(iter(model.parameters())).dtype)
            if lengths is None:
                logits = model(inputs)
            else:
                logits = model(inputs, lengths=as_tensor(lengths, "lengths").to(device))
    finally:
        model.train(was_training)
    return logits.argmax(dim=1).cpu()


def _average_ranks(values: torch.Tensor) -> torch.Tensor:
    order = torch.argsort(values, stable=True)
    _, inverse, counts = torch.unique_consecutive(values[order], return_inverse=True, return_counts=True)
    starts = torch.cumsum(counts, 0) - counts
    ranks = torch.empty_like(values)
    ranks[order] = (starts + (counts - 1) / 2.0).to(values.dtype)[inverse]
    return ranks


def _pearson(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum()) / denominator if denominator > 0 else math.nan


def _nanmean(values: torch.Tensor) -> float:
    finite = values[~torch.isnan(values)]
    return float(finite.mean()) if finite.numel() else math.nan
