"""One captum call: the scored model, the explainer that attributes (copies of) samples, the call itself."""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import torch
from torch import nn

from salience.explain._deeplift_softmax import PerSampleSoftmax
from salience.explain._padding import keep_padding, zero_beyond_lengths
from salience.explain._rng import reseed_global_rngs
from salience.explain.methods import MethodRecord


class Scorer(nn.Module):
    """The model followed by the attributed output: softmax, log-softmax or identity (logits).

    Example:
        >>> Scorer(nn.Identity(), "probability")(torch.zeros(1, 2)).tolist()
        [[0.5, 0.5]]
    """

    def __init__(self, model: nn.Module, output: str) -> None:
        super().__init__()
        self.model = model
        heads = {"probability": PerSampleSoftmax, "log_probability": nn.LogSoftmax}
        self.head = heads[output](dim=-1) if output in heads else nn.Identity()

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        logits = self.model(x) if lengths is None else self.model(x, lengths=lengths)
        return self.head(logits)


class _SummedScore(nn.Module):
    """Σ_i score_i[target_i] as a (1,) tensor: its gradient is every sample's own gradient."""

    def __init__(self, scorer: Scorer) -> None:
        super().__init__()
        self.scorer = scorer

    def forward(
        self, x: torch.Tensor, target: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        return self.scorer(x, lengths).gather(1, target.unsqueeze(1)).sum().reshape(1)


class PerSample:
    """A captum argument with one entry per sample (N, ...), indexed by the rows of each call."""

    def __init__(self, tensor: torch.Tensor) -> None:
        self.tensor = tensor


class Explainer:
    """One method on one model, ready to attribute any inputs that are (copies of) samples ``rows``.

    A copy of sample i gets sample i's target, length and per-sample baselines (or permuted values),
    so that TSR's perturbed copies are attributed exactly like their sample.
    """

    def __init__(
        self,
        record: MethodRecord,
        scorer: Scorer,
        options: dict[str, Any],
        labels: torch.Tensor,
        lengths: torch.Tensor | None,
        shared_baselines: Any,
        per_sample_baselines: torch.Tensor | None,
        seed: int,
    ) -> None:
        self.record, self.scorer, self.options, self.seed = record, scorer, options, seed
        self.labels, self.lengths = labels, lengths
        self.shared_baselines, self.per_sample_baselines = shared_baselines, per_sample_baselines

    def __call__(self, inputs: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        device = inputs.device
        rows = rows.cpu()
        lengths = None if self.lengths is None else self.lengths[rows].to(device)
        baselines = self.shared_baselines
        if self.per_sample_baselines is not None:
            baselines = self.per_sample_baselines[rows.to(self.per_sample_baselines.device)]
        if self.record.family == "perturbation" and lengths is not None:
            baselines = keep_padding(baselines, inputs, lengths)
        options = _call_options(self.record, self.options, inputs, rows)
        if self.record.reseeded:
            reseed_global_rngs(self.seed, device)
        extra = None if lengths is None else (lengths,)
        maps = _run_captum(
            self.record, self.scorer, inputs, self.labels[rows].to(device), extra, baselines, options
        )
        return zero_beyond_lengths(maps.detach(), lengths)


def _call_options(
    record: MethodRecord, options: dict[str, Any], inputs: torch.Tensor, rows: torch.Tensor
) -> dict[str, Any]:
    """The options of one captum call: per-sample masks of its rows, and the shape-dependent defaults."""
    options = dict(options)
    mask = options.get("feature_mask")
    if isinstance(mask, PerSample):  # per-sample feature masks follow their samples
        options["feature_mask"] = mask.tensor[rows.to(mask.tensor.device)]
    if record.call_defaults is not None:
        for key, value in record.call_defaults(inputs).items():
            options.setdefault(key, value)
    return options


def _run_captum(
    record: MethodRecord,
    scorer: Scorer,
    inputs: torch.Tensor,
    target: torch.Tensor | None,
    extra: tuple[torch.Tensor, ...] | None,
    baselines: Any,
    options: dict[str, Any],
) -> torch.Tensor:
    options = {**record.defaults, **options}
    cls = record.runs_as
    assert cls is not None
    init_names = set(inspect.signature(cls.__init__).parameters) - {"self"}
    init = {key: options.pop(key) for key in list(options) if key in init_names}
    forward: nn.Module = scorer
    if record.summed_score:
        # captum differentiates torch.unbind(scores), one autograd root per sample, which is the
        # gradient of their sum; returning the sum computes exactly that with a single root.
        forward = _SummedScore(scorer)
        extra = (target,) if extra is None else (target, *extra)
        target = None
    explainer: Any = cls(forward, **init)
    if record.wrapper is not None:
        explainer = record.wrapper(explainer)
    if baselines is not None:
        options["baselines"] = baselines
    inputs = inputs.detach().requires_grad_()  # captum warns when it has to set this itself
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Setting forward, backward hooks", category=UserWarning)
        return explainer.attribute(inputs, target=target, additional_forward_args=extra, **options)
