"""Attribution: saliency maps (N, T, F) over captum, seeded and batch-safe.

- :mod:`salience.explain.attribute`: :func:`attribute`, the one entry point, and the attributed
  outputs :data:`OUTPUTS`;
- :mod:`salience.explain.methods`: one :class:`MethodRecord` per method in a registry
  (:func:`register_method`, :func:`method_record`, :func:`method_preset`, the names :data:`METHODS`,
  which include registered methods);
- :mod:`salience.explain.perturbation`: the perturbation family's rules (permuted batches, occlusion
  windows, forward passes per call); named baselines :data:`BASELINE_CHOICES` (``"uniform"``);
- :mod:`salience.explain.tsr`: :func:`temporal_saliency_rescaling` (TSR), batched over the perturbed
  copies, also reachable as ``attribute(..., tsr=True)``;
- :mod:`salience.explain.baselines`: :func:`permute_features`, the benchmark's "Random" baseline (a
  feature-axis permutation of another method's maps, unlike the i.i.d. ``random`` method);
- :mod:`salience.explain.text`: :func:`token_attributions`, token saliency (N, L) of text models,
  attributed on their embeddings;
- :mod:`salience.explain.sanity`: the cascading model-parameter randomisation sanity check
  (:func:`cascading_randomization`, :class:`RandomizationResult`, :func:`spearman_per_sample`);
- :mod:`salience.explain._cudnn`: :func:`recurrent_backward_safe`, gradients through cuDNN
  recurrent layers in eval mode.
"""

from typing import Any

from salience.explain._baselines import BASELINE_CHOICES
from salience.explain._cudnn import recurrent_backward_safe
from salience.explain.attribute import OUTPUTS, attribute
from salience.explain.baselines import feature_axis_permutation, permute_features
from salience.explain.methods import (
    MethodRecord,
    method_names,
    method_preset,
    method_record,
    register_method,
    unregister_method,
)
from salience.explain.sanity import RandomizationResult, cascading_randomization, spearman_per_sample
from salience.explain.text import TEXT_METHODS, token_attributions
from salience.explain.tsr import temporal_saliency_rescaling

__all__ = [
    "BASELINE_CHOICES",
    "METHODS",
    "OUTPUTS",
    "TEXT_METHODS",
    "MethodRecord",
    "RandomizationResult",
    "attribute",
    "cascading_randomization",
    "feature_axis_permutation",
    "method_names",
    "method_preset",
    "method_record",
    "permute_features",
    "recurrent_backward_safe",
    "register_method",
    "spearman_per_sample",
    "temporal_saliency_rescaling",
    "token_attributions",
    "unregister_method",
]


def __getattr__(name: str) -> Any:
    if name == "METHODS":  # computed on access, so that registered methods are included
        return method_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
