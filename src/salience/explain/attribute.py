"""Saliency maps (N, T, F) for sequence classifiers, through captum.

:func:`attribute` wraps a model that returns logits so that the attributed score is the softmax
probability of the target class (as in the papers), its log or the raw logit, runs one of
:data:`METHODS` in eval mode, batch by batch, and returns float32 CPU maps of the input's shape.
The target defaults to the true label ``y``.

Randomness is seeded by ``seed`` and never leaks: baselines and the ``random`` maps come from a local
generator; captum's own draws (smoothgrad noise, gradient_shap noise, baseline choice and
interpolation points, which use torch's and numpy's global generators) run inside a block that
seeds both and restores their states afterwards.

DeepLIFT applies captum's rescale rule to the softmax, with one change: captum normalises the
softmax multipliers over the whole batch, so a sample's map depended on its batch mates; ours
normalise per sample, which equals captum run one sample at a time (a rule registered for a private
``nn.Softmax`` subclass; captum's behaviour for every other module is unchanged).
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import torch
from captum.attr import (
    DeepLift,
    DeepLiftShap,
    GradientShap,
    IntegratedGradients,
    NoiseTunnel,
    Saliency,
)
from captum.attr._core import deep_lift as _deep_lift
from torch import nn

from salience._validation import (
    as_lengths,
    check_array,
    check_choice,
    check_finite,
    check_labels,
    check_ndim,
    check_positive_int,
)
from salience.explain._cudnn import recurrent_backward_safe

METHODS = (
    "gradient",
    "integrated_gradients",
    "deeplift",
    "smoothgrad",
    "gradient_shap",
    "deeplift_shap",
    "random",
)
"""Names accepted by :func:`attribute`; ``random`` is i.i.d. U[0, 1) noise, a chance-level control."""

OUTPUTS = ("probability", "log_probability", "logit")

_CAPTUM = {
    "gradient": (Saliency,),
    "integrated_gradients": (IntegratedGradients,),
    "deeplift": (DeepLift,),
    "smoothgrad": (NoiseTunnel, Saliency),
    "gradient_shap": (GradientShap,),
    "deeplift_shap": (DeepLiftShap,),
}
# The benchmark's settings (original-behaviour.md §4); the caller's keywords override them.
_DEFAULTS: dict[str, dict[str, Any]] = {
    "gradient": {"abs": True},
    "smoothgrad": {"nt_type": "smoothgrad", "nt_samples": 5, "stdevs": 1.0, "abs": True},
    "gradient_shap": {"n_samples": 5, "stdevs": 0.09},
}
_SHAP = ("gradient_shap", "deeplift_shap")
# Arguments that attribute() supplies itself; the message says what to use instead.
_MANAGED = {
    "inputs": "pass the input as x",
    "additional_forward_args": "pass lengths= (the only extra forward argument models take)",
    "return_convergence_delta": "attribute returns attributions only",
    "forward_func": "pass the model",
    "model": "pass the model",
    "attribution_method": "choose it with method=",
}


def attribute(
    model: nn.Module,
    x: np.ndarray | torch.Tensor,
    target: int | list[int] | np.ndarray | torch.Tensor | None = None,
    method: str = "gradient",
    *,
    y: np.ndarray | torch.Tensor | list[int] | None = None,
    output: str = "probability",
    batch_size: int | None = None,
    seed: int = 0,
    lengths: np.ndarray | torch.Tensor | None = None,
    n_baselines: int = 5,
    **kwargs: Any,
) -> torch.Tensor:
    """Saliency of each input cell for the target class, float32 on the CPU, shape (N, T, F).

    Args:
        model: a classifier returning logits (B, C) from ``model(x)`` or ``model(x, lengths=...)``.
            It runs on the device and dtype of its parameters (``x`` is moved there), in eval mode
            (restored afterwards); on CUDA its recurrent layers are made differentiable by
            :func:`recurrent_backward_safe`.
        x: inputs (N, T, F), finite floats.
        target: class to explain, one int for all samples or one per sample (N,). Defaults to ``y``.
        method: one of :data:`METHODS`:

            - ``gradient``: captum ``Saliency``, ``abs=True`` by default (the papers' |∂p/∂x|);
            - ``integrated_gradients``, ``deeplift``: baseline zero unless ``baselines`` is given;
            - ``smoothgrad``: ``NoiseTunnel(Saliency)``, ``nt_type="smoothgrad"``, ``nt_samples=5``,
              ``stdevs=1.0`` (the benchmark's settings);
            - ``gradient_shap`` (``n_samples=5``, ``stdevs=0.09``) and ``deeplift_shap``: without
              ``baselines``, ``n_baselines`` seeded N(0, 1) baselines (n_baselines, T, F), which
              match standardised inputs;
            - ``random``: i.i.d. U[0, 1) values, seeded, ignoring the model (a chance-level control).
        y: true labels (N,), the default target (the papers explain the true class).
        output: score attributed: ``probability`` (softmax of the logits, as in the papers),
            ``log_probability`` or ``logit``. The softmax is an ``nn.Softmax`` module, so DeepLIFT
            applies its rescale rule to it (per sample); the log-softmax gets plain gradients.
        batch_size: samples per captum call; None attributes all at once. Deterministic methods
            give the same result for every batch size; smoothgrad and gradient_shap draw their
            noise per batch, so their maps are reproducible for a given seed *and* batch size.
        seed: seeds every random draw (baselines, noise, ``random``).
        lengths: valid lengths (N,) of padded sequences, passed to the model as ``lengths=``;
            attributions at steps beyond a sample's length are set to zero.
        n_baselines: number of random baselines drawn for gradient_shap and deeplift_shap.
        **kwargs: captum's keyword arguments for the method, e.g. ``baselines``, ``n_steps``,
            ``method``, ``internal_batch_size``, ``nt_samples``, ``stdevs``, ``n_samples``,
            ``abs``, ``multiply_by_inputs``. ``baselines`` of shape (N, T, F) are matched to the
            samples for integrated_gradients and deeplift; for the SHAP methods they are a
            distribution (K, T, F).

    Example:
        >>> from salience.models import build_model
        >>> model = build_model("lstm", n_features=3, n_classes=2)
        >>> x, y = torch.randn(4, 6, 3), torch.tensor([0, 1, 1, 0])
        >>> attribute(model, x, y=y, method="integrated_gradients", n_steps=8).shape
        torch.Size([4, 6, 3])
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    check_choice(method, "method", METHODS)
    check_choice(output, "output", OUTPUTS)
    check_positive_int(seed, "seed", allow_zero=True)
    check_positive_int(n_baselines, "n_baselines")
    if batch_size is not None:
        check_positive_int(batch_size, "batch_size")
    _check_kwargs(method, kwargs)
    device, dtype = _model_device_dtype(model, x)
    inputs = _as_inputs(x, device, dtype)
    n_samples, n_steps, n_features = inputs.shape
    labels, label_name = _resolve_target(target, y, n_samples)
    valid_lengths = None if lengths is None else as_lengths(lengths, n_samples, n_steps).cpu()
    if n_samples == 0:
        return torch.zeros((0, n_steps, n_features), dtype=torch.float32)
    scorer = _Scorer(model, output)
    with _eval_mode(model):
        n_classes = _n_classes(model, scorer, inputs, valid_lengths, device)
        check_labels(labels, label_name, n_samples, n_classes)
        if method == "random":
            generator = torch.Generator().manual_seed(seed)
            result = torch.rand((n_samples, n_steps, n_features), generator=generator)
        else:
            baselines, per_sample = _baselines(method, kwargs, inputs, seed, n_baselines)
            size = n_samples if batch_size is None else batch_size
            pieces = []
            with recurrent_backward_safe(model, device), _seeded_global_rngs(seed, device):
                for start in range(0, n_samples, size):
                    part = slice(start, start + size)
                    extra = None if valid_lengths is None else (valid_lengths[part].to(device),)
                    piece_baselines = baselines[part] if per_sample else baselines
                    pieces.append(
                        _run_captum(
                            method,
                            scorer,
                            inputs[part],
                            labels[part].to(device),
                            extra,
                            piece_baselines,
                            kwargs,
                        )
                    )
            result = torch.cat(pieces)
    result = result.detach().to(device="cpu", dtype=torch.float32)
    if valid_lengths is not None:
        inside = torch.arange(n_steps).unsqueeze(0) < valid_lengths.unsqueeze(1)
        result = torch.where(inside.unsqueeze(-1), result, 0.0)
    return result


class _Softmax(nn.Softmax):
    """``nn.Softmax`` whose DeepLIFT rule (below) normalises per sample rather than per batch."""


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


_deep_lift.SUPPORTED_NON_LINEAR[_Softmax] = _softmax_rescale


class _Scorer(nn.Module):
    """The model followed by the attributed output: softmax, log-softmax or identity (logits)."""

    def __init__(self, model: nn.Module, output: str) -> None:
        super().__init__()
        self.model = model
        heads = {"probability": _Softmax, "log_probability": nn.LogSoftmax}
        self.head = heads[output](dim=-1) if output in heads else nn.Identity()

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        logits = self.model(x) if lengths is None else self.model(x, lengths=lengths)
        return self.head(logits)


def _run_captum(
    method: str,
    scorer: _Scorer,
    inputs: torch.Tensor,
    target: torch.Tensor,
    extra: tuple[torch.Tensor, ...] | None,
    baselines: Any,
    kwargs: dict[str, Any],
) -> torch.Tensor:
    options = {**_DEFAULTS.get(method, {}), **kwargs}
    classes = _CAPTUM[method]
    init_names = set(inspect.signature(classes[-1].__init__).parameters)
    init = {key: options.pop(key) for key in list(options) if key in init_names}
    explainer: Any = classes[-1](scorer, **init)
    if method == "smoothgrad":
        explainer = NoiseTunnel(explainer)
    if baselines is not None:
        options["baselines"] = baselines
    inputs = inputs.detach().requires_grad_()  # captum warns when it has to set this itself
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Setting forward, backward hooks", category=UserWarning)
        return explainer.attribute(inputs, target=target, additional_forward_args=extra, **options)


def _check_kwargs(method: str, kwargs: dict[str, Any]) -> None:
    accepted: set[str] = set()
    for cls in _CAPTUM.get(method, ()):
        accepted |= set(inspect.signature(cls.__init__).parameters)
        accepted |= set(inspect.signature(cls.attribute).parameters)
    accepted -= {"self", "kwargs", "target", *_MANAGED}
    for key in kwargs:
        if key in _MANAGED:
            raise ValueError(f"{key}: not accepted here; {_MANAGED[key]}")
        if key not in accepted:
            takes = ", ".join(sorted(accepted)) if accepted else "no extra options"
            raise ValueError(f"{key}: not an option of method {method!r}; it takes {takes}")


def _model_device_dtype(model: nn.Module, x: object) -> tuple[torch.device, torch.dtype]:
    for parameter in model.parameters():
        if parameter.is_floating_point():
            return parameter.device, parameter.dtype
    if isinstance(x, torch.Tensor) and x.is_floating_point():
        return x.device, x.dtype
    return torch.device("cpu"), torch.float32


def _as_inputs(x: object, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
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


def _resolve_target(target: object, y: object, n_samples: int) -> tuple[torch.Tensor, str]:
    if target is not None:
        return _as_labels(target, "target", n_samples), "target"
    if y is not None:
        return _as_labels(y, "y", n_samples), "y"
    raise ValueError(
        "target: expected the class to explain; salience explains the true label by default, "
        "so pass y= (the labels) or target="
    )


def _n_classes(
    model: nn.Module,
    scorer: _Scorer,
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


def _baselines(
    method: str, kwargs: dict[str, Any], inputs: torch.Tensor, seed: int, n_baselines: int
) -> tuple[Any, bool]:
    """Baselines for captum (or None for its default) and whether they are one per sample."""
    given = kwargs.pop("baselines", None)
    n_samples, n_steps, n_features = inputs.shape
    if method in _SHAP:
        if given is None:
            generator = torch.Generator().manual_seed(seed)
            drawn = torch.randn((n_baselines, n_steps, n_features), generator=generator)
            return drawn.to(device=inputs.device, dtype=inputs.dtype), False
        if callable(given):
            return given, False
        tensor = _as_baseline_tensor(given, inputs)
        check_ndim(tensor, "baselines", 3, f"(K, {n_steps}, {n_features})")
        if tuple(tensor.shape[1:]) != (n_steps, n_features):
            raise ValueError(
                f"baselines: expected shape (K, {n_steps}, {n_features}), got {tuple(tensor.shape)}"
            )
        return tensor, False
    if given is None or method not in ("integrated_gradients", "deeplift"):
        return given, False
    if isinstance(given, (int, float)) and not isinstance(given, bool):
        return float(given), False
    tensor = _as_baseline_tensor(given, inputs)
    per_sample = tensor.ndim == 3 and tensor.shape[0] == n_samples
    try:
        torch.broadcast_shapes(tensor.shape, inputs.shape)
    except RuntimeError:
        raise ValueError(
            f"baselines: expected a number or a tensor broadcastable to x {tuple(inputs.shape)}, "
            f"got shape {tuple(tensor.shape)}"
        ) from None
    return tensor, per_sample


def _as_baseline_tensor(value: object, inputs: torch.Tensor) -> torch.Tensor:
    check_array(value, "baselines")
    tensor = torch.from_numpy(np.ascontiguousarray(value)) if isinstance(value, np.ndarray) else value
    assert isinstance(tensor, torch.Tensor)
    check_finite(tensor, "baselines")
    return tensor.detach().to(device=inputs.device, dtype=inputs.dtype)


@contextlib.contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    """Put every submodule in eval mode; restore each one's own mode on exit."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


@contextlib.contextmanager
def _seeded_global_rngs(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch's (CPU and ``device``) and numpy's global generators; restore them on exit."""
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
