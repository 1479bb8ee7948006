"""attribute()'s arguments: checked, converted, and turned into batches and captum options."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from salience._validation import check_array, check_finite, check_labels, check_ndim
from salience.explain._captum_call import PerSample
from salience.explain.methods import MethodRecord
from salience.explain.tsr import check_fill, check_threshold

# Input values per inner call (after the method's own expansion) that the default TSR chunk aims at:
# on the CPU, chunks that stay in cache are fastest (2 MiB of float32: ~210 copies of a 50 × 50 input
# for the gradient); on CUDA, bigger launches pay.
_TSR_VALUES_PER_CHUNK = {"cpu": 2**19, "cuda": 2**24}
# Arguments that attribute() supplies itself; the message says what to use instead.
_MANAGED = {
    "inputs": "pass the input as x",
    "additional_forward_args": "pass lengths= (the only extra forward argument models take)",
    "return_convergence_delta": "attribute returns attributions only",
    "forward_func": "pass the model",
    "model": "pass the model",
    "attribution_method": "choose it with method=",
    "perm_func": "salience draws the permutations itself (seeded, padding-aware)",
}


def check_tsr_options(record: MethodRecord, tsr: object, threshold: object, fill: object) -> None:
    if not isinstance(tsr, bool):
        raise TypeError(f"tsr: expected True or False, got {tsr!r}")
    check_threshold(threshold, "tsr_threshold")
    check_fill(fill, "tsr_fill")
    if tsr and record.draw is not None:
        raise ValueError(
            f"tsr: method {record.name!r} ignores the model, so its maps cannot be rescaled; use a method "
            "that reads the model"
        )


def check_kwargs(record: MethodRecord, kwargs: dict[str, Any], tsr: bool = False) -> None:
    accepted: set[str] = set()
    for cls in record.option_classes:
        accepted |= set(inspect.signature(cls.__init__).parameters)
        accepted |= set(inspect.signature(cls.attribute).parameters)
    accepted -= {"self", "kwargs", "target", *_MANAGED}
    if tsr:
        accepted.add("internal_batch_size")  # perturbed copies per call
    for key in kwargs:
        if key in _MANAGED:
            raise ValueError(f"{key}: not accepted here; {_MANAGED[key]}")
        if key not in accepted:
            takes = ", ".join(sorted(accepted)) if accepted else "no extra options"
            raise ValueError(f"{key}: not an option of method {record.name!r}; it takes {takes}")


def batches(record: MethodRecord, n_samples: int, batch_size: int | None) -> list[slice]:
    """Slices of at most ``batch_size`` samples, none smaller than the method's ``min_batch``."""
    size = max(1, n_samples if batch_size is None else batch_size)
    starts = list(range(0, n_samples, size))
    least = record.min_batch
    if least > 1:
        why = f"{record.name} {record.min_batch_reason}"
        if batch_size is not None and batch_size < least:
            raise ValueError(f"batch_size: {why}; expected at least {least}, got {batch_size}")
        if 0 < n_samples < least:
            raise ValueError(f"x: {why}; expected at least {least} samples, got {n_samples}")
        if len(starts) > 1 and n_samples - starts[-1] < least:
            starts.pop()  # the last samples join the batch before them
    ends = [*starts[1:], n_samples]
    return [slice(start, end) for start, end in zip(starts, ends, strict=True)]


def captum_options(record: MethodRecord, kwargs: dict[str, Any], inputs: torch.Tensor) -> dict[str, Any]:
    """The caller's captum options, with feature masks as int64 tensors on the inputs' device (one per
    sample, or shared) and the default one group per time step."""
    options = dict(kwargs)
    n_samples = inputs.shape[0]
    if record.groups == "time" and options.get("feature_mask") is None:
        options["feature_mask"] = _time_groups(inputs)
    mask = options.get("feature_mask")
    if isinstance(mask, np.ndarray):
        mask = torch.from_numpy(np.ascontiguousarray(mask))
    if isinstance(mask, torch.Tensor):
        if mask.is_floating_point() or mask.is_complex() or mask.dtype == torch.bool:
            raise TypeError(f"feature_mask: expected integer group ids, got dtype {mask.dtype}")
        per_sample = mask.ndim == 3 and mask.shape[0] == n_samples and n_samples > 1
        if record.shared_groups and mask.ndim == 3 and mask.shape[0] != 1:
            raise ValueError(
                f"feature_mask: {record.name} needs the same groups for every sample, "
                f"expected shape (1, T, F) or (T, F), got {tuple(mask.shape)}"
            )
        mask = mask.to(device=inputs.device, dtype=torch.int64)
        options["feature_mask"] = PerSample(mask) if per_sample else mask
    return options


