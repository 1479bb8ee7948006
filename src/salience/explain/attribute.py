"""Saliency maps (N, T, F) for sequence classifiers, through captum.

:func:`attribute` wraps a model that returns logits so that the attributed score is the softmax
probability of the target class (as in the papers), its log or the raw logit, runs one of
:data:`~salience.explain.METHODS` in eval mode, batch by batch, and returns float32 CPU maps of the
input's shape. The target defaults to the true label ``y``. With ``tsr=True`` the maps are rescaled by
Temporal Saliency Rescaling (:mod:`salience.explain.tsr`), batched over the perturbed copies.

Randomness is seeded by ``seed`` and never leaks: baselines and the ``random`` maps come from a local
generator; captum's own draws (smoothgrad noise, gradient_shap noise, baseline choice and
interpolation points, Shapley permutations, which use torch's and numpy's global generators) and the
feature-permutation draws run inside a block that seeds both and restores their states afterwards.
Shapley sampling re-seeds before every captum call, so every batch (and every TSR copy) uses the
same permutations of the groups: its maps do not depend on the batch size.

Each method is a :class:`~salience.explain.methods.MethodRecord` in one registry
(:mod:`salience.explain.methods`); this function reads the record and holds no per-method branch.
DeepLIFT normalises its softmax rule per sample (:mod:`salience.explain._deeplift_softmax`), so a
sample's map never depends on its batch mates; feature permutation draws its permutations here,
seeded and padding-aware (:mod:`salience.explain.perturbation`).

Padding (``lengths``): maps are zero beyond a sample's length. The perturbation methods never
perturb padded cells (their baseline there is the input itself), so padded values cannot leak into
the attributions of valid steps, whatever the model does with them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from salience._validation import as_lengths, check_choice, check_labels, check_positive_int
from salience.explain import _arguments as args
from salience.explain._baselines import draw_baselines
from salience.explain._captum_call import Explainer, PerSample, Scorer
from salience.explain._cudnn import recurrent_backward_safe
from salience.explain._padding import zero_beyond_lengths
from salience.explain._rng import seeded_global_rngs
from salience.explain.methods import method_names, method_record
from salience.explain.tsr import (
    DEFAULT_FILL,
    DEFAULT_THRESHOLD,
    replacement_values,
    temporal_saliency_rescaling,
)

OUTPUTS = ("probability", "log_probability", "logit")


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
    check_choice(method, "method", method_names())
    record = method_record(method)
    check_choice(output, "output", OUTPUTS)
    check_positive_int(seed, "seed", allow_zero=True)
    check_positive_int(n_baselines, "n_baselines")
    if batch_size is not None:
        check_positive_int(batch_size, "batch_size")
    args.check_tsr_options(record, tsr, tsr_threshold, tsr_fill)
    args.check_kwargs(record, kwargs, tsr)
    tsr_chunk = kwargs.pop("internal_batch_size", None) if tsr else None
    if tsr_chunk is not None:
        check_positive_int(tsr_chunk, "internal_batch_size")
    device, dtype = args.model_device_dtype(model, x)
    inputs = args.as_inputs(x, device, dtype)
    n_samples, n_steps, n_features = inputs.shape
    labels, label_name = args.resolve_target(target, y, n_samples)
    valid_lengths = None if lengths is None else as_lengths(lengths, n_samples, n_steps).cpu()
    replacement = replacement_values(tsr_replacement, inputs, "tsr_replacement") if tsr else None
    batches = args.batches(record, n_samples, batch_size)
    if n_samples == 0:
        return torch.zeros((0, n_steps, n_features), dtype=torch.float32)
    scorer = Scorer(model, output)
    with args.eval_mode(model):
        n_classes = args.n_classes(model, scorer, inputs, valid_lengths, device)
        check_labels(labels, label_name, n_samples, n_classes)
        if record.draw is not None:
            result = record.draw((n_samples, n_steps, n_features), seed)
        else:
            given = kwargs.pop("baselines", None)
            shared, per_sample = draw_baselines(record, given, inputs, seed, n_baselines)
            options = args.captum_options(record, kwargs, inputs)
            with recurrent_backward_safe(model, device), seeded_global_rngs(seed, device):
                if record.per_sample_values is not None:
                    mask = options["feature_mask"]
                    mask = mask.tensor if isinstance(mask, PerSample) else mask
                    per_sample = record.per_sample_values(inputs, batches, mask, valid_lengths)
                explain = Explainer(record, scorer, options, labels, valid_lengths, shared, per_sample, seed)
                result = torch.cat([explain(inputs[part], torch.arange(n_samples)[part]) for part in batches])
                if tsr:
                    cells = n_steps * n_features
                    chunk = tsr_chunk or args.default_tsr_chunk(record, options, shared, cells, device)
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
    return zero_beyond_lengths(result.detach().to(device="cpu", dtype=torch.float32), valid_lengths)

