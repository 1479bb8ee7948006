"""Saliency maps (N, T, F) for sequence classifiers, through captum.

:func:`attribute` wraps a model that returns logits so that the attributed score is the softmax
probability of the target class (as in the papers), its log or the raw logit, runs one of
:data:`METHODS` in eval mode, batch by batch, and returns float32 CPU maps of the input's shape.
The target defaults to the true label ``y``. With ``tsr=True`` the maps are rescaled by Temporal
Saliency Rescaling (:mod:`salience.explain.tsr`), batched over the perturbed copies.

Randomness is seeded by ``seed`` and never leaks: baselines and the ``random`` maps come from a local
generator; captum's own draws (smoothgrad noise, gradient_shap noise, baseline choice and
interpolation points, Shapley permutations, which use torch's and numpy's global generators) and the
feature-permutation draws run inside a block that seeds both and restores their states afterwards.
Shapley sampling re-seeds before every captum call, so every batch (and every TSR copy) uses the
same permutations of the groups: its maps do not depend on the batch size.

DeepLIFT applies captum's rescale rule to the softmax, with one change: captum normalises the
softmax multipliers over the whole batch, so a sample's map depended on its batch mates; ours
normalise per sample, which equals captum run one sample at a time (a rule registered for a private
``nn.Softmax`` subclass; captum's behaviour for every other module is unchanged).

Feature permutation is captum's permutation importance with the permutations drawn here: for each
feature group, a seeded random permutation of the batch's samples (never the identity where it can
be avoided, like captum's), restricted at each time step to the samples valid there; captum's
``FeatureAblation`` then replaces the group by the permuted samples' values, which is exactly what
``FeaturePermutation`` computes. Drawing them here keeps padding out of valid steps and fixes each
sample's permuted values, so a perturbed copy of one sample (TSR) is attributed like the sample. A
group with fewer than two samples valid at its steps cannot move and gets 0.

Padding (``lengths``): maps are zero beyond a sample's length. The perturbation methods never
perturb padded cells (their baseline there is the input itself), so padded values cannot leak into
the attributions of valid steps, whatever the model does with them.
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
    FeatureAblation,
    FeaturePermutation,
    GradientShap,
    IntegratedGradients,
    NoiseTunnel,
    Occlusion,
    Saliency,
    ShapleyValueSampling,
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
from salience.explain.tsr import (
    DEFAULT_FILL,
    DEFAULT_THRESHOLD,
    check_fill,
    check_threshold,
    replacement_values,
    temporal_saliency_rescaling,
)

METHODS = (
    "gradient",
    "integrated_gradients",
    "deeplift",
    "smoothgrad",
    "gradient_shap",
    "deeplift_shap",
    "shapley_sampling",
    "feature_permutation",
    "feature_ablation",
    "occlusion",
    "random",
)
"""Names accepted by :func:`attribute`. ``random`` is i.i.d. U[0, 1) noise, a chance-level control; the
benchmark's "Random" baseline (a feature-axis permutation of another method's maps) is
:func:`salience.explain.permute_features`."""

OUTPUTS = ("probability", "log_probability", "logit")

BASELINE_CHOICES = ("uniform",)
"""Named ``baselines``: ``uniform`` draws seeded U[0, 1) baselines (the benchmark's, for min-max scaled
inputs): one per sample (N, T, F), or ``n_baselines`` shared ones (n_baselines, T, F) for the SHAP
methods."""

# The captum class whose options each method accepts; feature_permutation runs as FeatureAblation
# with the permuted batch as baselines (see the module docstring).
_CAPTUM = {
    "gradient": (Saliency,),
    "integrated_gradients": (IntegratedGradients,),
    "deeplift": (DeepLift,),
    "smoothgrad": (NoiseTunnel, Saliency),
    "gradient_shap": (GradientShap,),
    "deeplift_shap": (DeepLiftShap,),
    "shapley_sampling": (ShapleyValueSampling,),
    "feature_permutation": (FeaturePermutation,),
    "feature_ablation": (FeatureAblation,),
    "occlusion": (Occlusion,),
}
_RUNS_AS = {"feature_permutation": FeatureAblation}
# The benchmark's settings (original-behaviour.md §4); the caller's keywords override them.
_DEFAULTS: dict[str, dict[str, Any]] = {
    "gradient": {"abs": True},
    "smoothgrad": {"nt_type": "smoothgrad", "nt_samples": 5, "stdevs": 1.0, "abs": True},
    "gradient_shap": {"n_samples": 5, "stdevs": 0.09},
    "shapley_sampling": {"n_samples": 25},
}
_SHAP = ("gradient_shap", "deeplift_shap")
_PERTURBATION = ("shapley_sampling", "feature_permutation", "feature_ablation", "occlusion")
# Methods taking one baseline per sample (drawn per sample for baselines="uniform").
_PER_SAMPLE_BASELINES = (
    "integrated_gradients",
    "deeplift",
    "shapley_sampling",
    "feature_ablation",
    "occlusion",
)
# Methods whose default feature groups are the time steps (group id = t, all features of the step).
_TIME_GROUPS = ("shapley_sampling", "feature_permutation")
# Methods whose random draws are shared by every sample of a call: re-seeded before each call.
_RESEEDED = ("shapley_sampling",)
# Perturbed rows per forward pass that the default perturbations_per_eval aims at.
_ROWS_PER_FORWARD = 1024
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
    tsr: bool = False,
    tsr_threshold: float = DEFAULT_THRESHOLD,
    tsr_fill: float = DEFAULT_FILL,
    tsr_replacement: float | np.ndarray | torch.Tensor | None = None,
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
            - ``shapley_sampling``: captum ``ShapleyValueSampling``, ``n_samples=25``, one feature
              group per time step (``feature_mask`` group id = t), baseline zero unless given;
            - ``feature_permutation``: permutation importance, one group per time step, each group
              permuted across the samples of a batch (see the module docstring), so every batch
              needs at least 2 samples: a last batch of one sample joins the batch before it, and
              N = 1 or ``batch_size=1`` is an error. Its maps depend on the batch mates;
            - ``feature_ablation``: captum ``FeatureAblation``, every cell alone, baseline zero;
            - ``occlusion``: captum ``Occlusion``, ``sliding_window_shapes=(1, F)`` (a whole time
              step), ``strides=1``, baseline zero unless given;
            - ``random``: i.i.d. U[0, 1) values, seeded, ignoring the model (a chance-level control).

            The four perturbation methods default ``perturbations_per_eval`` (captum's speed knob:
            perturbations per forward pass) to about 1024 rows per pass; their maps do not depend
            on it.
        y: true labels (N,), the default target (the papers explain the true class).
        output: score attributed: ``probability`` (softmax of the logits, as in the papers),
            ``log_probability`` or ``logit``. The softmax is an ``nn.Softmax`` module, so DeepLIFT
            applies its rescale rule to it (per sample); the log-softmax gets plain gradients.
        batch_size: samples per captum call; None attributes all at once. Deterministic methods
            (shapley_sampling included) give the same result for every batch size; smoothgrad and
            gradient_shap draw their noise per batch, so their maps are reproducible for a given
            seed *and* batch size; feature_permutation permutes within each batch. With
            ``tsr=True`` it batches the plain maps; the perturbed copies go by
            ``internal_batch_size``.
        seed: seeds every random draw (baselines, noise, permutations, ``random``).
        lengths: valid lengths (N,) of padded sequences, passed to the model as ``lengths=``;
            attributions at steps beyond a sample's length are set to zero, and the perturbation
            methods never perturb them.
        n_baselines: number of random baselines drawn for gradient_shap and deeplift_shap.
        tsr: rescale the maps by Temporal Saliency Rescaling (not for ``random``): the method is
            run again on each sample with each valid time step, then each cell of the relevant
            steps, replaced by ``tsr_replacement``; each perturbed copy uses its sample's target,
            length and baselines (and permuted values for feature_permutation). The result is
            τ_t·φ_c ≥ 0 (:func:`salience.explain.temporal_saliency_rescaling`).
        tsr_threshold: quantile of the time relevance τ that a step must exceed (0.55).
        tsr_fill: feature score of the steps at or below the threshold (0.1).
        tsr_replacement: value written into masked cells: None for each input's first element
            x[i, 0, 0] (the original's choice), a number, or an array broadcastable to (N, T, F)
            (e.g. per feature (F,)), read at the masked cell.
        **kwargs: captum's keyword arguments for the method, e.g. ``baselines``, ``n_steps``,
            ``method``, ``internal_batch_size``, ``nt_samples``, ``stdevs``, ``n_samples``,
            ``abs``, ``multiply_by_inputs``, ``feature_mask``, ``sliding_window_shapes``,
            ``strides``, ``perturbations_per_eval``. ``baselines`` may be ``"uniform"``
            (:data:`BASELINE_CHOICES`); baselines of shape (N, T, F) are matched to the samples
            for integrated_gradients, deeplift, shapley_sampling, feature_ablation and occlusion;
            for the SHAP methods they are a distribution (K, T, F). With ``tsr=True``,
            ``internal_batch_size`` (any method) is the number of perturbed copies attributed
            per call (default: about 2^19 input values per call on the CPU, 2^24 on CUDA, after
            the method's own expansion, e.g. n_steps for integrated gradients) and is *not*
            passed to captum.

    Example:
        >>> from salience.models import build_model
        >>> model = build_model("lstm", n_features=3, n_classes=2)
        >>> x, y = torch.rand(4, 6, 3), torch.tensor([0, 1, 1, 0])
        >>> attribute(model, x, y=y, method="integrated_gradients", n_steps=8).shape
        torch.Size([4, 6, 3])
        >>> attribute(model, x, y=y, method="occlusion", baselines="uniform", tsr=True).min() >= 0
        tensor(True)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    check_choice(method, "method", METHODS)
    check_choice(output, "output", OUTPUTS)
    check_positive_int(seed, "seed", allow_zero=True)
    check_positive_int(n_baselines, "n_baselines")
    if batch_size is not None:
        check_positive_int(batch_size, "batch_size")
    _check_tsr_options(method, tsr, tsr_threshold, tsr_fill)
    _check_kwargs(method, kwargs, tsr)
    tsr_chunk = kwargs.pop("internal_batch_size", None) if tsr else None
    if tsr_chunk is not None:
        check_positive_int(tsr_chunk, "internal_batch_size")
    device, dtype = _model_device_dtype(model, x)
    inputs = _as_inputs(x, device, dtype)
    n_samples, n_steps, n_features = inputs.shape
    labels, label_name = _resolve_target(target, y, n_samples)
    valid_lengths = None if lengths is None else as_lengths(lengths, n_samples, n_steps).cpu()
    replacement = replacement_values(tsr_replacement, inputs, "tsr_replacement") if tsr else None
    batches = _batches(method, n_samples, batch_size)
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
            shared, per_sample = _baselines(method, kwargs, inputs, seed, n_baselines)
            options = _captum_options(method, kwargs, inputs)
            with recurrent_backward_safe(model, device), _seeded_global_rngs(seed, device):
                if method == "feature_permutation":
                    per_sample = _permuted_batches(inputs, batches, options["feature_mask"], valid_lengths)
                explain = _Explainer(method, scorer, options, labels, valid_lengths, shared, per_sample, seed)
                result = torch.cat([explain(inputs[part], torch.arange(n_samples)[part]) for part in batches])
                if tsr:
                    cells = n_steps * n_features
                    chunk = tsr_chunk or _default_tsr_chunk(method, options, shared, cells, device)
                    result = temporal_saliency_rescaling(
                        explain,
                        inputs,
                        plain=result,
                        lengths=None if valid_lengths is None else valid_lengths.to(device),
                        threshold=tsr_threshold,
                        fill=tsr_fill,
                        replacement=replacement,
                        chunk_size=chunk,
                    )
    return _zero_beyond_lengths(result.detach().to(device="cpu", dtype=torch.float32), valid_lengths)


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


class _SummedScore(nn.Module):
    """Σ_i score_i[target_i] as a (1,) tensor: its gradient is every sample's own gradient."""

    def __init__(self, scorer: _Scorer) -> None:
        super().__init__()
        self.scorer = scorer

    def forward(
        self, x: torch.Tensor, target: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        return self.scorer(x, lengths).gather(1, target.unsqueeze(1)).sum().reshape(1)


class _Explainer:
    """One method on one model, ready to attribute any inputs that are (copies of) samples ``rows``.

    A copy of sample i gets sample i's target, length and per-sample baselines (or permuted values),
    so that TSR's perturbed copies are attributed exactly like their sample.
    """

    def __init__(
        self,
        method: str,
        scorer: _Scorer,
        options: dict[str, Any],
        labels: torch.Tensor,
        lengths: torch.Tensor | None,
        shared_baselines: Any,
        per_sample_baselines: torch.Tensor | None,
        seed: int,
    ) -> None:
        self.method, self.scorer, self.options, self.seed = method, scorer, options, seed
        self.labels, self.lengths = labels, lengths
        self.shared_baselines, self.per_sample_baselines = shared_baselines, per_sample_baselines

    def __call__(self, inputs: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        device = inputs.device
        rows = rows.cpu()
        lengths = None if self.lengths is None else self.lengths[rows].to(device)
        baselines = self.shared_baselines
        if self.per_sample_baselines is not None:
            baselines = self.per_sample_baselines[rows.to(self.per_sample_baselines.device)]
        if self.method in _PERTURBATION and lengths is not None:
            baselines = _keep_padding(baselines, inputs, lengths)
        options = _call_options(self.method, self.options, inputs, rows)
        if self.method in _RESEEDED:
            _reseed_global_rngs(self.seed, device)
        extra = None if lengths is None else (lengths,)
        maps = _run_captum(
            self.method, self.scorer, inputs, self.labels[rows].to(device), extra, baselines, options
        )
        return _zero_beyond_lengths(maps.detach(), lengths)


def _call_options(method: str, options: dict[str, Any], inputs: torch.Tensor, rows: torch.Tensor) -> dict:
    """The options of one captum call: per-sample masks of its rows, and the shape-dependent defaults."""
    options = dict(options)
    mask = options.get("feature_mask")
    if isinstance(mask, _PerSample):  # per-sample feature masks follow their samples
        options["feature_mask"] = mask.tensor[rows.to(mask.tensor.device)]
    if method == "occlusion":
        options.setdefault("sliding_window_shapes", (1, inputs.shape[2]))
        options.setdefault("strides", 1)
    if method in _PERTURBATION:
        options.setdefault("perturbations_per_eval", max(1, _ROWS_PER_FORWARD // max(1, inputs.shape[0])))
    return options


class _PerSample:
    """A captum argument with one entry per sample (N, ...), indexed by the rows of each call."""

    def __init__(self, tensor: torch.Tensor) -> None:
        self.tensor = tensor


def _run_captum(
    method: str,
    scorer: _Scorer,
    inputs: torch.Tensor,
    target: torch.Tensor | None,
    extra: tuple[torch.Tensor, ...] | None,
    baselines: Any,
    options: dict[str, Any],
) -> torch.Tensor:
    options = {**_DEFAULTS.get(method, {}), **options}
    cls = _RUNS_AS.get(method, _CAPTUM[method][-1])
    init_names = set(inspect.signature(cls.__init__).parameters) - {"self"}
    init = {key: options.pop(key) for key in list(options) if key in init_names}
    forward: nn.Module = scorer
    if method == "gradient":
        # captum differentiates torch.unbind(scores), one autograd root per sample, which is the
        # gradient of their sum; returning the sum computes exactly that with a single root.
        forward = _SummedScore(scorer)
        extra = (target,) if extra is None else (target, *extra)
        target = None
    explainer: Any = cls(forward, **init)
    if method == "smoothgrad":
        explainer = NoiseTunnel(explainer)
    if baselines is not None:
        options["baselines"] = baselines
    inputs = inputs.detach().requires_grad_()  # captum warns when it has to set this itself
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Setting forward, backward hooks", category=UserWarning)
        return explainer.attribute(inputs, target=target, additional_forward_args=extra, **options)


def _check_tsr_options(method: str, tsr: object, threshold: object, fill: object) -> None:
    if not isinstance(tsr, bool):
        raise TypeError(f"tsr: expected True or False, got {tsr!r}")
    check_threshold(threshold, "tsr_threshold")
    check_fill(fill, "tsr_fill")
    if tsr and method == "random":
        raise ValueError(
            "tsr: method 'random' ignores the model, so its maps cannot be rescaled; use a method "
            "that reads the model"
        )


def _check_kwargs(method: str, kwargs: dict[str, Any], tsr: bool = False) -> None:
    accepted: set[str] = set()
    for cls in _CAPTUM.get(method, ()):
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
            raise ValueError(f"{key}: not an option of method {method!r}; it takes {takes}")


def _batches(method: str, n_samples: int, batch_size: int | None) -> list[slice]:
    """Slices of at most ``batch_size`` samples; for feature_permutation, none of a single sample."""
    size = max(1, n_samples if batch_size is None else batch_size)
    starts = list(range(0, n_samples, size))
    if method == "feature_permutation":
        if batch_size == 1:
            raise ValueError(
                "batch_size: feature_permutation permutes across the samples of a batch; "
                "expected at least 2, got 1"
            )
        if n_samples == 1:
            raise ValueError(
                "x: feature_permutation permutes across the samples of a batch; expected at least "
                "2 samples, got 1"
            )
        if len(starts) > 1 and n_samples - starts[-1] == 1:
            starts.pop()  # the last sample joins the batch before it
    ends = [*starts[1:], n_samples]
    return [slice(start, end) for start, end in zip(starts, ends, strict=True)]


def _captum_options(method: str, kwargs: dict[str, Any], inputs: torch.Tensor) -> dict[str, Any]:
    """The caller's captum options, with feature masks as int64 tensors on the inputs' device (one per
    sample, or shared) and the default one group per time step."""
    options = dict(kwargs)
    n_samples = inputs.shape[0]
    if method in _TIME_GROUPS and options.get("feature_mask") is None:
        options["feature_mask"] = _time_groups(inputs)
    mask = options.get("feature_mask")
    if isinstance(mask, np.ndarray):
        mask = torch.from_numpy(np.ascontiguousarray(mask))
    if isinstance(mask, torch.Tensor):
        if mask.is_floating_point() or mask.is_complex() or mask.dtype == torch.bool:
            raise TypeError(f"feature_mask: expected integer group ids, got dtype {mask.dtype}")
        per_sample = mask.ndim == 3 and mask.shape[0] == n_samples and n_samples > 1
        if method == "feature_permutation" and mask.ndim == 3 and mask.shape[0] != 1:
            raise ValueError(
                "feature_mask: feature_permutation needs the same groups for every sample, "
                f"expected shape (1, T, F) or (T, F), got {tuple(mask.shape)}"
            )
        mask = mask.to(device=inputs.device, dtype=torch.int64)
        options["feature_mask"] = _PerSample(mask) if per_sample else mask
    return options


def _time_groups(inputs: torch.Tensor) -> torch.Tensor:
    """Feature mask (1, T, F) with group id t for every feature of time step t."""
    _, n_steps, n_features = inputs.shape
    return torch.arange(n_steps, device=inputs.device).view(1, n_steps, 1).repeat(1, 1, n_features)


def _permuted_batches(
    inputs: torch.Tensor, batches: list[slice], feature_mask: Any, lengths: torch.Tensor | None
) -> torch.Tensor:
    """For each sample, the values feature permutation puts in each cell: (N, T, F).

    Within each batch, each feature group g gets a random permutation of the samples (torch's
    global generator, seeded by the caller); at every time step it is restricted to the samples
    valid there (in the order the permutation gives them), so invalid samples keep their own
    values and valid ones only receive valid values. A group's permutation is drawn again while it
    would move nothing, like captum's.
    """
    mask = feature_mask.tensor if isinstance(feature_mask, _PerSample) else feature_mask
    _, n_steps, n_features = inputs.shape
    groups = torch.unique(mask.expand(1, n_steps, n_features).to(inputs.device), return_inverse=True)[1]
    valid = _valid_steps(lengths, inputs.shape[0], n_steps).to(inputs.device)
    pieces = [_permuted_batch(inputs[part], groups[0], valid[part]) for part in batches]
    return torch.cat(pieces)


def _permuted_batch(inputs: torch.Tensor, groups: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    batch = inputs.shape[0]
    n_groups = int(groups.max()) + 1
    index = torch.arange(batch, device=inputs.device).view(batch, 1, 1)
    valid_cells = valid.unsqueeze(-1).expand_as(inputs)
    # Valid samples in index order, then the others: the positions the permuted samples fill.
    by_index = torch.argsort(torch.where(valid_cells, index, batch + index), dim=0)
    # Groups that can move: at least two samples valid at some step the group covers.
    movable = _any_per_group(valid_cells.sum(0) >= 2, groups, n_groups)
    keys = torch.rand((n_groups, batch)).to(inputs.device)
    while True:
        source = torch.empty_like(by_index)
        cell_keys = keys.T[:, groups]  # (B, T, F): each sample's key for the cell's group
        by_key = torch.argsort(torch.where(valid_cells, cell_keys, 2.0 + index), dim=0)
        source.scatter_(0, by_index, by_key)
        redraw = movable & ~_any_per_group((source != index).any(0), groups, n_groups)
        if not redraw.any():
            return inputs.gather(0, source)
        keys[redraw] = torch.rand((int(redraw.sum()), batch)).to(inputs.device)


def _any_per_group(flags: torch.Tensor, groups: torch.Tensor, n_groups: int) -> torch.Tensor:
    """(G,) bool: some cell of the group has its flag set."""
    counts = torch.zeros(n_groups, device=flags.device)
    return counts.index_add_(0, groups.flatten(), flags.flatten().to(counts.dtype)) > 0


def _keep_padding(baselines: Any, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Baselines equal to the input beyond each length, so that padded cells are never perturbed."""
    if baselines is None or isinstance(baselines, (int, float)):
        baselines = torch.full_like(inputs, 0.0 if baselines is None else float(baselines))
    valid = _valid_steps(lengths, inputs.shape[0], inputs.shape[1]).to(inputs.device)
    return torch.where(valid.unsqueeze(-1), baselines, inputs)


def _valid_steps(lengths: torch.Tensor | None, n_samples: int, n_steps: int) -> torch.Tensor:
    """(N, T) bool on the lengths' device: step t < length (all True without lengths)."""
    if lengths is None:
        return torch.ones((n_samples, n_steps), dtype=torch.bool)
    return torch.arange(n_steps, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


def _zero_beyond_lengths(maps: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    if lengths is None:
        return maps
    valid = _valid_steps(lengths.to(maps.device), maps.shape[0], maps.shape[1])
    return torch.where(valid.unsqueeze(-1), maps, 0.0)


def _default_tsr_chunk(
    method: str, options: dict[str, Any], shared_baselines: Any, cells: int, device: torch.device
) -> int:
    """Perturbed copies per call so that a call holds about ``_TSR_VALUES_PER_CHUNK`` input values."""
    settings = {**_DEFAULTS.get(method, {}), **options}
    expansion = {
        "integrated_gradients": settings.get("n_steps", 50),
        "deeplift": 2,
        "smoothgrad": settings.get("nt_samples", 5),
        "gradient_shap": settings.get("n_samples", 5),
    }.get(method, 1)
    if method == "deeplift_shap" and isinstance(shared_baselines, torch.Tensor):
        expansion = 2 * shared_baselines.shape[0]
    if method in _PERTURBATION:
        expansion = settings.get("perturbations_per_eval", 1)
    budget = _TSR_VALUES_PER_CHUNK["cuda" if device.type == "cuda" else "cpu"]
    return max(1, budget // (cells * max(1, int(expansion))))


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
) -> tuple[Any, torch.Tensor | None]:
    """(shared, per_sample): baselines for every captum call as they are (None for captum's default,
    a number, a SHAP distribution (K, T, F) or a callable), or one per sample (N, T, F)."""
    given = kwargs.pop("baselines", None)
    n_samples, n_steps, n_features = inputs.shape
    if isinstance(given, str):
        check_choice(given, "baselines", BASELINE_CHOICES)
        generator = torch.Generator().manual_seed(seed)
        shape = (n_baselines, n_steps, n_features) if method in _SHAP else (n_samples, n_steps, n_features)
        drawn = torch.rand(shape, generator=generator).to(device=inputs.device, dtype=inputs.dtype)
        return (drawn, None) if method in _SHAP else (None, drawn)
    if method in _SHAP:
        if given is None:
            generator = torch.Generator().manual_seed(seed)
            drawn = torch.randn((n_baselines, n_steps, n_features), generator=generator)
            return drawn.to(device=inputs.device, dtype=inputs.dtype), None
        if callable(given):
            return given, None
        tensor = _as_baseline_tensor(given, inputs)
        check_ndim(tensor, "baselines", 3, f"(K, {n_steps}, {n_features})")
        if tuple(tensor.shape[1:]) != (n_steps, n_features):
            raise ValueError(
                f"baselines: expected shape (K, {n_steps}, {n_features}), got {tuple(tensor.shape)}"
            )
        return tensor, None
    if given is None or method not in _PER_SAMPLE_BASELINES:
        return given, None
    if isinstance(given, (int, float)) and not isinstance(given, bool):
        return float(given), None
    tensor = _as_baseline_tensor(given, inputs)
    try:
        torch.broadcast_shapes(tensor.shape, inputs.shape)
    except RuntimeError:
        raise ValueError(
            f"baselines: expected 'uniform', a number or a tensor broadcastable to x "
            f"{tuple(inputs.shape)}, got shape {tuple(tensor.shape)}"
        ) from None
    return None, tensor.expand(inputs.shape)


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


def _reseed_global_rngs(seed: int, device: torch.device) -> None:
    """Seed torch's (CPU and ``device``) and numpy's global generators again (inside the block above)."""
    torch.default_generator.manual_seed(seed)
    if device.type == "cuda":
        with torch.cuda.device(device):
            torch.cuda.manual_seed(seed)
    np.random.seed(seed % 2**32)
