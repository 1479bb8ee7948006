"""Attribution: saliency maps (N, T, F) over captum, seeded and batch-safe.

- :mod:`salience.explain.attribute`: :func:`attribute` and the method names :data:`METHODS`;
- :mod:`salience.explain._cudnn`: :func:`recurrent_backward_safe`, gradients through cuDNN
  recurrent layers in eval mode.
"""

from salience.explain._cudnn import recurrent_backward_safe
from salience.explain.attribute import METHODS, OUTPUTS, attribute

__all__ = ["METHODS", "OUTPUTS", "attribute", "recurrent_backward_safe"]
