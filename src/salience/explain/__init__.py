"""Attribution: saliency maps (N, T, F) over captum, seeded and batch-safe.

- :mod:`salience.explain.attribute`: :func:`attribute`, the method names :data:`METHODS` and the named
  baselines :data:`BASELINE_CHOICES` (``"uniform"``);
- :mod:`salience.explain.tsr`: :func:`temporal_saliency_rescaling` (TSR), batched over the perturbed
  copies, also reachable as ``attribute(..., tsr=True)``;
- :mod:`salience.explain.baselines`: :func:`permute_features`, the benchmark's "Random" baseline (a
  feature-axis permutation of another method's maps, unlike the i.i.d. ``random`` method);
- :mod:`salience.explain.text`: :func:`token_attributions`, token saliency (N, L) of text models,
  attributed on their embeddings;
- :mod:`salience.explain._cudnn`: :func:`recurrent_backward_safe`, gradients through cuDNN
  recurrent layers in eval mode.
"""

from salience.explain._cudnn import recurrent_backward_safe
from salience.explain.attribute import BASELINE_CHOICES, METHODS, OUTPUTS, attribute
from salience.explain.baselines import feature_axis_permutation, permute_features
from salience.explain.text import TEXT_METHODS, token_attributions
from salience.explain.tsr import temporal_saliency_rescaling

__all__ = [
    "BASELINE_CHOICES",
    "METHODS",
    "OUTPUTS",
    "TEXT_METHODS",
    "attribute",
    "feature_axis_permutation",
    "permute_features",
    "recurrent_backward_safe",
    "temporal_saliency_rescaling",
    "token_attributions",
]