def _time_groups(inputs: torch.Tensor) -> torch.Tensor:
    """Feature mask (1, T, F) with group id t for every feature of time step t."""
    _, n_steps, n_features = inputs.shape
    return torch.arange(n_steps, device=inputs.device).view(1, n_steps, 1).repeat(1, 1, n_features)


def default_tsr_chunk(
    record: MethodRecord, options: dict[str, Any], shared_baselines: Any, cells: int, device: torch.device
) -> int:
    """Perturbed copies per call so that a call holds about ``_TSR_VALUES_PER_CHUNK`` input values."""
    expansion = record.expansion({**record.defaults, **options}, shared_baselines)
    budget = _TSR_VALUES_PER_CHUNK["cuda" if device.type == "cuda" else "cpu"]
    return max(1, budget // (cells * max(1, int(expansion))))


def model_device_dtype(model: nn.Module, x: object) -> tuple[torch.device, torch.dtype]:
    for parameter in model.parameters():
        if parameter.is_floating_point():
            return parameter.device, parameter.dtype
    if isinstance(x, torch.Tensor) and x.is_floating_point():
        return x.device, x.dtype
    return torch.device("cpu"), torch.float32


def as_inputs(x: object, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    check_ndim(x, "x", 3, "(N, T, F)")
    tensor = torch.from_numpy(np.ascontiguousarray(x)) if isinstance(x, np.ndarray) else x
    assert isinstance(tensor, torch.Tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"x: expected floating-point inputs, got dtype {tensor.dtype}")
    check_finite(tensor, "x")
    if tensor.shape[1] == 0 or tensor.shape[2] == 0:
        raise ValueError(f"x: expected at least one time step and one feature, got {tuple(tensor.shape)}")
    return tensor.detach().to(device=device, dtype=dtype)


def _as_labels(value: object, name: str, n_samples: int) -> torch.Tensor:
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected integer class labels, got a bool")
    if isinstance(value, (int, np.integer)):
        return torch.full((n_samples,), int(value), dtype=torch.int64)
    if isinstance(value, (list, tuple)):
        value = np.asarray(value)
        if value.size == 0:
            value = value.astype(np.int64)
    check_array(value, name)
    tensor = torch.from_numpy(np.ascontiguousarray(value)) if isinstance(value, np.ndarray) else value
    assert isinstance(tensor, torch.Tensor)
    check_labels(tensor, name, n_samples)
    return tensor.detach().to(device="cpu", dtype=torch.int64)


def resolve_target(target: object, y: object, n_samples: int) -> tuple[torch.Tensor, str]:
    if target is not None:
        return _as_labels(target, "target", n_samples), "target"
    if y is not None:
        return _as_labels(y, "y", n_samples), "y"
    raise ValueError(
        "target: expected the class to explain; salience explains the true label by default, "
        "so pass y= (the labels) or target="
    )


def n_classes(
    model: nn.Module,
    scorer: nn.Module,
    inputs: torch.Tensor,
    lengths: torch.Tensor | None,
    device: torch.device,
) -> int:
    config = getattr(model, "config", None)
    if isinstance(config, Mapping) and "n_classes" in config:
        return int(config["n_classes"])
    with torch.no_grad():
        scores = scorer(inputs[:1], None if lengths is None else lengths[:1].to(device))
    if scores.ndim != 2:
        raise ValueError(f"model: expected logits (B, C), got output of shape {tuple(scores.shape)}")
    return int(scores.shape[1])


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[None]:
    """Put every submodule in eval mode; restore each one's own mode on exit."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training
