"""salience: faithful saliency on sequence models.

Tensors are laid out (batch, time, features) everywhere. Subpackages:

- :mod:`salience.data`: the dataset contract and the synthetic box datasets;
- :mod:`salience.models`: recurrent classifiers and input-cell attention;
- :mod:`salience.training`: the training loop and checkpoints;
- :mod:`salience.explain`: attribution over captum;
- :mod:`salience.metrics`: ground-truth saliency metrics and temporal profiles;
- :mod:`salience.experiments`: paper reproductions and the results store.
"""

__version__ = "0.1.0"
